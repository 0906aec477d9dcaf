import { createLogger, parseConfig } from '../../src/core/index.js';

/**
 * A stream that exercises every drift response at once, for the checkpoint fixture of the adaptation layer
 * (test/fixtures/adaptation/manager-state.json, written by generate-manager-state.ts): a logistic model (zero
 * initial weights, so runs are deterministic) with the average restart on lag, a hedged adapt period, a challenger
 * race with rollback, ADWIN and data drift on the inputs. The concept holds for 60 batches of 50, then flips.
 */
export const scenarioLogger = createLogger({ level: 'silent' });

export function scenarioConfig() {
  return parseConfig(
    {
      model: {
        name: 'fixture',
        type: 'logistic',
        standardize: false,
        optimizer: { type: 'sgd', learningRate: 0.5 },
        averaging: { holdoff: 250, restartOnLag: true },
      },
      kafka: { topics: ['t'] },
      input: { features: [{ field: 'a' }, { field: 'b' }], label: { field: 'y' } },
      drift: {
        detectors: [{ kind: 'adwin' }],
        responses: ['alert', 'adapt', 'challenger'],
        adapt: { forSamples: 2000, hedge: true },
        challenger: { minSamples: 300, maxSamples: 3000, margin: 0.05, alpha: 0.01, rollback: true },
        data: { inputs: true, referenceSize: 400, windowSize: 200 },
      },
    },
    { env: {} },
  );
}

export function scenarioManagerOptions() {
  const c = scenarioConfig();
  return { spec: c.model, drift: c.drift, inputWidth: 2, metricsWindow: 500, logger: scenarioLogger };
}

/** Batches of 50: `kind` 'concept' (y = a + b > 0), 'flipped' (the opposite) or 'noise' (y independent of x). */
export function twoFeatureBatch(seed: number, kind: 'concept' | 'flipped' | 'noise') {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const features = new Float32Array(100);
  const labels = new Float32Array(50);
  for (let i = 0; i < 50; i++) {
    const a = rnd();
    const b = rnd();
    features[2 * i] = a;
    features[2 * i + 1] = b;
    const y = a + b > 0 ? 1 : 0;
    labels[i] = kind === 'noise' ? (rnd() > 0 ? 1 : 0) : kind === 'flipped' ? 1 - y : y;
  }
  return { size: 50, width: 2, features, labels };
}

/** Batch `index` (0-based): 50 rows, y = a + b > 0 for the first 60 batches, the opposite after. */
export function scenarioBatch(index: number) {
  return twoFeatureBatch(index + 1, index < 60 ? 'concept' : 'flipped');
}

/** Inputs the champion predicts after every batch of the continuation. */
export const PROBE = Float32Array.from([0.5, 0.5, -0.5, -0.5, 0.9, -0.1, -0.3, 0.2]);

/** Batches run after the restore point. */
export const CONTINUE_BATCHES = 60;

/** Numbers to 6 significant digits and binary blobs elided: what must match across tfjs backends. */
export function comparable(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (key, v: unknown) =>
      typeof v === 'number' ? Number(v.toPrecision(6)) : (key === 'weightData' || key === 'data') && typeof v === 'string' ? '<binary>' : v,
    ),
  );
}
