/**
 * Kafka and object-store plumbing shared by the benchmarks: one run id that prefixes every topic, group and S3
 * key a run creates (so cleanup removes exactly those), topic filling with the project's own load generator,
 * and the cleanup itself.
 */
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { createLogger, type Logger, type StreamtrainConfig } from '../../src/core/index.js';
import { S3Store } from '../../src/checkpoints/index.js';
import { rotatingHyperplane } from '../../src/datasets/index.js';
import type { BenchServices } from './env.js';

/** Every name a benchmark run creates starts with this. */
export const RUN_PREFIX = 'stbench';

export function newRunId(): string {
  return `${RUN_PREFIX}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}

/** Quiet root logger for benchmark processes: errors on stderr only (BENCH_LOG_LEVEL=warn or info for more). */
export function benchLogger(level = process.env.BENCH_LOG_LEVEL ?? 'error'): Logger {
  return createLogger({ level, destination: 2 });
}

export function benchKafka(brokers: string[], clientId = 'streamtrain-bench'): Kafka {
  return new Kafka({ clientId, brokers, logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 200 } });
}

export async function withAdmin<T>(kafka: Kafka, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

export async function createTopic(kafka: Kafka, topic: string, partitions: number): Promise<void> {
  await withAdmin(kafka, (admin) => admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true }));
}

/**
 * Creates the topics a service writes to (versions, drift, dead letter) before it starts, as an operator would:
 * auto-creation on first send works, but makes kafkajs log a metadata error and adds its latency to the run.
 */
export async function createServiceTopics(kafka: Kafka, config: StreamtrainConfig): Promise<void> {
  const names = [config.publish.versionsTopic, config.drift.topic, config.deadLetter.topic];
  await withAdmin(kafka, (admin) =>
    admin.createTopics({ topics: names.map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1 })), waitForLeaders: true }),
  );
}

/**
 * Elec2-sized records: 8 numeric features and a 0/1 label (the rotating hyperplane, features rounded to 6
 * decimals like the normalized Elec2 file, so a JSON message is about as long as an Elec2 row).
 */
export function* elec2SizedRecords(count: number, seed = 7): Generator<Record<string, number>> {
  for (const r of rotatingHyperplane({ seed, length: count, dims: 8 })) {
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(r)) out[k] = k === 'y' ? v : Math.round(v * 1e6) / 1e6;
    yield out;
  }
}

export function recordBytes(): number {
  const sample = [...elec2SizedRecords(1000, 1)];
  return sample.reduce((n, r) => n + Buffer.byteLength(JSON.stringify(r)), 0) / sample.length;
}

/** End offset sum of a topic: how many records it holds (no compaction, no deletes in a run). */
export async function topicSize(kafka: Kafka, topic: string): Promise<number> {
  return withAdmin(kafka, async (admin) => (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high) - Number(p.low), 0));
}

/** Deletes every topic whose name starts with `prefix`; returns their names. */
export async function deleteTopics(kafka: Kafka, prefix: string): Promise<string[]> {
  return withAdmin(kafka, async (admin) => {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length) await admin.deleteTopics({ topics, timeout: 30_000 });
    return topics;
  });
}

/** Deletes every consumer group whose id starts with `prefix`. */
export async function deleteGroups(kafka: Kafka, prefix: string): Promise<string[]> {
  return withAdmin(kafka, async (admin) => {
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix));
    if (groups.length) await admin.deleteGroups(groups).catch(() => undefined);
    return groups;
  });
}

/** Deletes every object under `prefix` in the benchmark bucket; returns how many. */
export async function deleteObjects(services: BenchServices, prefix: string): Promise<number> {
  const store = new S3Store({ ...services.s3, prefix });
  try {
    const keys = await store.list('');
    for (let i = 0; i < keys.length; i += 16) await Promise.all(keys.slice(i, i + 16).map((k) => store.delete(k)));
    return keys.length;
  } finally {
    await store.close();
  }
}
