import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DelaySketch } from '../../../src/labels/index.js';

describe('DelaySketch', () => {
  it('is empty at first, and counts delays under 1 ms (or negative) as 0', () => {
    const s = new DelaySketch();
    expect(s.quantile(0.5)).toBeUndefined();
    s.add(-5);
    s.add(0.5);
    expect(s.quantile(0.99)).toBe(0);
  });

  it('gives quantiles within 1% of the exact ones, and the same state whatever the order of the delays', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 30 * 24 * 3600 * 1000 }), { minLength: 1, maxLength: 300 }), fc.integer(), (delays, seed) => {
        const s = new DelaySketch();
        for (const d of delays) s.add(d);
        const sorted = [...delays].sort((a, b) => a - b);
        for (const q of [0, 0.5, 0.99, 1]) {
          const exact = sorted[Math.floor(q * (sorted.length - 1))] as number;
          const got = s.quantile(q) as number;
          expect(Math.abs(got - exact)).toBeLessThanOrEqual(exact * 0.01 + 1e-9);
        }
        const shuffled = [...delays].sort((a, b) => ((a * 31 + seed) % 7) - ((b * 31 + seed) % 7));
        const t = new DelaySketch();
        for (const d of shuffled) t.add(d);
        expect(t.state()).toEqual(s.state());
        expect(new DelaySketch(JSON.parse(JSON.stringify(s.state()))).quantile(0.5)).toBe(s.quantile(0.5));
      }),
    );
  });

  it('stays bounded: delays from 1 ms to 2^53 ms use under 2,000 buckets', () => {
    const s = new DelaySketch();
    for (let d = 1; d < 2 ** 53; d *= 1.001) s.add(d);
    expect(s.state().buckets.length).toBeLessThan(2000);
  });
});
