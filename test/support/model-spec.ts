import type { ModelConfig } from '../../src/core/index.js';

/** A small built-in model config for learner tests: logistic regression, Adam 0.05, averaging over 40 samples. */
export function testModelSpec(overrides: Partial<ModelConfig> = {}): ModelConfig {
  return {
    name: 'test',
    type: 'logistic',
    hiddenUnits: [6],
    classes: 2,
    task: 'classification',
    optimizer: { type: 'adam', learningRate: 0.05, clipNorm: 10 },
    l2: 0,
    seed: 3,
    averaging: { horizon: 40, holdoff: 10, restartOnDrift: true, restartOnLag: false },
    ...overrides,
  };
}
