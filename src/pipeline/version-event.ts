import type { DriftEvent, Manifest, OffsetRange, VersionEvent } from '../core/index.js';
import type { ManagerEvent } from '../adaptation/index.js';
import { parsePartitionKey } from '../core/index.js';
import type { PackedBatch } from './micro-batches.js';

/** The offsets a micro-batch covers, per partition, as events carry them. */
export function rangesOf(batch: PackedBatch): OffsetRange[] {
  return [...batch.offsets].map(([k, r]) => ({ ...parsePartitionKey(k), from: r.from.toString(), to: r.to.toString() }));
}

/** The model-version event announcing a durable checkpoint. */
export function versionEvent(m: Manifest, uri: string): VersionEvent {
  return {
    model: m.model,
    version: m.version,
    parents: m.parents,
    uri,
    createdAt: m.createdAt,
    samplesTotal: m.samples.total,
    samplesSinceParent: m.samples.sinceParent,
    metrics: m.metrics,
    offsets: m.offsets,
    trigger: m.trigger.reason,
    triggerDetail: m.trigger.detail ?? null,
  };
}

/** The drift event of a detection whose responses include `alert`: the detector, its scores and the batch's offsets. */
export function driftEvent(
  e: Extract<ManagerEvent, { kind: 'drift' }>,
  o: { readonly model: string; readonly version: string; readonly samples: number; readonly batch: PackedBatch },
): DriftEvent {
  const { model, version, samples, batch } = o;
  return {
    model,
    version,
    detector: e.detector,
    signal: e.signal,
    at: new Date().toISOString(),
    samples,
    scores: e.scores,
    offsets: rangesOf(batch),
    response: e.responses.join(','),
  };
}
