/**
 * Learner micro-benchmark (issue #3, target 4): samples/s of `OnlineLearner.step()` (test-then-train on one
 * micro-batch: predict, loss, gradients, norm guard, Adam update, one read-back, live metrics) for logreg and
 * MLP-64, 8 features, batch 256, after warm-up, on each tfjs backend (wasm, cpu, and tensorflow when
 * `@tensorflow/tfjs-node` is installed). Baseline in the same process: plain tfjs `model.trainOnBatch()`.
 * One child process per backend, because tfjs' backend is process-global.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Benchmark } from './support/context.js';
import { mergeSummary, round, writeResult } from './support/results.js';

const CHILD = fileURLToPath(new URL('./learner-child.ts', import.meta.url));
const BACKENDS = ['wasm', 'cpu', 'tensorflow'] as const;

interface Timing {
  readonly samplesPerSecond: number;
  readonly medianSamplesPerSecond: number;
  readonly steps: number;
  readonly msPerStep: number;
  readonly rounds: number[];
}
interface ModelResult {
  readonly step: Timing;
  readonly step1024: Timing;
  /** The same whole-batch steps with every step through tfjs. */
  readonly stepTfjs: Timing;
  readonly step1024Tfjs: Timing;
  readonly trainOnBatch: Timing;
  readonly stepVsTrainOnBatch: number;
  readonly stepPerSample: Timing;
  readonly stepPerSampleTfjs: Timing;
  readonly trainOnBatchPerSample: Timing;
  readonly perSampleVsTrainOnBatch: number;
  /** MLP only: a step per sample on micro-batches of 256, typed and through tfjs. */
  readonly stepPerSample256?: Timing;
  readonly stepPerSampleTfjs256?: Timing;
}
type ChildResult =
  | { backend: string; available: false; reason: string }
  | { backend: string; available: true; tensorsLeft: number; logreg: ModelResult; mlp: ModelResult };

function runChild(backend: string): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, backend], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const timer = setTimeout(() => child.kill('SIGTERM'), 300_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as ChildResult);
      } catch {
        reject(new Error(`learner child (${backend}) exited with ${code} and no result`));
      }
    });
  });
}

const roundTiming = (t: Timing) => ({
  ...t,
  samplesPerSecond: round(t.samplesPerSecond),
  medianSamplesPerSecond: round(t.medianSamplesPerSecond),
  msPerStep: round(t.msPerStep, 3),
});
const rounded = (m: ModelResult) => ({
  step: roundTiming(m.step),
  step1024: roundTiming(m.step1024),
  stepTfjs: roundTiming(m.stepTfjs),
  step1024Tfjs: roundTiming(m.step1024Tfjs),
  trainOnBatch: roundTiming(m.trainOnBatch),
  stepVsTrainOnBatch: round(m.stepVsTrainOnBatch, 3),
  stepPerSample: roundTiming(m.stepPerSample),
  stepPerSampleTfjs: roundTiming(m.stepPerSampleTfjs),
  trainOnBatchPerSample: roundTiming(m.trainOnBatchPerSample),
  perSampleVsTrainOnBatch: round(m.perSampleVsTrainOnBatch, 3),
  ...(m.stepPerSample256 && m.stepPerSampleTfjs256
    ? {
        stepPerSample256: roundTiming(m.stepPerSample256),
        stepPerSampleTfjs256: roundTiming(m.stepPerSampleTfjs256),
        perSample256VsTfjs: round(m.stepPerSample256.samplesPerSecond / m.stepPerSampleTfjs256.samplesPerSecond, 3),
      }
    : {}),
});

export const learnerBenchmark: Benchmark = {
  name: 'learner',
  sourceRecords: 0,
  async run() {
    const results: ChildResult[] = [];
    for (const backend of BACKENDS) results.push(await runChild(backend));
    const keys: Record<string, number | null> = {};
    for (const r of results) {
      if (!r.available) {
        process.stderr.write(`[bench learner] ${r.backend}: not available (${r.reason})\n`);
        continue;
      }
      keys[`update_samples_per_s_${r.backend}`] = round(r.logreg.step.samplesPerSecond);
      keys[`update_samples_per_s_${r.backend}_mlp`] = round(r.mlp.step.samplesPerSecond);
      keys[`update_vs_train_on_batch_${r.backend}`] = round(r.logreg.stepVsTrainOnBatch, 3);
      keys[`update_per_sample_samples_per_s_${r.backend}`] = round(r.logreg.stepPerSample.samplesPerSecond);
      keys[`update_per_sample_vs_train_on_batch_${r.backend}`] = round(r.logreg.perSampleVsTrainOnBatch, 3);
      const mlp256 = r.mlp.stepPerSample256;
      const mlp256Tfjs = r.mlp.stepPerSampleTfjs256;
      if (mlp256 && mlp256Tfjs) {
        keys[`update_per_sample_samples_per_s_${r.backend}_mlp`] = round(mlp256.samplesPerSecond);
        keys[`update_per_sample_vs_tfjs_${r.backend}_mlp`] = round(mlp256.samplesPerSecond / mlp256Tfjs.samplesPerSecond, 3);
      }
    }
    writeResult('learner', {
      inputs: {
        batchSize: 256,
        features: 8,
        optimizer: 'adam 0.01',
        models: { logreg: 'logistic (8 -> 1 sigmoid)', mlp: '8 -> 64 relu -> 1 sigmoid' },
        warmupMs: 700,
        measureMs: 3_000,
        method:
          'step(), trainOnBatch() and step() at batch 1024 (both step() sizes also with every step through tfjs: stepTfjs, step1024Tfjs), and a step per sample on micro-batches of 32 (step() with updateBatchSize 1, the same through tfjs only, trainOnBatch() once per sample) and for the MLP on micro-batches of 256 (step() with updateBatchSize 1, the same through tfjs only), measured in 6 interleaved rounds of 0.5 s each; samplesPerSecond = best round, medianSamplesPerSecond also given',
        summaryKeys:
          'update_samples_per_s_<backend> = logreg, _mlp = MLP 64, both at batch 256; update_per_sample_samples_per_s_<backend> = logreg, a step per sample (micro-batches of 32); update_per_sample_samples_per_s_<backend>_mlp = MLP 64, a step per sample on micro-batches of 256, and update_per_sample_vs_tfjs_<backend>_mlp its ratio to the same learner with every step through tfjs',
        baseline: 'tfjs model.trainOnBatch() on the same architecture and backend (once per sample for the step-per-sample rows)',
      },
      backends: results.map((r) =>
        r.available ? { backend: r.backend, available: true, tensorsLeft: r.tensorsLeft, logreg: rounded(r.logreg), mlp: rounded(r.mlp) } : r,
      ),
    });
    mergeSummary(keys);
  },
};
