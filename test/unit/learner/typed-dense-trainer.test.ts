import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLogger, type ModelConfig, type ModelSnapshot } from '../../../src/core/index.js';
import { OnlineLearner, selectBackend, tf } from '../../../src/learner/index.js';
import { unpackTensors } from '../../../src/learner/snapshot.js';
import { loadWeights } from '../../../src/learner/learner-state.js';
import { readLearnerState } from '../../../src/learner/state-reader.js';
import { TYPED_WHOLE_BATCH_MACS, TYPED_WHOLE_BATCH_MACS_WASM, TYPED_WHOLE_BATCH_ROWS_WASM } from '../../../src/learner/typed-dense-trainer.js';
import { testModelSpec } from '../../support/model-spec.js';
import { separableBatch } from '../../support/separable-batch.js';

const logger = createLogger({ level: 'silent' });

const spec = testModelSpec;

type Labeler = (x: Float32Array, row: number, width: number) => number;
const separable: Labeler = () => Number.NaN;
const threeClasses: Labeler = (x, r, w) => Math.min(2, Math.floor((x[r * w] as number) * 3));
const regression: Labeler = (x, r, w) => 3 * (x[r * w] as number) - 2 * (x[r * w + 1] as number) + 0.5;

function batchOf(seed: number, label: Labeler, size = 32) {
  const b = separableBatch(seed, size, 3, 0.1);
  if (label === separable) return b;
  const labels = new Float32Array(size);
  for (let r = 0; r < size; r++) labels[r] = label(b.features, r, 3);
  return { ...b, labels };
}

/** Everything a snapshot holds, by tensor name (the optimizer's slots and the learner state's weights included). */
function tensorsOf(snap: ModelSnapshot): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  const weights = new Float32Array(snap.weightData.slice(0));
  let at = 0;
  for (const s of snap.weightSpecs) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    out.set(`model/${s.name}`, weights.slice(at, at + n));
    at += n;
  }
  const named = unpackTensors(snap.optimizer.tensors, snap.optimizer.data);
  named.forEach((t, i) => {
    out.set(`optimizer/${i}`, Float32Array.from(t.tensor.dataSync()));
    t.tensor.dispose();
  });
  const { learner } = readLearnerState(snap);
  for (const [set, saved] of [
    ['trained', learner.trained],
    ['unfolded', learner.unfolded],
    ['average', learner.average?.weights],
    ['short', learner.short?.weights],
  ] as const) {
    loadWeights(saved).forEach((t, i) => {
      out.set(`${set}/${i}`, Float32Array.from(t.dataSync()));
      t.dispose();
    });
  }
  return out;
}

/** Largest difference relative to the values' scale (1 at least), over every tensor of two snapshots. */
function relativeDiff(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  expect([...a.keys()].length).toBe([...b.keys()].length);
  let worst = 0;
  a.forEach((va, k) => {
    const vb = b.get([...b.keys()][[...a.keys()].indexOf(k)] as string) as Float32Array;
    expect(vb.length).toBe(va.length);
    for (let i = 0; i < va.length; i++) worst = Math.max(worst, Math.abs((va[i] as number) - (vb[i] as number)) / Math.max(1, Math.abs(va[i] as number)));
  });
  return worst;
}

/** Steps both learners on the batch; their pre-update scores agree within 1e-4. */
function stepBoth(typed: OnlineLearner, reference: OnlineLearner, b: ReturnType<typeof batchOf>): void {
  const [r1, r2] = [typed.step(b), reference.step(b)];
  for (let i = 0; i < b.size; i++) expect(Math.abs((r1.scores[i] as number) - (r2.scores[i] as number))).toBeLessThan(1e-4);
}

/** Everything both learners would checkpoint agrees within 1e-4 (relative). */
async function expectSameState(typed: OnlineLearner, reference: OnlineLearner): Promise<void> {
  expect(relativeDiff(tensorsOf(await typed.snapshot()), tensorsOf(await reference.snapshot()))).toBeLessThan(1e-4);
}

async function pair(s: ModelConfig, updateBatchSize: number | undefined): Promise<[OnlineLearner, OnlineLearner]> {
  const make = (typedSteps: boolean) =>
    OnlineLearner.create({ spec: s, inputWidth: 3, metricsWindow: 1000, logger, typedSteps, ...(updateBatchSize ? { updateBatchSize } : {}) });
  return [await make(true), await make(false)];
}

