import { randomUUID } from 'node:crypto';
import { describe, it, expect } from 'vitest';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import type { Admin, Consumer, Producer } from 'kafkajs';
import { kafkaBrokers } from './services.js';

const MESSAGES = 100;
const PARTITIONS = 3;
const CONSUME_TIMEOUT_MS = 60_000;

interface Received {
  offset: string;
  key: string;
  value: string;
}

/** Resolves when `done()` turns true, rejects after `ms`. */
function waitFor(done: () => boolean, ms: number, what: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + ms;
    const tick = (): void => {
      if (done()) resolve();
      else if (Date.now() > deadline) reject(new Error(`timed out after ${ms} ms waiting for ${what()}`));
      else setTimeout(tick, 50);
    };
    tick();
  });
}

describe('Kafka broker (real)', () => {
  it('produces, consumes in order per partition with a consumer group, and commits offsets', async () => {
    const brokers = await kafkaBrokers();
    const run = randomUUID().slice(0, 8);
    const topic = `streamtrain-int-${run}`;
    const groupId = `streamtrain-int-group-${run}`;
    const kafka = new Kafka({ clientId: `streamtrain-int-${run}`, brokers, logLevel: logLevel.NOTHING });

    const admin: Admin = kafka.admin();
    const producer: Producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    const consumer: Consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
    try {
      await admin.connect();
      expect(await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true })).toBe(true);

      // Explicit partitions: message i goes to partition i % PARTITIONS, so the expected order is known.
      const sent = Array.from({ length: MESSAGES }, (_, i) => ({
        partition: i % PARTITIONS,
        key: `key-${i}`,
        value: JSON.stringify({ i, run }),
      }));
      await producer.connect();
      const metadata = await producer.send({ topic, messages: sent, acks: -1 });
      expect(
        metadata.map((m) => ({ partition: m.partition, errorCode: m.errorCode, baseOffset: m.baseOffset })).sort((a, b) => a.partition - b.partition),
      ).toEqual(Array.from({ length: PARTITIONS }, (_, partition) => ({ partition, errorCode: 0, baseOffset: '0' })));

      const received = new Map<number, Received[]>();
      let count = 0;
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          const list = received.get(partition) ?? [];
          list.push({ offset: message.offset, key: message.key?.toString() ?? '', value: message.value?.toString() ?? '' });
          received.set(partition, list);
          count += 1;
        },
      });
      await waitFor(
        () => count >= MESSAGES,
        CONSUME_TIMEOUT_MS,
        () => `${MESSAGES} messages, got ${count}`,
      );

      expect(count).toBe(MESSAGES);
      for (let p = 0; p < PARTITIONS; p += 1) {
        const expected = sent.filter((m) => m.partition === p).map((m, offset) => ({ offset: String(offset), key: m.key, value: m.value }));
        expect(received.get(p)).toEqual(expected);
      }

      // Commit the next offset to read for every partition, then read the commits back through the admin API.
      await consumer.commitOffsets(
        [...received.entries()].map(([partition, list]) => ({
          topic,
          partition,
          offset: String(Number(list.at(-1)?.offset ?? -1) + 1),
        })),
      );
      const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
      expect(committed).toHaveLength(1);
      const offsets = committed[0]?.partitions.map(({ partition, offset }) => ({ partition, offset })).sort((a, b) => a.partition - b.partition);
      expect(offsets).toEqual(
        Array.from({ length: PARTITIONS }, (_, partition) => ({
          partition,
          offset: String(sent.filter((m) => m.partition === partition).length),
        })),
      );
    } finally {
      await consumer.disconnect().catch(() => undefined);
      await producer.disconnect().catch(() => undefined);
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
    }
  });
});
