/**
 * Fills a topic with Elec2-sized records using the project's load generator (`produceRecords`) in parallel
 * child processes: one kafkajs producer is CPU-bound near 50k records/s here, and the benchmarks need millions.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Kafka } from 'kafkajs';
import { createTopic, topicSize } from './kafka.js';
import { progress } from './progress.js';

const WORKER = fileURLToPath(new URL('./fill-worker.ts', import.meta.url));

export async function fillTopic(
  kafka: Kafka,
  topic: string,
  count: number,
  partitions: number,
  workers = 2,
): Promise<{ seconds: number; recordsPerSecond: number }> {
  await createTopic(kafka, topic, partitions);
  const show = progress('fill', 5_000);
  const sent = new Array<number>(workers).fill(0);
  const started = performance.now();
  const share = (i: number) => Math.floor(count / workers) + (i < count % workers ? 1 : 0);
  await Promise.all(
    sent.map(
      (_, i) =>
        new Promise<void>((resolve, reject) => {
          const child = spawn(process.execPath, ['--import', 'tsx', WORKER, topic, String(share(i)), String(i + 1)], { stdio: ['ignore', 'ignore', 'pipe'] });
          let tail = '';
          child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
            tail = (tail + chunk).slice(-4_000);
            for (const m of chunk.matchAll(/^progress (\d+)$/gm)) sent[i] = Number(m[1]);
            const total = sent.reduce((a, b) => a + b, 0);
            show(`${topic}: ${total.toLocaleString('en-US')}/${count.toLocaleString('en-US')} records`);
          });
          child.on('error', reject);
          child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`fill worker ${i} exited with ${code}: ${tail}`))));
        }),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  const size = await topicSize(kafka, topic);
  if (size !== count) throw new Error(`topic ${topic} holds ${size} records, expected ${count}`);
  process.stderr.write(`[bench fill] ${topic}: ${count.toLocaleString('en-US')} records in ${seconds.toFixed(1)} s\n`);
  return { seconds, recordsPerSecond: count / seconds };
}