describe('TypedDenseTrainer (steps of slices in typed arrays)', () => {
  beforeAll(async () => {
    await selectBackend('auto', logger);
  });

  const cases: { name: string; spec: ModelConfig; label: Labeler; updateBatchSize: number | undefined }[] = [
    { name: 'logistic, Adam, averaging, a step per batch', spec: spec(), label: separable, updateBatchSize: undefined },
    {
      name: 'MLP softmax (3 classes), SGD, averaging, a step per batch',
      spec: spec({ type: 'mlp', classes: 3, optimizer: { type: 'sgd', learningRate: 0.2, clipNorm: 10 } }),
      label: threeClasses,
      updateBatchSize: undefined,
    },
    {
      name: 'logistic, Adam, averaging with restartOnLag (trained weights scored too), a step per sample',
      spec: spec({ averaging: { horizon: 40, holdoff: 10, restartOnDrift: true, restartOnLag: true } }),
      label: separable,
      updateBatchSize: 1,
    },
    { name: 'logistic, Adam, averaging, a step per sample', spec: spec(), label: separable, updateBatchSize: 1 },
    {
      name: 'logistic, SGD, no averaging, L2, steps of 4',
      spec: spec({
        optimizer: { type: 'sgd', learningRate: 0.5, clipNorm: 10 },
        l2: 0.01,
        averaging: { horizon: 0, holdoff: 0, restartOnDrift: true, restartOnLag: false },
      }),
      label: separable,
      updateBatchSize: 4,
    },
    { name: 'MLP softmax (3 classes), Adam, averaging, L2', spec: spec({ type: 'mlp', classes: 3, l2: 0.001 }), label: threeClasses, updateBatchSize: 1 },
    {
      name: 'MLP regression, SGD, clipped',
      spec: spec({ type: 'mlp', task: 'regression', optimizer: { type: 'sgd', learningRate: 0.05, clipNorm: 0.5 } }),
      label: regression,
      updateBatchSize: 2,
    },
  ];
  for (const c of cases) {
    it(`learns as the tfjs path does: ${c.name}`, async () => {
      const [typed, reference] = await pair(c.spec, c.updateBatchSize);
      const before = await typed.snapshot();
      for (let k = 0; k < 12; k++) {
        const b = batchOf(100 + k, c.label);
        const r1 = typed.step(b);
        const r2 = reference.step(b);
        expect(r1.applied).toBe(true);
        expect(Math.abs(r1.loss - r2.loss)).toBeLessThan(1e-4 * Math.max(1, Math.abs(r2.loss)));
        for (let i = 0; i < b.size; i++) expect(Math.abs((r1.scores[i] as number) - (r2.scores[i] as number))).toBeLessThan(1e-4);
        expect(r1.trainedErrors === undefined).toBe(r2.trainedErrors === undefined);
        if (r1.trainedErrors && r2.trainedErrors) for (let i = 0; i < b.size; i++) expect(r1.trainedErrors[i]).toBe(r2.trainedErrors[i]);
      }
      const [a, b] = [tensorsOf(await typed.snapshot()), tensorsOf(await reference.snapshot())];
      expect(relativeDiff(a, b)).toBeLessThan(1e-4);
      // It learned: the published weights moved well beyond that tolerance.
      const published = (m: Map<string, Float32Array>) => new Map([...m].filter(([k]) => k.startsWith('model/')));
      expect(relativeDiff(published(a), published(tensorsOf(before)))).toBeGreaterThan(1e-2);
      typed.dispose();
      reference.dispose();
    });
  }

  it('after the optimizer is reset (drift response adapt) and its learning rate boosted, learns as the tfjs path does', async () => {
    const [typed, reference] = await pair(spec(), 1);
    for (let k = 0; k < 4; k++) for (const l of [typed, reference]) l.step(batchOf(k, separable));
    for (const l of [typed, reference]) {
      l.resetOptimizer();
      l.boostLearningRate(3);
    }
    for (let k = 4; k < 10; k++) stepBoth(typed, reference, batchOf(k, separable));
    await expectSameState(typed, reference);
    typed.dispose();
    reference.dispose();
  });

  it('batches of different sizes, some stepped in typed arrays and some through tfjs, learn as the tfjs path alone does', async () => {
    // A whole batch of 8 rows is stepped in typed arrays (whose state is held between batches) and one above the
    // wasm kernel's rows bound through tfjs kernels, which must see every typed step before it.
    for (const s of [
      spec({ type: 'mlp', hiddenUnits: [64] }),
      spec({ type: 'mlp', hiddenUnits: [64], averaging: { horizon: 100, holdoff: 10, restartOnDrift: true, restartOnLag: false, select: true } }),
    ]) {
      const [typed, reference] = await pair(s, undefined);
      for (let k = 0; k < 12; k++) stepBoth(typed, reference, batchOf(300 + k, separable, k % 6 === 4 ? TYPED_WHOLE_BATCH_ROWS_WASM + 1 : 8));
      await expectSameState(typed, reference);
      typed.dispose();
      reference.dispose();
    }
  });

  it("takes a whole-batch step in typed arrays up to the wasm kernel's bounds, and leaves larger ones to tfjs kernels", async () => {
    const kernels = async (l: OnlineLearner, b: ReturnType<typeof batchOf>) => {
      l.step(b);
      return (await tf.profile(() => void l.step(b))).kernels.length;
    };
    const small = await OnlineLearner.create({ spec: spec(), inputWidth: 3, metricsWindow: 100, logger });
    // 3 inputs x 512 hidden + 512 outputs = 2,048 multiply-adds a row.
    const large = await OnlineLearner.create({ spec: spec({ type: 'mlp', hiddenUnits: [512] }), inputWidth: 3, metricsWindow: 100, logger });
    expect(await kernels(small, batchOf(1, separable, 64))).toBeLessThan(20);
    expect(await kernels(small, batchOf(1, separable, TYPED_WHOLE_BATCH_ROWS_WASM))).toBeLessThan(20);
    // Above the rows bound, even for a model of 3 multiply-adds a row.
    expect(await kernels(small, batchOf(1, separable, TYPED_WHOLE_BATCH_ROWS_WASM + 1))).toBeGreaterThan(30);
    // 64 rows (131,072 multiply-adds, above the reference loops' bound) typed; above the multiply-adds bound not.
    expect(await kernels(large, batchOf(1, separable, 64))).toBeLessThan(20);
    expect(TYPED_WHOLE_BATCH_MACS).toBeLessThan(64 * 2_048);
    expect(await kernels(large, batchOf(1, separable, TYPED_WHOLE_BATCH_MACS_WASM / 2_048))).toBeLessThan(20);
    expect(await kernels(large, batchOf(1, separable, TYPED_WHOLE_BATCH_MACS_WASM / 2_048 + 1))).toBeGreaterThan(30);
    small.dispose();
    large.dispose();
  });

  it('runs a fixed number of tfjs kernels per micro-batch, not some seventy per sample', async () => {
    const [typed, reference] = await pair(spec(), 1);
    const b = batchOf(7, separable, 64);
    typed.step(b);
    reference.step(b);
    const kernels = async (l: OnlineLearner) => (await tf.profile(() => void l.step(b))).kernels.length;
    const k1 = await kernels(typed);
    const k2 = await kernels(reference);
    expect(k1).toBeLessThan(40);
    expect(k2).toBeGreaterThan(64 * 10);
    typed.dispose();
    reference.dispose();
  });

  it('a learner restored from a snapshot continues exactly as the one that wrote it (Adam, a step per sample)', async () => {
    const s = spec({ type: 'mlp' });
    const live = await OnlineLearner.create({ spec: s, inputWidth: 3, metricsWindow: 1000, updateBatchSize: 1, logger });
    for (let k = 0; k < 5; k++) live.step(batchOf(k, separable));
    const restored = await OnlineLearner.create({ spec: s, inputWidth: 3, metricsWindow: 1000, updateBatchSize: 1, logger }, await live.snapshot());
    for (let k = 5; k < 15; k++) {
      const b = batchOf(k, separable);
      expect(Array.from(restored.step(b).scores)).toEqual(Array.from(live.step(b).scores));
    }
    expect(relativeDiff(tensorsOf(await restored.snapshot()), tensorsOf(await live.snapshot()))).toBe(0);
    live.dispose();
    restored.dispose();
  });

  it('refuses the slice with a non-finite feature, learns the others, and keeps every weight finite', async () => {
    const [typed, reference] = await pair(spec(), 1);
    const b = batchOf(9, separable);
    const features = Float32Array.from(b.features);
    features[5 * 3 + 1] = Number.NaN;
    const bad = { ...b, features };
    const r1 = typed.step(bad);
    const r2 = reference.step(bad);
    expect(r1.applied).toBe(false);
    expect(r2.applied).toBe(false);
    expect(typed.rejectedUpdates).toBe(1);
    const a = tensorsOf(await typed.snapshot());
    for (const v of a.values()) for (const x of v) expect(Number.isFinite(x)).toBe(true);
    expect(relativeDiff(a, tensorsOf(await reference.snapshot()))).toBeLessThan(1e-4);
    typed.dispose();
    reference.dispose();
  });

  it('any sequence of steps, predictions, snapshots and drift responses sees the held typed state as the tfjs path does (property)', async () => {
    type Op = { kind: 'small' | 'large' | 'predict' | 'snapshot' | 'reset' | 'restart' | 'boost' | 'restore'; seed: number };
    const op = fc.record({
      kind: fc.constantFrom<Op['kind']>('small', 'small', 'large', 'predict', 'snapshot', 'reset', 'restart', 'boost', 'restore'),
      seed: fc.integer({ min: 1, max: 1e6 }),
    });
    // MLP 3 -> 64 -> 1 with the selector: 8 rows are stepped in typed arrays, 400 through tfjs (see the test above).
    const s = spec({ type: 'mlp', hiddenUnits: [64], averaging: { horizon: 100, holdoff: 10, restartOnDrift: true, restartOnLag: false, select: true } });
    await fc.assert(
      // A step per batch, a step per sample, or steps of 4 (the tfjs side then steps slice by slice too).
      fc.asyncProperty(fc.constantFrom(0, 1, 4), fc.array(op, { minLength: 1, maxLength: 14 }), async (updateBatchSize, ops) => {
        const make = (typedSteps: boolean) =>
          OnlineLearner.create({ spec: s, inputWidth: 3, metricsWindow: 100, logger, typedSteps, ...(updateBatchSize ? { updateBatchSize } : {}) });
        const [typed, reference] = [await make(true), await make(false)];
        try {
          for (const o of ops) {
            const b = batchOf(o.seed, separable, o.kind === 'large' ? 400 : 8);
            if (o.kind === 'small' || o.kind === 'large') stepBoth(typed, reference, b);
            else if (o.kind === 'predict') {
              const [p1, p2] = [typed.predict(b.features, b.size), reference.predict(b.features, b.size)];
              for (let i = 0; i < b.size; i++) expect(Math.abs((p1[i] as number) - (p2[i] as number))).toBeLessThan(1e-4);
            } else if (o.kind === 'snapshot') await expectSameState(typed, reference);
            else if (o.kind === 'reset') for (const l of [typed, reference]) l.resetOptimizer();
            else if (o.kind === 'restart') for (const l of [typed, reference]) l.restartAverage();
            else if (o.kind === 'boost') for (const l of [typed, reference]) l.boostLearningRate(3);
            else for (const l of [typed, reference]) l.restoreLearningRate();
          }
          await expectSameState(typed, reference);
        } finally {
          typed.dispose();
          reference.dispose();
        }
      }),
      { numRuns: 25, seed: 20261130 },
    );
  });

  it('keeps the tfjs path for optimizers it does not implement (RMSProp), with the same results as before', async () => {
    const s = spec({ optimizer: { type: 'rmsprop', learningRate: 0.01, clipNorm: 10 } });
    const [typed, reference] = await pair(s, 1);
    for (let k = 0; k < 3; k++) {
      const b = batchOf(k, separable);
      expect(Array.from(typed.step(b).scores)).toEqual(Array.from(reference.step(b).scores));
    }
    expect(relativeDiff(tensorsOf(await typed.snapshot()), tensorsOf(await reference.snapshot()))).toBe(0);
    typed.dispose();
    reference.dispose();
  });
});

