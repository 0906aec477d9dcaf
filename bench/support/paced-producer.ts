/**
 * A steady load for the freshness benchmark: `rate` records/s for `seconds`, sent every ~50 ms with explicit
 * partitions (round-robin), remembering when each offset was produced. Pacing uses the project's TokenBucket.
 */
import { Partitioners, type Kafka } from 'kafkajs';
import { TokenBucket } from '../../src/cli/produce-records.js';
import { elec2SizedRecords } from './kafka.js';

/** `count` records at offsets `base`, `base + 1`, ... of one partition, all produced at `at` (performance.now()). */
export interface ProducedRun {
  readonly partition: number;
  readonly base: number;
  readonly count: number;
  readonly at: number;
}

export async function producePaced(
  kafka: Kafka,
  topic: string,
  partitions: number,
  rate: number,
  seconds: number,
  onTick?: (sent: number) => void,
): Promise<ProducedRun[]> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: false, maxInFlightRequests: 1 });
  await producer.connect();
  const chunk = Math.max(1, Math.round(rate * 0.05));
  const total = Math.round(rate * seconds);
  const bucket = new TokenBucket(rate, 2 * chunk);
  const records = elec2SizedRecords(total, 99);
  const runs: ProducedRun[] = [];
  let sent = 0;
  try {
    while (sent < total) {
      const want = Math.min(chunk, total - sent);
      await bucket.take(want);
      const messages = [];
      for (let i = 0; i < want; i++) {
        const next = records.next();
        if (next.done) break;
        messages.push({ value: JSON.stringify(next.value), partition: (sent + i) % partitions });
      }
      const at = performance.now();
      const meta = await producer.send({ topic, acks: -1, messages });
      for (const m of meta) {
        const count = messages.filter((x) => x.partition === m.partition).length;
        runs.push({ partition: m.partition, base: Number(m.baseOffset), count, at });
      }
      sent += messages.length;
      onTick?.(sent);
    }
  } finally {
    await producer.disconnect();
  }
  return runs;
}
