/**
 * Memory (issue #3, target 3): resident memory after 1M learned events vs after 100k, through the whole
 * pipeline (logreg), in a child process with `--expose-gc` so that nothing else pollutes its RSS; each sample is
 * taken after a full GC while the stream still flows. Target: rss_1m / rss_100k <= 1.10. Raw records are
 * supposed to live only until their micro-batch is learned, so memory should not grow with the stream length.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { envInt, type Benchmark } from './support/context.js';
import { mergeSummary, round, writeResult } from './support/results.js';
import type { Sample } from './memory-child.js';

const N = envInt('BENCH_MEMORY_N', 1_000_000);
const STEP = Math.max(1, Math.round(N / 10));
const BATCH = 256;
const CHILD = fileURLToPath(new URL('./memory-child.ts', import.meta.url));

interface ChildResult {
  readonly before: Sample;
  readonly samples: Sample[];
  readonly run: Record<string, unknown> & { completed: boolean };
  readonly batchSize: number;
  readonly everySamples: number;
}

function runChild(args: string[], timeoutMs: number): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', CHILD, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`memory child exited with ${code}`));
      try {
        resolve(JSON.parse(line) as ChildResult);
      } catch {
        reject(new Error(`memory child printed no result: ${out.slice(-500)}`));
      }
    });
  });
}

export const memoryBenchmark: Benchmark = {
  name: 'memory',
  // A tail beyond N keeps the stream flowing when the last sample is taken.
  sourceRecords: Math.round(N * 1.1),
  async run(ctx) {
    const r = await runChild([ctx.runId, ctx.sourceTopic, String(N), String(STEP), String(BATCH)], 200_000);
    const at = (k: number) => r.samples.find((s) => s.samples >= k);
    const first = at(STEP);
    const last = at(N);
    if (!first || !last) throw new Error(`memory samples missing (run completed: ${r.run.completed})`);
    const ratio = last.rssMb / first.rssMb;
    process.stderr.write(
      `[bench memory] rss ${first.rssMb} MB after ${first.samples.toLocaleString('en-US')}, ${last.rssMb} MB after ${last.samples.toLocaleString('en-US')}: ratio ${ratio.toFixed(3)}\n`,
    );
    writeResult('memory', {
      inputs: {
        records: N,
        sampleEvery: STEP,
        model: 'logreg',
        batchSize: BATCH,
        everySamples: r.everySamples,
        process: 'node --expose-gc --import tsx bench/memory-child.ts; samples after two global.gc() calls',
      },
      beforeStart: r.before,
      samples: r.samples,
      run: r.run,
      rssMb: { first: first.rssMb, last: last.rssMb, firstAt: first.samples, lastAt: last.samples },
      rssGrowthRatio: round(ratio, 3),
      target: 1.1,
      met: ratio <= 1.1,
    });
    mergeSummary({ rss_growth_ratio_1m_vs_100k: round(ratio, 3), rss_mb_100k: first.rssMb, rss_mb_1m: last.rssMb });
  },
};
