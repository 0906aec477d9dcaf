import { createDetector } from '../../src/drift/index.js';
import type { DetectorKind } from '../../src/core/index.js';

export interface DetectionScore {
  readonly detector: string;
  readonly detections: number;
  readonly detected: number;
  readonly missed: number;
  /** Mean samples from a drift point to its first detection, over detected drifts. */
  readonly meanDelay: number | null;
  readonly delays: (number | null)[];
  readonly falseAlarms: number;
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
  return {
    detector,
    detections: at.length,
    detected: found.length,
    missed: delays.length - found.length,
    meanDelay: found.length ? found.reduce((a, b) => a + b, 0) / found.length : null,
    delays,
    falseAlarms: at.filter((t) => !used.has(t)).length,
  };
}

/** Indices where a detector with default parameters flags drift on the error stream. */
export function detectionsOf(kind: DetectorKind, errors: Float32Array): number[] {
  const det = createDetector(kind);
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

/** Beats the dummy: finds at least as many drifts with fewer false alarms, or as many false alarms and less delay. */
export function beats(a: DetectionScore, dummy: DetectionScore): boolean {
  if (a.detected < dummy.detected) return false;
  if (a.falseAlarms < dummy.falseAlarms) return true;
  return a.falseAlarms === dummy.falseAlarms && (a.meanDelay ?? Infinity) < (dummy.meanDelay ?? Infinity);
}