describe('learning-rate changes (drift response adapt)', () => {
  beforeAll(async () => {
    await selectBackend('auto', logger);
  });

  for (const updateBatchSize of [undefined, 1]) {
    it(`scale SGD's step${updateBatchSize ? ' (a step per sample)' : ' (a step per batch)'}`, async () => {
      const s = spec({
        optimizer: { type: 'sgd', learningRate: 0.01, clipNorm: 100 },
        averaging: { horizon: 0, holdoff: 0, restartOnDrift: true, restartOnLag: false },
      });
      const make = () => OnlineLearner.create({ spec: s, inputWidth: 3, metricsWindow: 100, logger, ...(updateBatchSize ? { updateBatchSize } : {}) });
      const plain = await make();
      const boosted = await make();
      boosted.boostLearningRate(10);
      expect(boosted.learningRate).toBeCloseTo(0.1, 12);
      const b = batchOf(1, separable, 8);
      plain.step(b);
      boosted.step(b);
      // From zero weights, the first SGD step is -lr * gradient: ten times the learning rate, ten times the step
      // (a step per sample: the later samples' gradients change too, so only the direction of the scale is exact).
      const w1 = tensorsOf(await plain.snapshot()).get('model/output_0/kernel') as Float32Array;
      const w2 = tensorsOf(await boosted.snapshot()).get('model/output_0/kernel') as Float32Array;
      const norm = (w: Float32Array) => Math.hypot(...w);
      if (!updateBatchSize) for (let i = 0; i < w1.length; i++) expect(w2[i]).toBeCloseTo((w1[i] as number) * 10, 5);
      else expect(norm(w2) / norm(w1)).toBeGreaterThan(5);
      boosted.restoreLearningRate();
      expect(boosted.learningRate).toBeCloseTo(0.01, 12);
      plain.dispose();
      boosted.dispose();
    });
  }
});
