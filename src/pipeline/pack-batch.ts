import type { Batch, ConsumedRecord, PartitionKey, RejectedRecord } from '../core/index.js';
import { partitionKey } from '../core/index.js';

/** A micro-batch ready for the learner, plus the rejected records that travelled with it. */
export interface PackedBatch extends Batch {
  readonly rejected: readonly RejectedRecord[];
  /** All records, accepted and rejected: what the buffer releases once the batch is learned. */
  readonly records: number;
}

/**
 * Copies the examples of a group of consumed records into one row-major Float32Array and computes, per
 * partition, the offset range the group covers (rejected records included, so ranges tile the partition).
 */
export function packBatch(group: readonly ConsumedRecord[], width: number): PackedBatch {
  let size = 0;
  for (const r of group) if (r.kind === 'example') size++;
  const features = new Float32Array(size * width);
  const labels = new Float32Array(size);
  // Records of one partition arrive in offset order: the first and last offset per partition give its range,
  // so only those are parsed (BigInt per record was a measurable cost).
  const firstLast = new Map<PartitionKey, [string, string]>();
  const rejected: RejectedRecord[] = [];
  let i = 0;
  let firstTimestamp = Infinity;
  let lastTimestamp = 0;
  for (const r of group) {
    const { topic, partition, offset, timestamp } = r.kind === 'example' ? r.example : r;
    const k = partitionKey(topic, partition);
    const fl = firstLast.get(k);
    if (fl) fl[1] = offset;
    else firstLast.set(k, [offset, offset]);
    if (timestamp < firstTimestamp) firstTimestamp = timestamp;
    if (timestamp > lastTimestamp) lastTimestamp = timestamp;
    if (r.kind === 'example') {
      features.set(r.example.features, i * width);
      labels[i] = r.example.label;
      i++;
    } else {
      rejected.push(r);
    }
  }
  const offsets = new Map<PartitionKey, { from: bigint; to: bigint }>();
  for (const [k, [from, to]] of firstLast) offsets.set(k, { from: BigInt(from), to: BigInt(to) + 1n });
  return { size, width, features, labels, offsets, rejected, records: group.length, firstTimestamp: Number.isFinite(firstTimestamp) ? firstTimestamp : 0, lastTimestamp };
}
