/**
 * Fills a features topic and a labels topic with a labels stream (bench/labels/stream.ts), in two child
 * processes side by side (fill-worker.ts), ahead of a run.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { progress } from '../support/progress.js';
import type { LabelsStreamOptions } from './stream.js';

const WORKER = fileURLToPath(new URL('./fill-worker.ts', import.meta.url));

/** Produces both sides; resolves with the seconds it took. */
export async function fillLabelsStream(featureTopic: string, labelTopic: string, o: LabelsStreamOptions): Promise<number> {
  const show = progress('labels fill', 5_000);
  const sent = { features: 0, labels: 0 };
  const started = performance.now();
  const one = (side: 'features' | 'labels', topic: string) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', WORKER, side, topic, JSON.stringify(o)], { stdio: ['ignore', 'ignore', 'pipe'] });
      let tail = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        tail = (tail + chunk).slice(-4_000);
        for (const m of chunk.matchAll(/^progress (\d+)$/gm)) sent[side] = Number(m[1]);
        show(`features ${sent.features.toLocaleString('en-US')}, labels ${sent.labels.toLocaleString('en-US')}`);
      });
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`labels fill worker (${side}) exited with ${code}: ${tail}`))));
    });
  await Promise.all([one('features', featureTopic), one('labels', labelTopic)]);
  return (performance.now() - started) / 1000;
}
