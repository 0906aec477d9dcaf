export { StreamtrainService, type ServiceOptions, type ServiceStatus } from './service.js';
export { versionEvent } from './version-event.js';
/** Re-exported for the CLI and benchmarks; the subscriber takes it from consumers/ without the pipeline. */
export { createKafka } from '../consumers/index.js';
export { toMicroBatches, type PackedBatch } from './micro-batches.js';
export { BoundedBuffer } from './bounded-buffer.js';
export { OffsetLedger, positionsOf } from './offset-ledger.js';
export {
  TriggerSet,
  SamplesTrigger,
  IntervalTrigger,
  DriftTrigger,
  VolumeRatioTrigger,
  PerformanceTrigger,
  type PublicationState,
  type TriggerRule,
} from './triggers.js';
export { Checkpointer } from './checkpointer.js';
export { ClusterMember, type ClusterMemberOptions, type Role, type Transition } from './cluster-member.js';
export type { PipelineObserver } from './observer.js';
export { assertStartable, checkDependencies, TOPIC_WAIT_MS } from './preflight.js';
export { KeyedService, type KeyedServiceOptions } from './keyed-service.js';
export { retrain, type RetrainOptions, type RetrainOutcome } from './retrain.js';
export { assertCheckpointFits } from './model-fit.js';
export type { LabelsStatus } from './label-feed.js';
export { defaultInstanceId } from './instance-id.js';
