import { randomUUID } from 'node:crypto';

import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';

import { produceRecords, progressBar, TokenBucket } from '../../src/cli/produce-records.js';
import { ConfigError } from '../../src/core/errors.js';
import { seaConcepts } from '../../src/datasets/index.js';
import { kafkaBrokers } from './services.js';

const RECORDS = 2_000;
const RATE = 4_000;
const PARTITIONS = 3;
const CONSUME_TIMEOUT_MS = 60_000;

const logger = pino({ level: 'warn' });

interface Received {
  partition: number;
  value: string;
}

/** Reads `topic` from the beginning until `count` messages arrived (or the timeout). */
async function consumeAll(brokers: string[], topic: string, count: number): Promise<Received[]> {
  const kafka = new Kafka({ clientId: `produce-int-consumer-${randomUUID().slice(0, 8)}`, brokers, logLevel: logLevel.NOTHING });
  const consumer: Consumer = kafka.consumer({ groupId: `produce-int-${randomUUID().slice(0, 8)}`, maxWaitTimeInMs: 200 });
  const received: Received[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out: ${received.length} of ${count} messages after ${CONSUME_TIMEOUT_MS} ms`)),
        CONSUME_TIMEOUT_MS,
      );
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            received.push({ partition, value: message.value?.toString('utf8') ?? '' });
            if (received.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return received;
}

describe('produceRecords (real broker)', () => {
  it('produces 2,000 SEA records to a new 3-partition topic at 4,000/s, and they all come back', async () => {
    const brokers = await kafkaBrokers();
    const topic = `streamtrain-produce-int-${randomUUID().slice(0, 8)}`;
    const source = seaConcepts({ seed: 17, length: RECORDS });
    const calls: Array<[number, number | undefined]> = [];

    const wall = performance.now();
    const result = await produceRecords({
      brokers,
      topic,
      records: source,
      rate: RATE,
      partitions: PARTITIONS,
      logger,
      progress: (sent, total) => calls.push([sent, total]),
    });
    const wallSeconds = (performance.now() - wall) / 1000;

    expect(result.sent).toBe(RECORDS);
    // The rate is respected: 2,000 records at 4,000/s cannot take less than 0.5 s (0.4 s leaves room for timers).
    expect(result.seconds).toBeGreaterThanOrEqual(0.4);
    expect(wallSeconds).toBeGreaterThanOrEqual(result.seconds);
    expect(result.sent / result.seconds).toBeLessThanOrEqual(RATE * 1.05);
    expect(calls.at(-1)).toEqual([RECORDS, RECORDS]);
    expect(calls.map(([sent]) => sent)).toEqual([...calls.map(([sent]) => sent)].sort((a, b) => a - b));

    const received = await consumeAll(brokers, topic, RECORDS);
    expect(received).toHaveLength(RECORDS);
    const records = received.map((m) => JSON.parse(m.value) as Record<string, number>);
    for (const record of records) expect(Object.keys(record).sort()).toEqual(['x1', 'x2', 'x3', 'y']);
    // Null keys spread the records round-robin over all three partitions.
    expect(new Set(received.map((m) => m.partition))).toEqual(new Set([0, 1, 2]));
    // Exactly the generated records, each once.
    const expected = [...source].map((r) => JSON.stringify(r)).sort();
    expect(received.map((m) => m.value).sort()).toEqual(expected);
  });

  it('stops cleanly when aborted, resolving with what was sent', async () => {
    const brokers = await kafkaBrokers();
    const topic = `streamtrain-produce-abort-${randomUUID().slice(0, 8)}`;
    const controller = new AbortController();
    const result = await produceRecords({
      brokers,
      topic,
      records: seaConcepts({ seed: 1, length: Infinity, driftAt: [1_000] }),
      rate: 2_000,
      partitions: 1,
      logger,
      signal: controller.signal,
      progress: (sent) => {
        if (sent >= 300) controller.abort();
      },
    });
    expect(result.sent).toBeGreaterThanOrEqual(300);
    expect(result.sent).toBeLessThan(600);
    const received = await consumeAll(brokers, topic, result.sent);
    expect(received).toHaveLength(result.sent);
  });
});

describe('produceRecords options and helpers (no broker)', () => {
  it('rejects invalid options with a ConfigError before connecting', async () => {
    const base = { brokers: ['127.0.0.1:1'], topic: 't', records: [], logger };
    await expect(produceRecords({ ...base, rate: -1 })).rejects.toThrow('Expected `rate` to be a number > 0, got `-1`');
    await expect(produceRecords({ ...base, brokers: [] })).rejects.toBeInstanceOf(ConfigError);
    await expect(produceRecords({ ...base, batchSize: 0 })).rejects.toBeInstanceOf(ConfigError);
    await expect(produceRecords({ ...base, partitions: 1.5 })).rejects.toBeInstanceOf(ConfigError);
  });

  it('paces a token bucket within a few percent, and stops waiting on abort', async () => {
    const bucket = new TokenBucket(2_000, 200);
    const start = performance.now();
    for (let i = 0; i < 10; i += 1) await bucket.take(100);
    const seconds = (performance.now() - start) / 1000;
    expect(seconds).toBeGreaterThanOrEqual(0.49);
    expect(seconds).toBeLessThan(0.6);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    expect(await new TokenBucket(1, 10).take(10, controller.signal)).toBe(false);
  });

  it('draws a progress line with count, percentage and rate, at most every 200 ms on a terminal', async () => {
    const writes: string[] = [];
    const bar = progressBar({ isTTY: true, write: (text: string) => writes.push(text) });
    bar(0, 1_000);
    bar(100, 1_000); // within 200 ms of the first draw: skipped
    await new Promise((resolve) => setTimeout(resolve, 220));
    bar(500, 1_000);
    bar(1_000, 1_000); // the final count is always drawn
    expect(writes).toHaveLength(3);
    expect(writes[1]?.startsWith('\r[############............] 500/1,000 50.0%  ')).toBe(true);
    expect(writes[1]?.endsWith(' rec/s\u001b[K')).toBe(true);
    expect(writes[2]).toMatch(/1,000\/1,000 100\.0%.*\n$/);
    const plain: string[] = [];
    const noTotal = progressBar({ write: (text: string) => plain.push(text) });
    noTotal(42);
    expect(plain).toEqual(['42 records  … rec/s\n']);
  });
});
