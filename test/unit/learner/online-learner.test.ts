import { beforeAll, describe, expect, it } from 'vitest';
import { createLogger, type ModelConfig } from '../../../src/core/index.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OnlineLearner, saveModelArtifacts, selectBackend, tf } from '../../../src/learner/index.js';
import { separableBatch } from '../../support/separable-batch.js';

const logger = createLogger({ level: 'silent' });

function spec(overrides: Partial<ModelConfig> = {}): ModelConfig {
  return {
    name: 'unit',
    type: 'logistic',
    hiddenUnits: [16],
    classes: 2,
    task: 'classification',
    optimizer: { type: 'adam', learningRate: 0.05, clipNorm: 10 },
    l2: 0,
    seed: 7,
    averaging: { horizon: 0, restartOnDrift: true, restartOnLag: false },
    ...overrides,
  };
}

const batch = separableBatch;

describe('OnlineLearner', () => {
  beforeAll(async () => {
    await selectBackend('auto', logger);
  });

  it('learns a separable concept by test-then-train and keeps the tensor count constant', async () => {
    const learner = await OnlineLearner.create({ spec: spec(), inputWidth: 3, metricsWindow: 500, logger });
    learner.step(batch(1));
    const tensorsAfterFirst = tf.memory().numTensors;
    for (let i = 2; i < 150; i++) learner.step(batch(i));
    expect(tf.memory().numTensors).toBe(tensorsAfterFirst);
    const m = learner.liveMetrics();
    expect(m.samples).toBe(149 * 64);
    expect(m.accuracy_window).toBeGreaterThan(0.85);
    expect(m.auc_window).toBeGreaterThan(0.95);
    learner.dispose();
  });

  it('refuses an update with non-finite inputs and leaves the weights finite and unchanged', async () => {
    const learner = await OnlineLearner.create({ spec: spec(), inputWidth: 3, metricsWindow: 100, logger });
    learner.step(batch(3));
    const before = await learner.snapshot();
    const bad = batch(4);
    bad.features[5] = Number.NaN;
    const r = learner.step(bad);
    expect(r.applied).toBe(false);
    expect(learner.rejectedUpdates).toBe(1);
    const after = await learner.snapshot();
    expect(new Float32Array(after.weightData)).toEqual(new Float32Array(before.weightData));
    learner.dispose();
  });

  it('continues exactly from a snapshot: restored and original models give identical weights after the same batches', async () => {
    for (const type of ['logistic', 'mlp', 'softmax'] as const) {
      const s = spec({ type, classes: 2 });
      const a = await OnlineLearner.create({ spec: s, inputWidth: 3, metricsWindow: 100, logger });
      for (let i = 0; i < 10; i++) a.step(batch(100 + i));
      const snap = await a.snapshot();
      const b = await OnlineLearner.create({ spec: s, inputWidth: 3, metricsWindow: 100, logger }, snap);
      for (let i = 0; i < 5; i++) {
        a.step(batch(200 + i));
        b.step(batch(200 + i));
      }
      const wa = new Float32Array((await a.snapshot()).weightData);
      const wb = new Float32Array((await b.snapshot()).weightData);
      expect(wb).toEqual(wa);
      a.dispose();
      b.dispose();
    }
  });

  it('applies the L2 penalty: the same stream gives smaller weights with l2 > 0 (built-in and autodiff paths alike)', async () => {
    const norm = async (l2: number) => {
      const learner = await OnlineLearner.create({ spec: spec({ l2, type: 'mlp', hiddenUnits: [4] }), inputWidth: 3, metricsWindow: 100, logger });
      for (let i = 1; i < 60; i++) learner.step(batch(i));
      const w = new Float32Array((await learner.snapshot()).weightData);
      learner.dispose();
      return Math.sqrt(w.reduce((a, v) => a + v * v, 0));
    };
    const [plain, penalized] = [await norm(0), await norm(0.05)];
    expect(penalized).toBeLessThan(0.8 * plain);
  });

  it("learns a user's model.json through tfjs autodiff (a Dropout layer), with a constant tensor count", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'st-custom-'));
    try {
      const user = tf.sequential({
        layers: [
          tf.layers.dense({ units: 8, activation: 'relu', inputShape: [3] }),
          tf.layers.dropout({ rate: 0.1 }),
          tf.layers.dense({ units: 1, activation: 'sigmoid' }),
        ],
      });
      const a = await saveModelArtifacts(user);
      user.dispose();
      writeFileSync(join(dir, 'weights.bin'), Buffer.from(a.weightData));
      writeFileSync(
        join(dir, 'model.json'),
        JSON.stringify({ modelTopology: a.topology, weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }] }),
      );
      const learner = await OnlineLearner.create({
        spec: spec({ type: 'custom', modelPath: join(dir, 'model.json') }),
        inputWidth: 3,
        metricsWindow: 500,
        logger,
      });
      learner.step(batch(1));
      const tensors = tf.memory().numTensors;
      for (let i = 2; i < 120; i++) learner.step(batch(i));
      expect(tf.memory().numTensors).toBe(tensors);
      expect(learner.liveMetrics().accuracy_window).toBeGreaterThan(0.8);
      learner.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fits a linear regression target', async () => {
    const learner = await OnlineLearner.create({
      spec: spec({ type: 'linear', task: 'regression', optimizer: { type: 'adam', learningRate: 0.05, clipNorm: 10 } }),
      inputWidth: 3,
      metricsWindow: 500,
      logger,
    });
    for (let i = 0; i < 300; i++) {
      const b = batch(i);
      for (let r = 0; r < b.size; r++) b.labels[r] = 2 * (b.features[r * 3] as number) - (b.features[r * 3 + 2] as number) + 0.5;
      learner.step(b);
    }
    expect(learner.liveMetrics().mae_window).toBeLessThan(0.05);
    learner.dispose();
  });

  it('rejects a model whose input width does not match the feature spec', async () => {
    const learner = await OnlineLearner.create({ spec: spec(), inputWidth: 3, metricsWindow: 100, logger });
    const snap = await learner.snapshot();
    await expect(OnlineLearner.create({ spec: spec(), inputWidth: 4, metricsWindow: 100, logger }, snap)).rejects.toThrow(/width 3/);
    learner.dispose();
  });
});
