import { createLogger, type ModelConfig } from '../../src/core/index.js';
import type { LearnInput, OnlineLearnerOptions } from '../../src/learner/index.js';
import { testModelSpec } from './model-spec.js';

/**
 * The learner of test/fixtures/learner/legacy-checkpoint.json: an MLP on Adam with weight averaging, the horizon
 * selector and standardization all on, stepped one sample at a time in batches of 16 (the typed trainer).
 */
export const scenarioLearnerLogger = createLogger({ level: 'silent' });

export function scenarioLearnerSpec(): ModelConfig {
  return testModelSpec({
    type: 'mlp',
    hiddenUnits: [4],
    standardize: true,
    // The legacy fixture was written when every batch was standardized by batch.
    standardizeBy: 'batch',
    seed: 11,
    averaging: { horizon: 64, holdoff: 16, select: true, restartOnDrift: true, restartOnLag: true },
  });
}

export function scenarioLearnerOptions(): OnlineLearnerOptions {
  return { spec: scenarioLearnerSpec(), inputWidth: 3, metricsWindow: 200, updateBatchSize: 1, logger: scenarioLearnerLogger };
}

/** Batches the fixture was trained on (0 .. TRAIN_BATCHES - 1) and continued with; labels flip every 9 batches. */
export const TRAIN_BATCHES = 20;
export const CONTINUE_BATCHES = 8;

export function scenarioLearnBatch(index: number, size = 16): LearnInput {
  let s = (index * 7919 + 17) >>> 0;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const features = new Float32Array(size * 3);
  const labels = new Float32Array(size);
  const flipped = Math.floor(index / 9) % 2 === 1;
  for (let r = 0; r < size; r++) {
    const x = [rnd() * 4 - 2, rnd() * 0.02, 500 + rnd() * 10];
    features.set(x, r * 3);
    const y = (x[0] as number) + 100 * (x[1] as number) - 1 > 0 ? 1 : 0;
    labels[r] = flipped ? 1 - y : y;
  }
  return { size, width: 3, features, labels };
}

/** Fixed inputs whose predictions the fixture records (raw features, 4 rows). */
export const LEARNER_PROBE = Float32Array.from([0, 0.01, 505, 1.5, 0, 502, -1.2, 0.019, 509, 0.4, 0.005, 500.5]);
