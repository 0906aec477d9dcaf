/**
 * The `streamtrain` entry point: the service, config loading, the event and checkpoint types, the errors and
 * the checkpoint stores. Two lighter entry points sit beside it: `streamtrain/subscriber` (follow versions and
 * predict, without the training code) and `streamtrain/drift` (the pure detectors, PSI and KS).
 *
 * Curated on purpose: everything here is public API; anything not re-exported is internal and may change.
 */

// The service.
export { StreamtrainService, ClusterMember, type ClusterMemberOptions, type Role, type ServiceOptions, type ServiceStatus } from './pipeline/index.js';
export { createKafka } from './consumers/index.js';

// Config.
export {
  loadConfig,
  parseConfig,
  type ConfigEnv,
  type ParseOptions,
  type StreamtrainConfig,
  type KafkaConfig,
  type InputConfig,
  type FeatureSpec,
  type ModelConfig,
  type OptimizerConfig,
  type LearnerConfig,
  type BatchConfig,
  type CheckpointConfig,
  type StoreConfig,
  type TriggerConfig,
  type DriftConfig,
  type PublishConfig,
  type ServerConfig,
  type ClusterConfig,
} from './core/index.js';

// Logging, versions, events.
export { createLogger, STREAMTRAIN_VERSION, type Logger } from './core/index.js';
export { decodeDriftEvent, decodePredictionEvent, decodeVersionEvent, parseVersion, compareVersions, formatVersion, type ModelVersion } from './core/index.js';
export type { DriftEvent, Manifest, MetricValues, OffsetRange, PredictionEvent, Trigger, TriggerReason, VersionEvent } from './core/index.js';

// Errors: branch on `instanceof` or `retriable`.
export {
  StreamtrainError,
  ConfigError,
  DecodeError,
  CheckpointWriteError,
  CheckpointIntegrityError,
  UpdateRejectedError,
  ServiceUnavailableError,
  FencedError,
  type DecodeReason,
  type ErrorContext,
  type StreamtrainErrorOptions,
} from './core/index.js';

// Checkpoint stores.
export { FolderStore, S3Store, openStore, type ObjectStore, type S3StoreOptions } from './checkpoints/index.js';
