/**
 * The peer of the pipeline in the throughput benchmark: a plain kafkajs consumer (`eachBatch`, no auto-commit,
 * fresh group, from the beginning) that JSON-decodes every message and does nothing else. The fastest a
 * Node.js kafkajs application can read these records; the pipeline's events/s are reported as a ratio of it.
 */
import type { Kafka } from 'kafkajs';

export interface ConsumeRun {
  readonly records: number;
  /** From the first delivered batch to the N-th record (group join and first fetch excluded). */
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly completed: boolean;
}

export async function bareConsume(kafka: Kafka, topic: string, groupId: string, n: number, timeoutMs: number, onProgress?: (seen: number) => void): Promise<ConsumeRun> {
  const consumer = kafka.consumer({ groupId });
  let seen = 0;
  let checksum = 0;
  let first: number | undefined;
  let last = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, heartbeat, isRunning }) => {
        first ??= performance.now();
        for (const m of batch.messages) {
          if (!isRunning() || seen >= n) break;
          const value = JSON.parse((m.value as Buffer).toString('utf8')) as Record<string, number>;
          checksum += value.y ?? 0;
          seen += 1;
        }
        last = performance.now();
        onProgress?.(seen);
        if (seen >= n) done();
        await heartbeat();
      },
    });
    const timer = setTimeout(done, timeoutMs);
    await finished;
    clearTimeout(timer);
  } finally {
    await consumer.disconnect();
  }
  const seconds = first === undefined ? 0 : (last - first) / 1000;
  if (checksum < 0) throw new Error('unreachable: keeps the decode from being optimized away');
  return { records: seen, seconds, eventsPerSecond: seconds > 0 ? seen / seconds : 0, completed: seen >= n };
}
