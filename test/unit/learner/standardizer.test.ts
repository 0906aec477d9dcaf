import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLogger, parseConfig, type ModelConfig } from '../../../src/core/index.js';
import { OnlineLearner, selectBackend, tf } from '../../../src/learner/index.js';
import { loadModelArtifacts } from '../../../src/learner/snapshot.js';
import { loadWeights } from '../../../src/learner/learner-state.js';
import { foldIntoDense, Standardizer, STANDARDIZER_MIN_SAMPLES } from '../../../src/learner/standardizer.js';
import { testModelSpec } from '../../support/model-spec.js';

const logger = createLogger({ level: 'silent' });

const spec = (overrides: Partial<ModelConfig> = {}): ModelConfig =>
  testModelSpec({ standardize: true, seed: 5, averaging: { horizon: 100, holdoff: 20, restartOnDrift: true, restartOnLag: false }, ...overrides });

/**
 * Rows whose features live on very different scales (like Elec2's prices, mostly a few hundredths, next to
 * values near 1): y = 1 iff 400 * x0 + x1 > 3, x0 in [0, 0.015), x1 in [0, 1), x2 in [1000, 1001).
 */
function scaledBatch(seed: number, size = 64) {
  let s = seed >>> 0;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const features = new Float32Array(size * 3);
  const labels = new Float32Array(size);
  for (let r = 0; r < size; r++) {
    const x0 = rnd() * 0.015;
    const x1 = rnd();
    features.set([x0, x1, 1000 + rnd()], r * 3);
    labels[r] = 400 * x0 + x1 > 3 ? 1 : 0;
  }
  return { size, width: 3, features, labels };
}

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)) / Math.max(1, Math.abs(b[i] as number)));
  return m;
}

