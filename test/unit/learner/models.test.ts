import { beforeAll, describe, expect, it } from 'vitest';
import { createLogger, type ModelConfig } from '../../../src/core/index.js';
import { selectBackend } from '../../../src/learner/index.js';
import { buildModel } from '../../../src/learner/models.js';

const spec = (type: ModelConfig['type']): ModelConfig => ({
  name: 'init',
  type,
  hiddenUnits: [8],
  classes: type === 'softmax' ? 3 : 2,
  task: type === 'linear' ? 'regression' : 'classification',
  optimizer: { type: 'adam', learningRate: 0.01, clipNorm: 10 },
  l2: 0,
  seed: 42,
  averaging: { horizon: 0, restartOnDrift: true, restartOnLag: false },
});

describe('buildModel initialization', () => {
  beforeAll(async () => {
    await selectBackend('auto', createLogger({ level: 'silent' }));
  });

  it('starts single-layer (linear) models from zero weights, like River and scikit-learn', () => {
    for (const type of ['logistic', 'softmax', 'linear'] as const) {
      const model = buildModel(spec(type), 3);
      for (const w of model.getWeights()) expect(Array.from(w.dataSync()).every((v) => v === 0)).toBe(true);
      model.dispose();
    }
  });

  it('keeps seeded Glorot-uniform kernels for mlp hidden units (symmetry breaking), reproducible per seed', () => {
    const a = buildModel(spec('mlp'), 3);
    const b = buildModel(spec('mlp'), 3);
    const ka = Array.from(a.getWeights()[0]?.dataSync() ?? []);
    expect(ka.some((v) => v !== 0)).toBe(true);
    expect(Array.from(b.getWeights()[0]?.dataSync() ?? [])).toEqual(ka);
    a.dispose();
    b.dispose();
  });
});
