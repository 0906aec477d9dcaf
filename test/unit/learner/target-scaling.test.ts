import { beforeAll, describe, expect, it } from 'vitest';
import { createLogger, DecodeError, parseConfig, type ModelConfig, type ModelSnapshot } from '../../../src/core/index.js';
import { FeatureExtractor } from '../../../src/consumers/feature-extractor.js';
import { OnlineLearner, selectBackend, tf, type OnlineLearnerOptions } from '../../../src/learner/index.js';
import { loadModelArtifacts } from '../../../src/learner/snapshot.js';
import { decodeState, encodeState } from '../../../src/checkpoints/state-blob.js';

const logger = createLogger({ level: 'silent' });

/** The config's regression model (`type: linear`) with overrides, parsed as the service parses it. */
function spec(model: Record<string, unknown> = {}): ModelConfig {
  return parseConfig(
    {
      model: { name: 't', type: 'linear', ...model },
      kafka: { topics: ['t'] },
      input: { features: [{ field: 'a' }, { field: 'b' }, { field: 'c' }], label: { field: 'y' } },
    },
    { env: {} },
  ).model;
}

const options = (model: Record<string, unknown> = {}, more: Partial<OnlineLearnerOptions> = {}): OnlineLearnerOptions => ({
  spec: spec(model),
  inputWidth: 3,
  metricsWindow: 100_000,
  logger,
  ...more,
});

/** A target far from 0 (about 15 +- 5, as River's Friedman streams), linear in the features plus noise. */
function batch(seed: number, size = 64) {
  let s = seed >>> 0;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const features = new Float32Array(size * 3);
  const labels = new Float32Array(size);
  for (let r = 0; r < size; r++) {
    const x = [rnd(), rnd() * 4 - 2, rnd() * 10];
    features.set(x, r * 3);
    labels[r] = 15 + 6 * (x[0] as number) - 2 * (x[1] as number) + 0.3 * (x[2] as number) + (rnd() - 0.5);
  }
  return { size, width: 3, features, labels };
}

const PROBE = batch(999, 16);

/** The published files, loaded as any tfjs loader loads them, predicting raw features. */
async function publishedPredict(snap: ModelSnapshot, features: Float32Array, size: number): Promise<Float32Array> {
  const m = await loadModelArtifacts({ topology: snap.topology, weightSpecs: snap.weightSpecs, weightData: snap.weightData });
  const out = tf.tidy(() => (m.predict(tf.tensor2d(features, [size, 3])) as tf.Tensor).dataSync() as Float32Array);
  m.dispose();
  return Float32Array.from(out);
}

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)) / Math.max(1, Math.abs(b[i] as number)));
  return m;
}

function throughStateBin(s: ModelSnapshot): ModelSnapshot {
  const blob = decodeState(encodeState({ optimizer: s.optimizer, ...(s.learner !== undefined ? { learner: s.learner } : {}), state: { manager: {} } }));
  return {
    topology: s.topology,
    weightSpecs: s.weightSpecs,
    weightData: s.weightData.slice(0),
    optimizer: blob.optimizer,
    ...(blob.learner !== undefined ? { learner: blob.learner } : {}),
  };
}

