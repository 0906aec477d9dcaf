import type { Kafka } from 'kafkajs';
import type { PartitionKey } from '../core/index.js';
import { partitionKey } from '../core/index.js';
import type { PartitionExtent } from './retrain-plan.js';

/** Every partition of the topics with the oldest offset the broker retains and the next it will write. */
export async function partitionExtents(kafka: Kafka, topics: readonly string[]): Promise<PartitionExtent[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const out: PartitionExtent[] = [];
    for (const topic of topics)
      for (const p of await admin.fetchTopicOffsets(topic)) out.push({ topic, partition: p.partition, low: BigInt(p.low), high: BigInt(p.high) });
    return out.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Per partition, the first offset whose record time is at or after `ms` (-1: none is that new). */
export async function offsetsAtTime(kafka: Kafka, topics: readonly string[], ms: number): Promise<Map<PartitionKey, bigint>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const out = new Map<PartitionKey, bigint>();
    for (const topic of topics)
      for (const p of await admin.fetchTopicOffsetsByTimestamp(topic, ms)) out.set(partitionKey(topic, p.partition), BigInt(p.offset));
    return out;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
