export { EventPublisher } from './event-publisher.js';
export { DeadLetterPublisher, type DeadLetterEntry } from './dead-letter-publisher.js';
