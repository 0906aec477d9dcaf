/**
 * The `streamtrain/subscriber` entry point, for downstream services that serve the model streamtrain trains:
 * {@link ModelSubscriber} follows the versions topic and hot-swaps each checkpoint for `predict()`, plus what
 * it takes to build one (config, logger, Kafka client, checkpoint stores). With `predictionLog`, `serve()` logs
 * each prediction to Kafka (schemas/prediction.avsc) for a trainer to join with labels; `createDashboard` mounts the
 * live dashboard (/dashboard) in the service's own HTTP server, and `subscriberMetrics` its Prometheus series. It stays light: nothing here
 * reaches the training code (src/learner, src/pipeline); .dependency-cruiser.cjs checks that.
 */
export { ModelSubscriber, type LoadedVersion, type ModelSubscriberOptions } from './model-subscriber.js';
export type { PredictionLogOptions } from './prediction-log-options.js';
export type { PredictionLogStats } from './prediction-log.js';
export { subscriberMetrics, type SubscriberMetricsOptions } from './subscriber-metrics.js';
export type { LoadCounters, SubscriberStatus } from './subscriber-status.js';
export { predictedClassOf, type Served, type ServeRequest } from './served.js';
export { createKafka } from '../consumers/index.js';
export { createDashboard, type Dashboard, type DashboardOptions } from '../dashboard/index.js';
export { FolderStore, S3Store, openStore, type ObjectStore, type S3StoreOptions } from '../checkpoints/index.js';
export {
  createLogger,
  decodeVersionEvent,
  decodePredictionEvent,
  loadConfig,
  StreamtrainError,
  CheckpointIntegrityError,
  ConfigError,
  type KafkaConfig,
  type Logger,
  type Manifest,
  type PredictionEvent,
  type StoreConfig,
  type StreamtrainConfig,
  type VersionEvent,
} from '../core/index.js';
