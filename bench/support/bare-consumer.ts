/**
 * The peer of the pipeline in the throughput benchmark: a plain kafkajs consumer (`eachBatch`, no auto-commit,
 * fresh group, from the beginning) that decodes every message and does nothing else: with `JSON.parse` (the
 * peer, what a Node.js kafkajs application does), or with any other decoder given as `decode`, which returns a
 * number to keep the work from being optimized away.
 */
import type { Kafka } from 'kafkajs';

export interface ConsumeRun {
  readonly records: number;
  /** From the first delivered batch to the N-th record (group join and first fetch excluded). */
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly completed: boolean;
}

export type BareDecode = (value: Buffer) => number;

export async function bareConsume(
  kafka: Kafka,
  topic: string,
  groupId: string,
  n: number,
  timeoutMs: number,
  onProgress?: (seen: number) => void,
  decode?: BareDecode,
): Promise<ConsumeRun> {
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
          // The peer's decode written inline, as an application would.
          checksum += decode ? decode(m.value as Buffer) : ((JSON.parse((m.value as Buffer).toString('utf8')) as Record<string, number>).y ?? 0);
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
