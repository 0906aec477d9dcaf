export { ModelSubscriber, type LoadedVersion, type ModelSubscriberOptions } from './model-subscriber.js';
