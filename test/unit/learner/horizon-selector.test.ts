import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HorizonSelector } from '../../../src/learner/horizon-selector.js';

describe('HorizonSelector.pairedDifference', () => {
  it('is the mean and sample standard deviation of error(a) - error(b) over the window', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 1 })), { minLength: 2, maxLength: 80 }),
        fc.integer({ min: 2, max: 50 }),
        (pairs, window) => {
          const s = new HorizonSelector(2, window);
          s.add([Float32Array.from(pairs.map((p) => p[0])), Float32Array.from(pairs.map((p) => p[1]))]);
          const kept = pairs.slice(-window).map(([a, b]) => a - b);
          const mean = kept.reduce((x, y) => x + y, 0) / kept.length;
          const sd = kept.length > 1 ? Math.sqrt(kept.reduce((x, y) => x + (y - mean) ** 2, 0) / (kept.length - 1)) : 0;
          const d = s.pairedDifference(0, 1);
          expect(d.n).toBe(kept.length);
          expect(d.mean).toBeCloseTo(mean, 9);
          expect(d.sd).toBeCloseTo(sd, 9);
        },
      ),
    );
  });
});
