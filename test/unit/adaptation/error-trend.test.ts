import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorTrend } from '../../../src/adaptation/index.js';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** 0/1 errors at rate 0.2 on average, in runs: a two-state chain (rates 0.05 and 0.35), redrawn with probability 1/run. */
function runs(rnd: () => number, length: number, run: number): Float32Array {
  let high = rnd() < 0.5;
  return Float32Array.from({ length }, () => {
    if (rnd() < 1 / run) high = rnd() < 0.5;
    return rnd() < (high ? 0.35 : 0.05) ? 1 : 0;
  });
}

function roseRate(checks: number, errors: (rnd: () => number) => Float32Array): number {
  let yes = 0;
  for (let seed = 1; seed <= checks; seed++) {
    const trend = new ErrorTrend();
    const e = errors(lcg(seed * 2654435761 + 17));
    trend.add(e, 0, e.length);
    if (trend.rose()) yes++;
  }
  return yes / checks;
}

describe('ErrorTrend.rose', () => {
  it('answers yes with too few errors to tell (fewer than 400)', () => {
    const trend = new ErrorTrend();
    trend.add(new Float32Array(399), 0, 399);
    expect(trend.rose()).toBe(true);
    trend.add(new Float32Array(1), 0, 1);
    expect(trend.rose()).toBe(false);
  });

  it('holds its level when errors come in runs (an unchanged stream)', () => {
    // The per-sample check alone says "rose" for 30% of these streams at runs of 50 (part 23 of the dev study).
    expect(roseRate(600, (rnd) => runs(rnd, 1200, 1))).toBeLessThan(0.05);
    expect(roseRate(600, (rnd) => runs(rnd, 1200, 10))).toBeLessThan(0.06);
    expect(roseRate(600, (rnd) => runs(rnd, 1200, 50))).toBeLessThan(0.08);
  });

  it('still sees a real rise: independent errors from 0.2 to 0.3 for the last 200', () => {
    expect(roseRate(600, (rnd) => Float32Array.from({ length: 1200 }, (_, i) => (rnd() < (i < 1000 ? 0.2 : 0.3) ? 1 : 0)))).toBeGreaterThan(0.65);
  });

  it('sees a concept reversal: after 60 samples on an independent stream, after 150 when errors came in runs of 50', () => {
    // The last `after` errors come from a reversed concept (error rate 0.9).
    const reversal = (run: number, after: number) =>
      roseRate(300, (rnd) => {
        const e = run === 1 ? Float32Array.from({ length: 1200 }, () => (rnd() < 0.2 ? 1 : 0)) : runs(rnd, 1200, run);
        for (let i = 1200 - after; i < 1200; i++) e[i] = rnd() < 0.9 ? 1 : 0;
        return e;
      });
    expect(reversal(1, 60)).toBeGreaterThan(0.97);
    expect(reversal(50, 150)).toBeGreaterThan(0.95);
    // With runs of 50, 60 samples of a reversal are not yet told apart from a bad run as often: the price of the level.
    expect(reversal(50, 60)).toBeLessThan(reversal(50, 150));
  });

  it('applies the block check only with at least 500 errors before the recent 200', () => {
    // 699 errors: 499 before the recent 200, so only the per-sample check applies; one more error brings in blocks.
    const rise = (n: number) => {
      const e = Float32Array.from({ length: n }, (_, i) => (i < n - 200 ? (Math.floor(i / 100) % 2 === 0 ? 0.6 : 0) : 0.45));
      const trend = new ErrorTrend();
      trend.add(e, 0, n);
      return trend.rose();
    };
    // Blocks alternating 0.6 and 0 before (mean 0.3 or so), 0.45 after: the per-sample check says yes, the blocks'
    // variance (large: the error swings every 100 samples) says no.
    expect(rise(699)).toBe(true);
    expect(rise(700)).toBe(false);
  });

  it('with blockCheck: false applies the per-sample check alone (the rule before study part 23)', () => {
    const e = Float32Array.from({ length: 700 }, (_, i) => (i < 500 ? (Math.floor(i / 100) % 2 === 0 ? 0.6 : 0) : 0.45));
    const trend = new ErrorTrend({ blockCheck: false });
    trend.add(e, 0, e.length);
    expect(trend.rose()).toBe(true);
    expect(new ErrorTrend({ blockCheck: false }).rose()).toBe(true);
  });

  it('never throws and never says "rose" for a constant error (property)', () => {
    fc.assert(
      fc.property(fc.float({ min: 0, max: 100, noNaN: true }), fc.integer({ min: 400, max: 3000 }), (v, n) => {
        const trend = new ErrorTrend();
        trend.add(new Float32Array(n).fill(v), 0, n);
        return trend.rose() === false;
      }),
    );
    fc.assert(
      fc.property(fc.array(fc.float({ min: 0, max: 1e6, noNaN: true }), { minLength: 0, maxLength: 1500, size: 'max' }), (values) => {
        const trend = new ErrorTrend();
        trend.add(Float32Array.from(values), 0, values.length);
        expect(typeof trend.rose()).toBe('boolean');
      }),
    );
  });
});
