import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { binaryAuc, PrequentialMetrics } from '../../../src/learner/metrics.js';

/** The definition: over every (positive, negative) pair, 1 when the positive scores higher, 1/2 on a tie. */
function pairAuc(scores: Float32Array, labels: Float32Array): number | undefined {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < scores.length; i++) {
    if ((labels[i] as number) < 0.5) continue;
    for (let j = 0; j < scores.length; j++) {
      if ((labels[j] as number) >= 0.5) continue;
      pairs += 1;
      const [a, b] = [scores[i] as number, scores[j] as number];
      wins += a > b ? 1 : a === b ? 0.5 : 0;
    }
  }
  return pairs === 0 ? undefined : wins / pairs;
}

describe('binaryAuc', () => {
  it('is the share of positive-negative pairs ranked right, ties one half, for any scores and labels', () => {
    // Scores from a few levels, so that ties are common.
    const sample = fc.array(fc.tuple(fc.integer({ min: 0, max: 6 }), fc.boolean()), { maxLength: 60 });
    fc.assert(
      fc.property(sample, (rows) => {
        const scores = Float32Array.from(rows.map(([s]) => s / 6));
        const labels = Float32Array.from(rows.map(([, y]) => (y ? 1 : 0)));
        const got = binaryAuc(scores, labels);
        const want = pairAuc(scores, labels);
        if (want === undefined) expect(got).toBeUndefined();
        else expect(got).toBeCloseTo(want, 12);
      }),
    );
  });

  it('gives 1 for a perfect ranking, 0 for a reversed one, 1/2 when every score is the same', () => {
    const labels = Float32Array.from([0, 0, 1, 1]);
    expect(binaryAuc(Float32Array.from([0.1, 0.2, 0.8, 0.9]), labels)).toBe(1);
    expect(binaryAuc(Float32Array.from([0.9, 0.8, 0.2, 0.1]), labels)).toBe(0);
    expect(binaryAuc(Float32Array.from([0.5, 0.5, 0.5, 0.5]), labels)).toBe(0.5);
  });

  it("is what a binary model's window reports as auc_window", () => {
    const m = new PrequentialMetrics('binary', 2, 4);
    m.update(Float32Array.from([0.3, 0.7, 0.6, 0.2, 0.9]), Float32Array.from([0, 1, 0, 1, 1]), new Float32Array(5));
    // The window holds the last four: scores 0.7, 0.6, 0.2, 0.9 with labels 1, 0, 1, 1.
    expect(m.values().auc_window).toBeCloseTo(2 / 3, 12);
  });
});
