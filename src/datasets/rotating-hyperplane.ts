/**
 * The rotating hyperplane stream: d features uniform in [0, 1), label 1 when Σ wᵢ xᵢ >= ½ Σ wᵢ. After every record
 * the weights of the first `driftDims` features move by `magnitude` in their current direction, and each direction
 * reverses with probability `reverseProbability`: the boundary turns slowly and never stops (gradual drift
 * everywhere). At each index of `abruptAt` all weights are drawn again (abrupt drift).
 *
 * The ½ Σ wᵢ threshold (as in MOA's `HyperplaneGenerator`) keeps the classes balanced: Σ wᵢ xᵢ is symmetric around
 * it while the weights are non-negative.
 *
 * @see G. Hulten, L. Spencer, P. Domingos, "Mining time-changing data streams", KDD 2001 (section 5).
 * @see MOA `moa.streams.generators.HyperplaneGenerator`; River `datasets.synth.Hyperplane`.
 */
import { createRng } from './rng.js';
import type { DatasetRecord, DriftingSource } from './types.js';
import { checkIndices, checkInteger, checkLength, checkNumberIn, checkSeed } from './validate.js';

export interface RotatingHyperplaneOptions {
  /** Any safe integer; the same seed gives the same stream. */
  readonly seed: number;
  /** Number of records; `Infinity` for an endless stream. */
  readonly length: number;
  /**
   * Number of features x1..xd.
   * @default 10
   */
  readonly dims?: number;
  /**
   * Number of features (the first ones) whose weight drifts.
   * @default 2
   */
  readonly driftDims?: number;
  /**
   * Change of each drifting weight per record.
   * @default 0.001
   */
  readonly magnitude?: number;
  /**
   * Probability of flipping each label.
   * @default 0.05
   */
  readonly noise?: number;
  /**
   * Probability, per record and drifting weight, that its direction of change reverses (MOA's `sigma`).
   * @default 0.1
   */
  readonly reverseProbability?: number;
  /**
   * Indices where all weights are drawn again, strictly increasing, in [1, length).
   * @default []
   */
  readonly abruptAt?: readonly number[];
}

export const HYPERPLANE_DEFAULTS = {
  dims: 10,
  driftDims: 2,
  magnitude: 0.001,
  noise: 0.05,
  reverseProbability: 0.1,
} as const;

export interface RotatingHyperplaneSource extends DriftingSource {
  readonly name: 'hyperplane';
  readonly length: number;
}

/**
 * @example
 * const stream = rotatingHyperplane({ seed: 7, length: 100_000, abruptAt: [50_000] });
 * stream.fields;      // ['x1', ..., 'x10']
 * stream.driftPoints; // [50000]
 */
export function rotatingHyperplane(options: RotatingHyperplaneOptions): RotatingHyperplaneSource {
  const seed = checkSeed('seed', options.seed);
  const length = checkLength('length', options.length);
  const dims = checkInteger('dims', options.dims ?? HYPERPLANE_DEFAULTS.dims, 1);
  const driftDims = checkInteger('driftDims', options.driftDims ?? HYPERPLANE_DEFAULTS.driftDims, 0, dims);
  const magnitude = checkNumberIn('magnitude', options.magnitude ?? HYPERPLANE_DEFAULTS.magnitude, 0, 1);
  const noise = checkNumberIn('noise', options.noise ?? HYPERPLANE_DEFAULTS.noise, 0, 1);
  const reverse = checkNumberIn('reverseProbability', options.reverseProbability ?? HYPERPLANE_DEFAULTS.reverseProbability, 0, 1);
  const driftPoints = Object.freeze(checkIndices('abruptAt', options.abruptAt ?? [], length));
  const fields = Array.from({ length: dims }, (_, i) => `x${i + 1}`);

  function* generate(): Generator<DatasetRecord> {
    // Features and noise from stream 0, weights and their walk from stream 1: the feature values do not depend on
    // `abruptAt` or `magnitude`.
    const data = createRng(seed, 0);
    const concept = createRng(seed, 1);
    const weights = new Float64Array(dims);
    const direction = new Float64Array(driftDims).fill(1);
    const redraw = (): void => {
      for (let i = 0; i < dims; i += 1) weights[i] = concept.next();
    };
    redraw();
    let nextAbrupt = 0;
    for (let t = 0; t < length; t += 1) {
      if (t === driftPoints[nextAbrupt]) {
        redraw();
        nextAbrupt += 1;
      }
      const record: DatasetRecord = {};
      let dot = 0;
      let total = 0;
      for (let i = 0; i < dims; i += 1) {
        const x = data.next();
        record[fields[i]!] = x;
        dot += weights[i]! * x;
        total += weights[i]!;
      }
      let y = dot >= 0.5 * total ? 1 : 0;
      if (data.next() < noise) y = 1 - y;
      record.y = y;
      for (let i = 0; i < driftDims; i += 1) {
        weights[i] = weights[i]! + direction[i]! * magnitude;
        if (concept.next() < reverse) direction[i] = -direction[i]!;
      }
      yield record;
    }
  }

  return {
    name: 'hyperplane',
    fields: [...fields],
    length,
    driftPoints,
    describe() {
      const abrupt = driftPoints.length === 0 ? 'no abrupt drift' : `weights redrawn at ${driftPoints.join(', ')}`;
      return (
        `Rotating hyperplane (Hulten, Spencer & Domingos, KDD 2001): ${length} records, features x1..x${dims} ` +
        `uniform in [0, 1), y = 1 iff Σ wᵢ xᵢ >= ½ Σ wᵢ; gradual drift of ${driftDims} weight(s) by ${magnitude} ` +
        `per record (direction reverses with probability ${reverse}); ${abrupt}; ` +
        `${Math.round(noise * 1000) / 10}% label noise; seed ${seed}.`
      );
    },
    [Symbol.iterator]: generate,
  };
}
