/**
 * The keyed chaos stream: SEA-like records of `keys` tenants whose concept depends on the tenant, produced with
 * the Kafka key = the `tenant` value through kafkajs' default (murmur2) partitioner, as `model.partitionBy`
 * requires. Paced (`perTick` every `tickMs`) for the chaos run, or all at once for a throughput backlog. What a
 * lineage must add up to is read back from the topic itself (`countTopic`): a send retried after a lost answer
 * may be in the topic twice, and the service learns what is in the topic.
 */
import { Partitioners, type Kafka } from 'kafkajs';
import { homePartition } from '../../src/consumers/index.js';
import { sleep } from './instances.js';

/** The tenant names: mostly plain, every tenth one with characters a store path must encode. */
export function keyNames(keys: number): string[] {
  return Array.from({ length: keys }, (_, k) => (k % 10 === 9 ? `acme.eu/${k} ü` : `t${String(k).padStart(3, '0')}`));
}

export interface KeyedMessage {
  readonly key: string;
  readonly value: string;
}

export function* keyedStream(seed: number, keys: number): Generator<KeyedMessage> {
  const names = keyNames(keys);
  let s = seed >>> 0;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  for (;;) {
    const k = Math.floor(rnd() * keys);
    const tenant = names[k] as string;
    const x1 = Math.round(rnd() * 1e6) / 1e5;
    const x2 = Math.round(rnd() * 1e6) / 1e5;
    const x3 = Math.round(rnd() * 1e6) / 1e5;
    yield { key: tenant, value: JSON.stringify({ tenant, x1, x2, x3, y: x1 + x2 <= 7 + (k % 5) ? 1 : 0 }) };
  }
}

function keyedProducer(kafka: Kafka) {
  return kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent: false,
    maxInFlightRequests: 1,
    retry: { retries: 2, initialRetryTime: 200 },
  });
}

/** `perTick` keyed records every `tickMs` until stopped or `maxRecords` are acknowledged; failed sends are retried. */
export class PacedKeyedProducer {
  acked = 0;
  failedSends = 0;
  private stopped = false;
  private running?: Promise<void>;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly keys: number,
    private readonly perTick: number,
    private readonly tickMs: number,
    private readonly maxRecords: number,
    private readonly seed: number,
  ) {}

  start(): void {
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private async loop(): Promise<void> {
    const producer = keyedProducer(this.kafka);
    let connected = false;
    const records = keyedStream(this.seed, this.keys);
    let next = Date.now();
    try {
      while (!this.stopped && this.acked < this.maxRecords) {
        const n = Math.min(this.perTick, this.maxRecords - this.acked);
        const messages = Array.from({ length: n }, () => records.next().value as KeyedMessage);
        while (!this.stopped) {
          try {
            if (!connected) {
              await producer.connect();
              connected = true;
            }
            await producer.send({ topic: this.topic, acks: -1, timeout: 5_000, messages });
            this.acked += n;
            break;
          } catch {
            this.failedSends++;
            await sleep(500);
          }
        }
        next += this.tickMs;
        await sleep(Math.max(0, next - Date.now()));
        if (Date.now() - next > 5 * this.tickMs) next = Date.now();
      }
    } finally {
      await producer.disconnect().catch(() => undefined);
    }
  }
}

/** Produces `count` keyed records as fast as the broker takes them (a throughput backlog). */
export async function fillKeyed(kafka: Kafka, topic: string, count: number, keys: number, seed: number): Promise<void> {
  const producer = keyedProducer(kafka);
  await producer.connect();
  try {
    const records = keyedStream(seed, keys);
    for (let sent = 0; sent < count; ) {
      const n = Math.min(5_000, count - sent);
      await producer.send({ topic, acks: -1, messages: Array.from({ length: n }, () => records.next().value as KeyedMessage) });
      sent += n;
    }
  } finally {
    await producer.disconnect();
  }
}

export interface TopicCount {
  /** Records per Kafka key, over the whole topic. */
  readonly perKey: Map<string, number>;
  readonly perPartition: number[];
  /** Records whose key's home partition (murmur2) is not the partition they are in: must be 0. */
  readonly misplaced: number;
  readonly keyless: number;
  readonly ms: number;
}

/** Reads the topic from its beginning up to `ends` with a fresh consumer group and counts records per key. */
export async function countTopic(kafka: Kafka, topic: string, ends: readonly number[], groupId: string, timeoutMs = 180_000): Promise<TopicCount> {
  const t = Date.now();
  const perKey = new Map<string, number>();
  const perPartition = ends.map(() => 0);
  const seen = ends.map(() => 0);
  let misplaced = 0;
  let keyless = 0;
  const done = () => ends.every((e, p) => (seen[p] as number) >= e);
  if (done()) return { perKey, perPartition, misplaced, keyless, ms: 0 };
  const consumer = kafka.consumer({ groupId, maxBytesPerPartition: 4 << 20, sessionTimeout: 30_000 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    let finish: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    await consumer.run({
      eachBatch: async ({ batch }) => {
        const p = batch.partition;
        for (const m of batch.messages) {
          const offset = Number(m.offset);
          if (offset >= (ends[p] ?? 0)) continue;
          seen[p] = Math.max(seen[p] as number, offset + 1);
          perPartition[p] = (perPartition[p] as number) + 1;
          if (!m.key) {
            keyless++;
            continue;
          }
          const key = m.key.toString('utf8');
          perKey.set(key, (perKey.get(key) ?? 0) + 1);
          if (homePartition(key, ends.length) !== p) misplaced++;
        }
        if (done()) finish();
      },
    });
    const ok = await Promise.race([finished.then(() => true), sleep(timeoutMs).then(() => false)]);
    if (!ok) throw new Error(`counting ${topic} timed out after ${timeoutMs} ms: read ${seen.join(',')} of ${ends.join(',')}`);
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
  return { perKey, perPartition, misplaced, keyless, ms: Date.now() - t };
}
