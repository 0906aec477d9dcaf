/**
 * Which concept a record comes from, given the drift points: abrupt (a step at each point) or gradual (a sigmoid
 * mixture around each point, as MOA's `ConceptDriftStream` does).
 *
 * @see A. Bifet, G. Holmes, B. Pfahringer, R. Kirkby, R. Gavaldà, "New ensemble methods for evolving data streams",
 *   KDD 2009, section 2: the probability that record t comes from the new concept is 1 / (1 + e^(−4 (t − p) / w)).
 */
import type { Rng } from './rng.js';

/** Beyond this many widths from a drift point the sigmoid is within e^-40 of 0 or 1: decide without drawing. */
const SATURATED_WIDTHS = 10;

export interface ConceptSchedule {
  /** The concept index (0 = before the first drift point) of the record at `index`. */
  conceptAt(index: number): number;
}

/** Probability that record `index` already comes from the concept that starts at `point`. */
export function driftProbability(index: number, point: number, width: number): number {
  return 1 / (1 + Math.exp((-4 * (index - point)) / width));
}

/**
 * `width === 0`: record `p` is the first of the new concept. `width > 0`: nested mixtures, like MOA's
 * `ConceptDriftStream(c0, ConceptDriftStream(c1, c2, p2, w), p1, w)`: the record keeps concept k unless a draw
 * falls under the sigmoid of drift point k, then the next point is tried. `rng` is only used when `width > 0`, and
 * only near a drift point.
 */
export function conceptSchedule(points: readonly number[], width: number, rng: Rng): ConceptSchedule {
  if (width === 0) {
    let concept = 0;
    let last = -1;
    return {
      conceptAt(index) {
        // Records are asked for in order: advance a cursor instead of searching.
        if (index < last) concept = 0;
        last = index;
        while (concept < points.length && index >= points[concept]!) concept += 1;
        return concept;
      },
    };
  }
  return {
    conceptAt(index) {
      let concept = 0;
      for (const point of points) {
        const distance = (index - point) / width;
        if (distance < -SATURATED_WIDTHS) break;
        if (distance <= SATURATED_WIDTHS && rng.next() >= driftProbability(index, point, width)) break;
        concept += 1;
      }
      return concept;
    },
  };
}
