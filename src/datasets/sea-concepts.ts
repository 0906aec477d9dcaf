/**
 * The SEA concepts stream: three features uniform in [0, 10), of which only the first two matter; the label is 1
 * when x1 + x2 <= θ, where θ changes at each drift point (8 → 9 → 7 → 9.5 by default), then flipped with
 * probability `noise`. It is the stream of the shared `sea/` files, generated at any length and seed.
 *
 * @see W. N. Street and Y. Kim, "A streaming ensemble algorithm (SEA) for large-scale classification", KDD 2001.
 */
import { ConfigError } from '../core/errors.js';
import { conceptSchedule } from './drift-schedule.js';
import { createRng } from './rng.js';
import type { DatasetRecord, DriftingSource } from './types.js';
import { checkFiniteList, checkIndices, checkLength, checkNonNegative, checkNumberIn, checkSeed } from './validate.js';

export interface SeaConceptsOptions {
  /** Any safe integer; the same seed gives the same stream. */
  readonly seed: number;
  /** Number of records; `Infinity` for an endless stream (then `driftAt` is required). */
  readonly length: number;
  /**
   * Indices of the first record of each new concept, strictly increasing, in [1, length).
   * @default every length / 4: [⌊length/4⌋, ⌊length/2⌋, ⌊3·length/4⌋]
   */
  readonly driftAt?: readonly number[];
  /**
   * θ of each concept in turn; concept k uses `thresholds[k % thresholds.length]`.
   * @default [8, 9, 7, 9.5] (Street & Kim 2001)
   */
  readonly thresholds?: readonly number[];
  /**
   * Probability of flipping each label.
   * @default 0.1
   */
  readonly noise?: number;
  /**
   * Width of each transition in records: 0 is abrupt; w > 0 mixes the old and new concepts with probability
   * 1 / (1 + e^(−4 (t − p) / w)) of the new one (MOA `ConceptDriftStream`).
   * @default 0
   */
  readonly driftWidth?: number;
}

export const SEA_DEFAULTS = {
  thresholds: [8, 9, 7, 9.5],
  noise: 0.1,
  driftWidth: 0,
} as const;

export interface SeaConceptsSource extends DriftingSource {
  readonly name: 'sea';
  readonly length: number;
  /** θ of concept k (k = 0 before the first drift point). */
  thresholdOf(concept: number): number;
}

/** Drift points every quarter of the stream, as in the shared SEA files (12,500, 25,000, 37,500 of 50,000). */
function quarters(length: number): number[] {
  const points = [1, 2, 3].map((k) => Math.floor((k * length) / 4));
  return points.filter((p, i) => p >= 1 && p !== points[i - 1]);
}

/**
 * @example
 * const sea = seaConcepts({ seed: 1, length: 50_000 });
 * sea.driftPoints; // [12500, 25000, 37500]
 * for (const { x1, x2, x3, y } of sea) { ... }
 */
export function seaConcepts(options: SeaConceptsOptions): SeaConceptsSource {
  const seed = checkSeed('seed', options.seed);
  const length = checkLength('length', options.length);
  if (options.driftAt === undefined && !Number.isFinite(length)) {
    throw new ConfigError('driftAt', 'Expected `driftAt` to be given when `length` is Infinity, got `undefined`');
  }
  const driftPoints = Object.freeze(checkIndices('driftAt', options.driftAt ?? quarters(length), length));
  const thresholds = checkFiniteList('thresholds', options.thresholds ?? SEA_DEFAULTS.thresholds);
  const noise = checkNumberIn('noise', options.noise ?? SEA_DEFAULTS.noise, 0, 1);
  const driftWidth = checkNonNegative('driftWidth', options.driftWidth ?? SEA_DEFAULTS.driftWidth);
  const thresholdOf = (concept: number): number => thresholds[concept % thresholds.length]!;

  function* generate(): Generator<DatasetRecord> {
    const data = createRng(seed, 0);
    const schedule = conceptSchedule(driftPoints, driftWidth, createRng(seed, 1));
    for (let t = 0; t < length; t += 1) {
      const x1 = data.uniform(0, 10);
      const x2 = data.uniform(0, 10);
      const x3 = data.uniform(0, 10);
      let y = x1 + x2 <= thresholdOf(schedule.conceptAt(t)) ? 1 : 0;
      if (data.next() < noise) y = 1 - y;
      yield { x1, x2, x3, y };
    }
  }

  return {
    name: 'sea',
    fields: ['x1', 'x2', 'x3'],
    length,
    driftPoints,
    thresholdOf,
    describe() {
      const concepts = Array.from({ length: driftPoints.length + 1 }, (_, k) => thresholdOf(k)).join(' → ');
      const drift =
        driftPoints.length === 0 ? 'no drift' : `${driftWidth === 0 ? 'abrupt' : `gradual (width ${driftWidth})`} drift at ${driftPoints.join(', ')}`;
      return (
        `SEA concepts (Street & Kim, KDD 2001): ${length} records, features x1, x2, x3 uniform in [0, 10) ` +
        `(x3 irrelevant), y = 1 iff x1 + x2 <= θ, θ = ${concepts}; ${drift}; ` +
        `${Math.round(noise * 1000) / 10}% label noise; seed ${seed}.`
      );
    },
    [Symbol.iterator]: generate,
  };
}