describe('model.targetScaling in the learner', () => {
  beforeAll(async () => {
    await selectBackend('auto', logger);
  });

  it('is on by default for regression, refused for a classifier with the fix named, and Huber only for regression', () => {
    expect(spec().targetScaling).toBeUndefined();
    expect(() =>
      parseConfig(
        { model: { name: 't', targetScaling: true }, kafka: { topics: ['t'] }, input: { features: [{ field: 'a' }], label: { field: 'y' } } },
        { env: {} },
      ),
    ).toThrow(/model\.targetScaling.*applies to regression models.*remove it for a classifier/s);
    expect(() =>
      parseConfig({ model: { name: 't', loss: 'huber' }, kafka: { topics: ['t'] }, input: { features: [{ field: 'a' }], label: { field: 'y' } } }, { env: {} }),
    ).toThrow(/model\.loss/);
    expect(() => spec({ huberDelta: 2 })).toThrow(/model\.huberDelta.*model\.loss: huber/s);
    expect(spec({ loss: 'huber', huberDelta: 2 })).toMatchObject({ loss: 'huber', huberDelta: 2 });
  });

  it('reaches the level of a target far from 0 with a step per micro-batch, where the raw target is not reached', async () => {
    const mae = async (targetScaling: boolean) => {
      const l = await OnlineLearner.create(options({ targetScaling, standardize: true }));
      for (let i = 0; i < 40; i++) l.step(batch(i, 256));
      const v = l.liveMetrics().mae_window as number;
      l.dispose();
      return v;
    };
    const [scaled, raw] = [await mae(true), await mae(false)];
    // The target's deviation is about 3: 40 steps leave the scaled model near the mean, the raw one far below it.
    expect(scaled).toBeLessThan(2.5);
    expect(raw).toBeGreaterThan(5 * scaled);
  });

  for (const model of [{ standardize: true }, { standardize: false }, { type: 'mlp', task: 'regression', hiddenUnits: [5], standardize: true }]) {
    it(`publishes a model.json that predicts in target units (${JSON.stringify(model)})`, async () => {
      const l = await OnlineLearner.create(options(model, { updateBatchSize: 8 }));
      for (let i = 0; i < 12; i++) l.step(batch(i));
      const own = l.predict(PROBE.features, PROBE.size);
      const snap = await l.snapshot();
      const published = await publishedPredict(snap, PROBE.features, PROBE.size);
      expect(maxRelDiff(published, own)).toBeLessThan(1e-4);
      // In target units: near the labels, not near 0.
      const mean = PROBE.labels.reduce((a, b) => a + b, 0) / PROBE.size;
      expect(Math.abs(own.reduce((a, b) => a + b, 0) / PROBE.size - mean)).toBeLessThan(3);
      expect(snap.learner.targetScaler?.count).toBe(12 * 64);
      l.dispose();
    });
  }

  for (const updateBatchSize of [1, undefined]) {
    it(`a restored learner continues exactly: the same next predictions and weights, bit for bit (updateBatchSize ${String(updateBatchSize)})`, async () => {
      // A regression model's selector window is checkpointed on opt-in (`checkpoints.regressionErrors`).
      const o = options({ standardize: true }, { updateBatchSize, regressionErrors: true });
      const a = await OnlineLearner.create(o);
      for (let i = 0; i < 6; i++) a.step(batch(i));
      const b = await OnlineLearner.create(o, throughStateBin(await a.snapshot()));
      expect(Array.from(b.predict(PROBE.features, PROBE.size))).toEqual(Array.from(a.predict(PROBE.features, PROBE.size)));
      for (let k = 0; k < 4; k++) {
        const x = batch(100 + k);
        expect(Array.from(b.step(x).scores)).toEqual(Array.from(a.step(x).scores));
        expect(Array.from(b.predict(PROBE.features, PROBE.size))).toEqual(Array.from(a.predict(PROBE.features, PROBE.size)));
      }
      const [sa, sb] = [await a.snapshot(), await b.snapshot()];
      expect(new Uint8Array(sb.weightData)).toEqual(new Uint8Array(sa.weightData));
      expect(sb.learner).toEqual(sa.learner);
      expect(new Uint8Array(sb.optimizer.data)).toEqual(new Uint8Array(sa.optimizer.data));
      a.dispose();
      b.dispose();
    });
  }

  for (const [from, to] of [
    [false, true],
    [true, false],
  ]) {
    it(`a checkpoint written with targetScaling ${String(from)} restores into a learner with ${String(to)}: its predictions go on`, async () => {
      // Without averaging, the weights that predict are the trained ones, whatever the selector would choose.
      const model = { standardize: true, averaging: { horizon: 0 } };
      const a = await OnlineLearner.create(options({ ...model, targetScaling: from }));
      for (let i = 0; i < 6; i++) a.step(batch(i));
      const snap = await a.snapshot();
      expect(snap.learner.targetScaler !== undefined).toBe(from);
      const b = await OnlineLearner.create(options({ ...model, targetScaling: to }), snap);
      expect(maxRelDiff(b.predict(PROBE.features, PROBE.size), a.predict(PROBE.features, PROBE.size))).toBeLessThan(1e-4);
      b.step(batch(7));
      expect((await b.snapshot()).learner.targetScaler?.count).toBe(to ? 64 : undefined);
      a.dispose();
      b.dispose();
    });
  }

  it('learns the same with the Huber loss in typed steps as through tfjs, and resists outliers better than the squared loss', async () => {
    const outliers = (i: number) => {
      const x = batch(i);
      // One label in eight is off by 200.
      for (let r = 0; r < x.size; r += 8) x.labels[r] = (x.labels[r] as number) + 200;
      return x;
    };
    const run = async (model: Record<string, unknown>, typedSteps: boolean) => {
      const l = await OnlineLearner.create(options({ standardize: true, ...model }, { updateBatchSize: 4, typedSteps }));
      for (let i = 0; i < 30; i++) l.step(outliers(i));
      const out = l.predict(PROBE.features, PROBE.size);
      l.dispose();
      return out;
    };
    const typed = await run({ loss: 'huber', huberDelta: 0.5 }, true);
    const tfjs = await run({ loss: 'huber', huberDelta: 0.5 }, false);
    expect(maxRelDiff(typed, tfjs)).toBeLessThan(1e-3);
    const squared = await run({}, true);
    const err = (p: Float32Array) => p.reduce((a, v, i) => a + Math.abs(v - (PROBE.labels[i] as number)), 0) / p.length;
    expect(err(typed)).toBeLessThan(err(squared));
  });

  it('refuses NaN and Infinity targets as other bad labels: the decoder dead-letters them, the learner refuses their update', async () => {
    const config = parseConfig(
      { model: { name: 't', type: 'linear' }, kafka: { topics: ['t'] }, input: { features: [{ field: 'a' }], label: { field: 'y' } } },
      { env: {} },
    );
    const extractor = new FeatureExtractor(config.input, { task: 'regression', classes: 1 });
    for (const bad of [Number.NaN, Infinity, -Infinity, 'NaN', 'Infinity']) {
      expect(() => extractor.labelOf(bad)).toThrow(DecodeError);
      try {
        extractor.labelOf(bad);
      } catch (e) {
        expect((e as DecodeError).reason).toBe('non-finite');
      }
    }
    expect(extractor.labelOf(12.5)).toBe(12.5);
    // In-process, past the decoder: the statistics leave the label out, the guard refuses the step.
    const l = await OnlineLearner.create(options({ standardize: true }));
    l.step(batch(1));
    const before = await l.snapshot();
    const x = batch(2);
    x.labels[3] = Number.NaN;
    x.labels[5] = Infinity;
    expect(l.step(x).applied).toBe(false);
    const after = await l.snapshot();
    expect(after.learner.targetScaler?.count).toBe(64 + 62);
    expect(after.learner.unfolded).toEqual(before.learner.unfolded);
    expect(after.learner.trained).toEqual(before.learner.trained);
    expect(l.rejectedUpdates).toBe(1);
    l.dispose();
  });
});
