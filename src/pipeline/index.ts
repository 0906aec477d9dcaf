export { StreamtrainService, versionEvent, type ServiceOptions, type ServiceStatus } from './service.js';
export { createKafka } from './kafka-client.js';
export { toMicroBatches, type PackedBatch } from './micro-batches.js';
export { BoundedBuffer } from './bounded-buffer.js';
export { OffsetLedger, positionsOf } from './offset-ledger.js';
export { TriggerSet, SamplesTrigger, IntervalTrigger, DriftTrigger, VolumeRatioTrigger, PerformanceTrigger, type PublicationState, type TriggerRule } from './triggers.js';
export { Checkpointer } from './checkpointer.js';
export type { PipelineObserver } from './observer.js';