describe('Standardizer', () => {
  it('holds the mean and population deviation of every finite row seen, in any batching (property)', () => {
    const row = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 2, maxLength: 2 });
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 60, size: 'max' }), fc.integer({ min: 1, max: 7 }), (rows, chunk) => {
        const f32 = rows.map((r) => r.map(Math.fround));
        const s = new Standardizer(2, undefined, 1);
        for (let at = 0; at < f32.length; at += chunk) {
          const part = f32.slice(at, at + chunk);
          s.update(Float32Array.from(part.flat()), part.length);
        }
        const [shift, scale] = s.affine();
        for (let j = 0; j < 2; j++) {
          const xs = f32.map((r) => r[j] as number);
          const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
          const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
          expect(Math.abs((shift[j] as number) - mean)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(mean), ...xs.map(Math.abs)));
          if (sd > 1e-3 * Math.max(1, ...xs.map(Math.abs))) expect(Math.abs((scale[j] as number) * sd - 1)).toBeLessThan(1e-6);
        }
        expect(s.samples).toBe(rows.length);
      }),
      { numRuns: 300 },
    );
  });

  it('updateEach: each row standardized with the statistics of the rows up to it, before minSamples too, ending where update() ends (property)', () => {
    const row = fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 2, maxLength: 2 });
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 5 }), (rows, minSamples) => {
        const flat = Float32Array.from(rows.flat());
        const each = new Standardizer(2, undefined, minSamples);
        const out = each.updateEach(flat, rows.length);
        const byRow = new Standardizer(2, undefined, minSamples);
        rows.forEach((_, i) => {
          const x = flat.subarray(2 * i, 2 * i + 2);
          byRow.update(x, 1);
          const want = byRow.learningTransform(x, 1);
          expect(Math.abs((out[2 * i] as number) - (want[0] as number))).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(want[0] as number)));
          expect(Math.abs((out[2 * i + 1] as number) - (want[1] as number))).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(want[1] as number)));
        });
        const whole = new Standardizer(2, undefined, minSamples);
        whole.update(flat, rows.length);
        expect(each.state()).toEqual(whole.state());
      }),
      { numRuns: 200 },
    );
  });

  it('with standardizeBy: record a batch is scored by the model as it stood before it (what a loader of the last snapshot predicts); with batch it is not', async () => {
    for (const standardizeBy of ['record', 'batch'] as const) {
      const l = await OnlineLearner.create({ spec: spec({ standardizeBy }), inputWidth: 3, metricsWindow: 1000, logger, updateBatchSize: 1 });
      let same = 0;
      for (let k = 0; k < 6; k++) {
        const b = scaledBatch(k);
        const before = l.predict(b.features, b.size);
        const { scores } = l.step(b);
        if (maxRelDiff(scores, before) < 1e-6) same += 1;
      }
      // The first batches come before the statistics are used (STANDARDIZER_MIN_SAMPLES): the same either way.
      if (standardizeBy === 'record') expect(same).toBe(6);
      else expect(same).toBeLessThan(6);
      l.dispose();
    }
  });

  it('with standardizeBy: record the steps of a batch learn as they would from one record at a time', async () => {
    const plain = { horizon: 0, holdoff: 0, restartOnDrift: false, restartOnLag: false };
    const learner = (standardizeBy?: 'batch' | 'record') =>
      OnlineLearner.create({
        spec: spec({ ...(standardizeBy ? { standardizeBy } : {}), averaging: plain }),
        inputWidth: 3,
        metricsWindow: 1000,
        logger,
        updateBatchSize: 1,
      });
    const [byRecord, oneByOne, byBatch] = await Promise.all([learner('record'), learner(), learner('batch')]);
    for (let k = 0; k < 5; k++) {
      const b = scaledBatch(k);
      byRecord.step(b);
      byBatch.step(b);
      for (let r = 0; r < b.size; r++) oneByOne.step({ size: 1, width: 3, features: b.features.slice(3 * r, 3 * r + 3), labels: b.labels.slice(r, r + 1) });
    }
    const probe = scaledBatch(77, 100);
    const want = oneByOne.predict(probe.features, probe.size);
    expect(maxRelDiff(byRecord.predict(probe.features, probe.size), want)).toBeLessThan(1e-5);
    // Learning each batch with the statistics of the whole batch ends elsewhere.
    expect(maxRelDiff(byBatch.predict(probe.features, probe.size), want)).toBeGreaterThan(1e-4);
    for (const l of [byRecord, oneByOne, byBatch]) l.dispose();
  });

  it('before minSamples rows the steps see the rows standardized, what is scored, served and saved sees 0', () => {
    const s = new Standardizer(2, undefined, 5);
    const rows = Float32Array.from([1, 10, 3, 30, 5, 50]);
    const each = new Standardizer(2, undefined, 5).updateEach(rows, 3);
    // Row by row: the first has a zero deviation (0), then the statistics of two and three rows.
    expect(Array.from(each)).toEqual([0, 0, 1, 1, Math.fround(Math.sqrt(1.5)), Math.fround(Math.sqrt(1.5))]);
    s.update(rows, 3);
    expect(Array.from(s.learningTransform(Float32Array.from([3, 30]), 1))).toEqual([0, 0]);
    expect(Array.from(s.learningTransform(Float32Array.from([5, 10]), 1)).map((v) => Number(v.toFixed(4)))).toEqual([1.2247, -1.2247]);
    expect(Array.from(s.transform(Float32Array.from([5, 10]), 1))).toEqual([0, 0]);
    expect(s.affine().map((a) => Array.from(a))).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(s.state()).toEqual({ count: 0, mean: [0, 0], m2: [0, 0] });
    expect(Array.from(s.learningTransform(Float32Array.from([Number.NaN, 1]), 1)).map(Number.isNaN)).toEqual([true, false]);
  });

  it('leaves rows with a non-finite value out of the statistics, and maps a constant feature to 0', () => {
    const s = new Standardizer(2, undefined, 1);
    s.update(Float32Array.from([1, 5, Number.NaN, 5, 3, 5, Infinity, 5]), 4);
    expect(s.samples).toBe(2);
    const [shift, scale] = s.affine();
    expect(Array.from(shift)).toEqual([2, 5]);
    expect(Array.from(scale)).toEqual([1, 0]);
    expect(Array.from(s.transform(Float32Array.from([3, 7]), 1))).toEqual([1, 0]);
    const restored = new Standardizer(2, s.state(), 1);
    expect(restored.state()).toEqual(s.state());
    expect(Standardizer.fits({ count: 1, mean: [0], m2: [0] }, 2)).toBe(false);
    expect(Standardizer.fits({ count: 1, mean: [0, Number.NaN], m2: [0, 0] }, 2)).toBe(false);
    expect(Standardizer.fits(s.state(), 2)).toBe(true);
  });

  it('folds into a Dense layer: the folded layer on raw inputs equals the original on standardized ones (property)', () => {
    const num = fc.double({ min: -100, max: 100, noNaN: true });
    fc.assert(
      fc.property(
        fc.array(num, { minLength: 6, maxLength: 6 }),
        fc.array(num, { minLength: 2, maxLength: 2 }),
        fc.array(num, { minLength: 3, maxLength: 3 }),
        fc.array(fc.double({ min: 0, max: 50, noNaN: true }), { minLength: 3, maxLength: 3 }),
        fc.array(num, { minLength: 3, maxLength: 3 }),
        (k, b, shift, scale, x) => {
          const kernel = Float32Array.from(k);
          const bias = Float32Array.from(b);
          const f = foldIntoDense(kernel, bias, Float64Array.from(shift), Float64Array.from(scale));
          for (let o = 0; o < 2; o++) {
            let original = bias[o] as number;
            let folded = f.bias[o] as number;
            let magnitude = Math.abs(original);
            for (let i = 0; i < 3; i++) {
              const z = ((x[i] as number) - (shift[i] as number)) * (scale[i] as number);
              original += z * (kernel[i * 2 + o] as number);
              folded += (x[i] as number) * (f.kernel[i * 2 + o] as number);
              magnitude += Math.abs((x[i] as number) * (f.kernel[i * 2 + o] as number)) + Math.abs((shift[i] as number) * (f.kernel[i * 2 + o] as number));
            }
            expect(Math.abs(folded - original)).toBeLessThanOrEqual(1e-5 * Math.max(1, magnitude));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('model.standardize in the learner', () => {
  beforeAll(async () => {
    await selectBackend('auto', logger);
  });

  it('learns a concept on badly scaled features that the raw learner barely learns', async () => {
    const accuracy = async (standardize: boolean) => {
      const l = await OnlineLearner.create({ spec: spec({ standardize }), inputWidth: 3, metricsWindow: 100_000, logger, updateBatchSize: 1 });
      let errors = 0;
      let n = 0;
      for (let k = 0; k < 60; k++) {
        const r = l.step(scaledBatch(k));
        if (k < 20) continue;
        for (const e of r.errors) errors += e;
        n += r.errors.length;
      }
      l.dispose();
      return 1 - errors / n;
    };
    const raw = await accuracy(false);
    const standardized = await accuracy(true);
    expect(standardized).toBeGreaterThan(0.9);
    expect(standardized - raw).toBeGreaterThan(0.1);
  });

  for (const horizon of [0, 100]) {
    it(`publishes weights with the scaling folded in: the standard model.json on raw features predicts as the learner does (averaging ${horizon ? 'on' : 'off'})`, async () => {
      const s = spec({ averaging: { horizon, holdoff: 20, restartOnDrift: true, restartOnLag: false } });
      const l = await OnlineLearner.create({ spec: s, inputWidth: 3, metricsWindow: 1000, logger, updateBatchSize: 1 });
      for (let k = 0; k < 10; k++) l.step(scaledBatch(k));
      const snap = await l.snapshot();
      const published = await loadModelArtifacts(snap);
      const probe = scaledBatch(99, 200);
      const fromFiles = tf.tidy(() => (published.predict(tf.tensor2d(probe.features, [probe.size, 3])) as tf.Tensor).dataSync() as Float32Array);
      expect(maxRelDiff(fromFiles, l.predict(probe.features, probe.size))).toBeLessThan(1e-4);
      // The published kernel is not the one that predicts on standardized features: the fold did something.
      const [unfolded] = loadWeights(snap.learner.unfolded);
      const unfoldedKernel = unfolded?.dataSync() as Float32Array;
      unfolded?.dispose();
      expect(maxRelDiff(new Float32Array(snap.weightData, 0, 3), unfoldedKernel)).toBeGreaterThan(1e-2);
      published.dispose();
      l.dispose();
    });
  }

  for (const [updateBatchSize, standardizeBy] of [
    [1, 'batch'],
    [undefined, 'batch'],
    [1, 'record'],
  ] as const) {
    it(`a learner restored from a snapshot continues exactly (statistics, unfolded and trained weights; ${updateBatchSize ? 'a step per sample' : 'a step per batch'}, by ${standardizeBy})`, async () => {
      const opts = { spec: spec({ standardizeBy }), inputWidth: 3, metricsWindow: 1000, logger, ...(updateBatchSize ? { updateBatchSize } : {}) };
      const live = await OnlineLearner.create(opts);
      for (let k = 0; k < 8; k++) live.step(scaledBatch(k));
      const restored = await OnlineLearner.create(opts, await live.snapshot());
      for (let k = 8; k < 20; k++) {
        const b = scaledBatch(k);
        expect(Array.from(restored.step(b).scores)).toEqual(Array.from(live.step(b).scores));
      }
      const [a, b] = [await live.snapshot(), await restored.snapshot()];
      expect(new Uint8Array(b.weightData)).toEqual(new Uint8Array(a.weightData));
      expect(new Uint8Array(b.optimizer.data)).toEqual(new Uint8Array(a.optimizer.data));
      expect(b.optimizer.config).toEqual(a.optimizer.config);
      expect(b.learner).toEqual(a.learner);
      live.dispose();
      restored.dispose();
    });
  }

  it(`lets nothing of its first ${STANDARDIZER_MIN_SAMPLES - 1} rows out: no scaling, no statistics in the checkpoint, no feature value in any published or saved byte`, async () => {
    const s = new Standardizer(3);
    const first = scaledBatch(3, STANDARDIZER_MIN_SAMPLES - 1);
    s.update(first.features, first.size);
    expect(s.samples).toBe(STANDARDIZER_MIN_SAMPLES - 1);
    expect(s.state()).toEqual({ count: 0, mean: [0, 0, 0], m2: [0, 0, 0] });
    expect(Array.from(s.transform(first.features, 1))).toEqual([0, 0, 0]);
    const one = scaledBatch(4, 1);
    s.update(one.features, 1);
    expect(s.state().count).toBe(STANDARDIZER_MIN_SAMPLES);
    expect(Array.from(s.transform(one.features, 1)).some((v) => v !== 0)).toBe(true);

    // A learner that saw one record: its snapshot (published weights, optimizer slots, config, learner state) holds none of its
    // feature values, neither as float32 bytes nor as numbers in the JSON.
    const l = await OnlineLearner.create({
      spec: spec({ averaging: { horizon: 0, holdoff: 0, restartOnDrift: true, restartOnLag: false } }),
      inputWidth: 3,
      metricsWindow: 1000,
      logger,
      updateBatchSize: 1,
    });
    const record = scaledBatch(11, 1);
    l.step(record);
    const snap = await l.snapshot();
    const saved = loadWeights(snap.learner.unfolded);
    const learnerBytes = saved.map((t) => Buffer.from((t.dataSync() as Float32Array).buffer));
    saved.forEach((t) => t.dispose());
    const json = JSON.stringify(snap.optimizer.config) + JSON.stringify(snap.learner);
    const bytes = Buffer.concat([Buffer.from(snap.weightData), Buffer.from(snap.optimizer.data), ...learnerBytes, Buffer.from(json)]);
    for (const v of Array.from(record.features)) {
      expect(bytes.includes(Buffer.from(Float32Array.of(v).buffer))).toBe(false);
      expect(json.includes(String(v))).toBe(false);
    }
    // Positive control: the search finds a value that is there.
    expect(Buffer.concat([bytes, Buffer.from(record.features.buffer)]).includes(Buffer.from(Float32Array.of(record.features[0] as number).buffer))).toBe(true);
    l.dispose();
  });

  for (const standardizeBy of ['batch', 'record'] as const) {
    it(`before ${STANDARDIZER_MIN_SAMPLES} rows learns from the inputs standardized, and serves and publishes its bias only (by ${standardizeBy})`, async () => {
      const plain = { horizon: 0, holdoff: 0, restartOnDrift: false, restartOnLag: false };
      const l = await OnlineLearner.create({ spec: spec({ standardizeBy, averaging: plain }), inputWidth: 3, metricsWindow: 1000, logger, updateBatchSize: 1 });
      for (let k = 0; k < 2; k++) l.step(scaledBatch(k, 12));
      const snap = await l.snapshot();
      const [kernel] = loadWeights(snap.learner.unfolded);
      const learned = Array.from(kernel?.dataSync() as Float32Array);
      kernel?.dispose();
      expect(learned.some((w) => Math.abs(w) > 1e-4)).toBe(true);
      // Served: the same output for every row (the bias), as the published files give it.
      const probe = scaledBatch(99, 50);
      const served = l.predict(probe.features, probe.size);
      expect(Math.max(...served) - Math.min(...served)).toBeLessThan(1e-6);
      expect(Array.from(new Float32Array(snap.weightData, 0, 3)).every((w) => w === 0)).toBe(true);
      const published = await loadModelArtifacts(snap);
      const fromFiles = tf.tidy(() => (published.predict(tf.tensor2d(probe.features, [probe.size, 3])) as tf.Tensor).dataSync() as Float32Array);
      expect(maxRelDiff(fromFiles, served)).toBeLessThan(1e-6);
      expect(snap.learner.standardizer).toEqual({ count: 0, mean: [0, 0, 0], m2: [0, 0, 0] });
      // Once the statistics may be served, the model learned in the warm-up predicts from the inputs.
      l.step(scaledBatch(2, 12));
      const after = l.predict(probe.features, probe.size);
      expect(Math.max(...after) - Math.min(...after)).toBeGreaterThan(1e-3);
      published.dispose();
      l.dispose();
    });
  }

  it('a checkpoint written with standardization, restored with it off, predicts raw features with its published weights', async () => {
    const on = await OnlineLearner.create({ spec: spec(), inputWidth: 3, metricsWindow: 1000, logger, updateBatchSize: 1 });
    for (let k = 0; k < 10; k++) on.step(scaledBatch(k));
    const off = await OnlineLearner.create(
      { spec: spec({ standardize: false }), inputWidth: 3, metricsWindow: 1000, logger, updateBatchSize: 1 },
      await on.snapshot(),
    );
    const probe = scaledBatch(77, 200);
    expect(maxRelDiff(off.predict(probe.features, probe.size), on.predict(probe.features, probe.size))).toBeLessThan(1e-4);
    on.dispose();
    off.dispose();
  });

  it('keeps NaN out of the statistics and the weights when a record has a non-finite feature', async () => {
    const l = await OnlineLearner.create({ spec: spec(), inputWidth: 3, metricsWindow: 1000, logger, updateBatchSize: 1 });
    const b = scaledBatch(3);
    const features = Float32Array.from(b.features);
    features[4] = Number.NaN;
    expect(l.step({ ...b, features }).applied).toBe(false);
    for (let k = 4; k < 8; k++) expect(l.step(scaledBatch(k)).applied).toBe(true);
    const snap = await l.snapshot();
    const scaling = snap.learner.standardizer as { count: number; mean: readonly number[] };
    expect(scaling.count).toBe(64 * 5 - 1);
    for (const v of scaling.mean) expect(Number.isFinite(v)).toBe(true);
    for (const v of new Float32Array(snap.weightData)) expect(Number.isFinite(v)).toBe(true);
    l.dispose();
  });

  it('is on by default for built-in models and off for a custom one, which cannot have it', () => {
    const minimal = { kafka: { topics: ['t'] }, input: { features: [{ field: 'a' }], label: { field: 'y' } } };
    expect(parseConfig({ ...minimal, model: { name: 'm' } }, { env: {} }).model.standardize).toBe(true);
    expect(parseConfig({ ...minimal, model: { name: 'm', type: 'mlp' } }, { env: {} }).model.standardize).toBe(true);
    expect(parseConfig({ ...minimal, model: { name: 'm', type: 'custom', modelPath: '/x/model.json' } }, { env: {} }).model.standardize).toBe(false);
    expect(parseConfig({ ...minimal, model: { name: 'm', standardize: false } }, { env: {} }).model.standardize).toBe(false);
    expect(parseConfig({ ...minimal, model: { name: 'm', standardize: true } }, { env: {} }).model.standardize).toBe(true);
    expect(() => parseConfig({ ...minimal, model: { name: 'm', type: 'custom', modelPath: '/x/model.json', standardize: true } }, { env: {} })).toThrow(
      /model\.standardize/,
    );
  });
});
