import { createDetector } from '../../src/drift/index.js';
import type { DetectorKind } from '../../src/core/index.js';

export interface DetectionScore {
  readonly detector: string;
  readonly detections: number;
  /** True positives: drifts with a detection in [d, d + tolerance) (and before the next drift). */
  readonly detected: number;
  readonly missed: number;
  /** Mean samples from a drift point to its first detection, over detected drifts. */
  readonly meanDelay: number | null;
  readonly delays: (number | null)[];
  readonly falseAlarms: number;
  /** detected / detections (0 without detections). */
  readonly precision: number;
  /** detected / drift points. */
  readonly recall: number;
  /** Harmonic mean of precision and recall: 2 TP / (2 TP + false alarms + missed). */
  readonly f1: number;
}

/**
 * A detection at t is the true detection of drift d when it is the first one in [d, d + tolerance) (and before
 * the next drift); every other detection is a false alarm. Error stream convention: 1 = error, 0 = correct.
 */
export function scoreDetections(detector: string, at: readonly number[], driftPoints: readonly number[], tolerance: number): DetectionScore {
  const delays: (number | null)[] = [];
  const used = new Set<number>();
  driftPoints.forEach((d, k) => {
    const limit = Math.min(d + tolerance, driftPoints[k + 1] ?? Infinity);
    const hit = at.find((t) => t >= d && t < limit);
    delays.push(hit === undefined ? null : hit - d);
    if (hit !== undefined) used.add(hit);
  });
  const found = delays.filter((x): x is number => x !== null);
  const tp = found.length;
  const falseAlarms = at.filter((t) => !used.has(t)).length;
  const missed = delays.length - tp;
  return {
    detector,
    detections: at.length,
    detected: tp,
    missed,
    meanDelay: tp ? found.reduce((a, b) => a + b, 0) / tp : null,
    delays,
    falseAlarms,
    precision: at.length ? tp / at.length : 0,
    recall: driftPoints.length ? tp / driftPoints.length : 0,
    f1: tp ? (2 * tp) / (2 * tp + falseAlarms + missed) : 0,
  };
}

/** Indices where a detector with default parameters flags drift on the error stream. */
/**
 * KSWIN draws its older sample at random (CPython's Mersenne Twister, as River; unseeded there, and here a random
 * seed unless given): the benchmark seeds it, fixed in advance, so that a rerun on the same errors agrees.
 */
export const KSWIN_SEED = 42;

export function detectionsOf(kind: DetectorKind, errors: Float32Array, kswinSeed = KSWIN_SEED): number[] {
  const det = createDetector(kind, kind === 'kswin' ? { seed: kswinSeed } : {});
  const at: number[] = [];
  for (let i = 0; i < errors.length; i++) if (det.update(errors[i] as number).drift) at.push(i);
  return at;
}

/** The baseline a detector must beat: "drift" every `every` samples, whatever the data. */
export function dummyDetections(every: number, length: number): number[] {
  const at: number[] = [];
  for (let t = every; t < length; t += every) at.push(t);
  return at;
}

/** The rule `beats` applies, as written into the results. */
export const BEATS_RULE =
  'beats the dummy: a strictly higher detection F1 (2 TP / (2 TP + false alarms + missed), TP = drifts detected within the tolerance) than the dummy on the same error stream, or the same F1 and a shorter mean delay';
export const DOMINATES_RULE = 'dominates the dummy: at least as many drifts detected and fewer false alarms (or as many false alarms and a shorter mean delay)';

/**
 * Beats the dummy: a better precision/recall trade-off of its alarms (F1), ties going to the shorter mean delay.
 * A periodic alarm finds every drift by construction (its period is below the tolerance), so recall alone
 * cannot tell a detector from it; F1 also charges each false alarm.
 */
export function beats(a: DetectionScore, dummy: DetectionScore): boolean {
  if (a.f1 !== dummy.f1) return a.f1 > dummy.f1;
  return a.detected > 0 && (a.meanDelay ?? Infinity) < (dummy.meanDelay ?? Infinity);
}

/** The strict rule: finds at least as many drifts with fewer false alarms, or as many false alarms and less delay. */
export function dominates(a: DetectionScore, dummy: DetectionScore): boolean {
  if (a.detected < dummy.detected) return false;
  if (a.falseAlarms < dummy.falseAlarms) return true;
  return a.falseAlarms === dummy.falseAlarms && (a.meanDelay ?? Infinity) < (dummy.meanDelay ?? Infinity);
}
