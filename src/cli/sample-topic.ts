import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { ConfigError, DependencyError } from '../core/index.js';

export interface SampleTopicOptions {
  readonly brokers: readonly string[];
  readonly topic: string;
  /** Records to read at most, spread over the partitions. */
  readonly sample: number;
  /** Time bound of the read, from the consumer's start. */
  readonly maxSeconds: number;
}

export interface TopicSample {
  /** Record values, partition after partition, in offset order within each. */
  readonly values: (Buffer | null)[];
  readonly partitions: number;
  /** Records the topic holds (high - low watermark, summed). */
  readonly available: number;
  /** True when the time bound cut the read short. */
  readonly timedOut: boolean;
}

/** Splits `total` over partitions holding `sizes` records: evenly, what a small partition cannot take going to the others. */
export function quotas(sizes: readonly number[], total: number): number[] {
  const out = sizes.map(() => 0);
  let left = Math.min(
    total,
    sizes.reduce((a, b) => a + b, 0),
  );
  while (left > 0) {
    const open = sizes.map((s, i) => i).filter((i) => (out[i] as number) < (sizes[i] as number));
    const share = Math.max(1, Math.floor(left / open.length));
    for (const i of open) {
      const take = Math.min(share, (sizes[i] as number) - (out[i] as number), left);
      out[i] = (out[i] as number) + take;
      left -= take;
      if (left === 0) break;
    }
  }
  return out;
}

function sharedPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return i;
}

/**
 * Reads a bounded sample of `topic` from the beginning of every partition, committing nothing: a throw-away
 * consumer group, deleted afterwards, with auto-commit off. Stops at the quota of each partition, its end, or the
 * time bound, whichever comes first.
 */
export async function sampleTopic(o: SampleTopicOptions): Promise<TopicSample> {
  const kafka = new Kafka({
    clientId: 'streamtrain-init',
    brokers: [...o.brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 5_000,
    retry: { retries: 2, initialRetryTime: 300 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
  } catch (cause) {
    throw new DependencyError(
      '--brokers (env KAFKA_BROKERS)',
      `Could not reach the Kafka brokers ${o.brokers.join(', ')}: check --brokers (or env KAFKA_BROKERS) and that the brokers run`,
      { cause, retriable: true },
    );
  }
  const groupId = `streamtrain-init-${randomUUID()}`;
  let joined = false;
  try {
    const topics = await admin.listTopics();
    if (!topics.includes(o.topic)) {
      const names = topics.filter((t) => !t.startsWith('__'));
      const near = [...names].sort((a, b) => sharedPrefix(b, o.topic) - sharedPrefix(a, o.topic) || a.localeCompare(b)).slice(0, 8);
      const more = names.length > near.length ? ` (of ${names.length})` : '';
      throw new ConfigError(
        '--topic',
        `Topic \`${o.topic}\` does not exist on ${o.brokers.join(', ')}; the closest names there${more}: ${near.map((t) => `\`${t}\``).join(', ') || 'none'}`,
      );
    }
    const offsets = (await admin.fetchTopicOffsets(o.topic)).sort((a, b) => a.partition - b.partition);
    const sizes = offsets.map((p) => Math.max(0, Number(p.high) - Number(p.low)));
    const available = sizes.reduce((a, b) => a + b, 0);
    const want = quotas(sizes, o.sample);
    const byPartition = new Map<number, (Buffer | null)[]>(offsets.map((p) => [p.partition, []]));
    const quota = new Map(offsets.map((p, i) => [p.partition, want[i] as number]));
    const high = new Map(offsets.map((p) => [p.partition, BigInt(p.high)]));
    if (available === 0) return { values: [], partitions: offsets.length, available, timedOut: false };

    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
    let timedOut = false;
    try {
      await consumer.connect();
      joined = true;
      await consumer.subscribe({ topics: [o.topic], fromBeginning: true });
      let finish!: () => void;
      const finished = new Promise<void>((resolve) => (finish = resolve));
      const complete = (p: number) => (byPartition.get(p)?.length ?? 0) >= (quota.get(p) ?? 0);
      const timer = setTimeout(() => {
        timedOut = true;
        finish();
      }, o.maxSeconds * 1000);
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          const got = byPartition.get(partition);
          if (!got || complete(partition)) return;
          got.push(message.value);
          // The last record of the partition ends it even when the quota is larger (a compacted topic has gaps).
          if (complete(partition) || BigInt(message.offset) + 1n >= (high.get(partition) ?? 0n)) {
            quota.set(partition, got.length);
            consumer.pause([{ topic: o.topic, partitions: [partition] }]);
          }
          if ([...quota.keys()].every(complete)) finish();
        },
      });
      if ([...quota.keys()].every(complete)) finish();
      await finished;
      clearTimeout(timer);
    } finally {
      await consumer.disconnect().catch(() => undefined);
    }
    const values = [...byPartition.keys()].sort((a, b) => a - b).flatMap((p) => byPartition.get(p) ?? []);
    return { values, partitions: offsets.length, available, timedOut };
  } finally {
    if (joined) await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}
