import { Kafka, logLevel, type Admin } from 'kafkajs';

/** Small kafkajs helpers for integration tests against the real broker. */
export function testKafka(brokers: string[]): Kafka {
  return new Kafka({ clientId: 'streamtrain-test', brokers, logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 200 } });
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

export async function createTopic(kafka: Kafka, topic: string, partitions = 1): Promise<void> {
  await withAdmin(kafka, (admin) => admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true }));
}

/** Produces values round-robin over partitions (explicit partition numbers, so the test knows where each goes). */
export async function produceValues(kafka: Kafka, topic: string, values: (Buffer | string | null)[], partitions = 1): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (let i = 0; i < values.length; i += 1000) {
      await producer.send({ topic, acks: -1, messages: values.slice(i, i + 1000).map((value, j) => ({ value, partition: (i + j) % partitions })) });
    }
  } finally {
    await producer.disconnect();
  }
}

export interface ConsumedMessage {
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly receivedAt: number;
}

/**
 * Reads a topic from the beginning with a throw-away group until `until` says stop or the timeout passes.
 * Returns what it saw.
 */
export async function consumeUntil(kafka: Kafka, topic: string, until: (seen: ConsumedMessage[]) => boolean, timeoutMs = 60_000): Promise<ConsumedMessage[]> {
  const consumer = kafka.consumer({ groupId: `test-reader-${topic}-${Date.now()}-${Math.random().toString(36).slice(2)}` });
  const seen: ConsumedMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      seen.push({ partition, offset: message.offset, key: message.key, value: message.value, receivedAt: Date.now() });
      if (until(seen)) done();
    },
  });
  const timer = setTimeout(done, timeoutMs);
  await finished;
  clearTimeout(timer);
  await consumer.disconnect();
  return seen;
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
