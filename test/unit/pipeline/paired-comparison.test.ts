import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PairedComparison, chiSquare1Sf, erfc } from '../../../src/pipeline/paired-comparison.js';

describe('PairedComparison', () => {
  it('erfc and the chi-square tail match reference values', () => {
    expect(erfc(0)).toBeCloseTo(1, 6);
    expect(erfc(1)).toBeCloseTo(0.157299207, 6);
    expect(chiSquare1Sf(3.841458821)).toBeCloseTo(0.05, 5);
    expect(chiSquare1Sf(6.634896601)).toBeCloseTo(0.01, 5);
  });

  it('McNemar: a clearly better challenger wins, an equal one does not', () => {
    const better = new PairedComparison('classification', 1000, 0.02, 0.01);
    // Champion wrong on 30%, challenger wrong on 15%, independent-ish pattern.
    const champ = Float32Array.from({ length: 1000 }, (_, i) => (i % 10 < 3 ? 1 : 0));
    const chal = Float32Array.from({ length: 1000 }, (_, i) => (i % 20 < 3 ? 1 : 0));
    better.add(champ, chal);
    const r = better.result();
    expect(r.lead).toBeCloseTo(0.15, 2);
    expect(r.pValue).toBeLessThan(1e-6);
    expect(r.challengerWins).toBe(true);
    const same = new PairedComparison('classification', 1000, 0.02, 0.01);
    same.add(champ, champ);
    expect(same.result().challengerWins).toBe(false);
  });

  it('counts only the last `window` pairs', () => {
    const c = new PairedComparison('classification', 100, 0.01, 0.05);
    c.add(new Float32Array(500).fill(0), new Float32Array(500).fill(1)); // challenger much worse early on
    c.add(new Float32Array(100).fill(1), new Float32Array(100).fill(0)); // then much better
    expect(c.result().n).toBe(100);
    expect(c.result().lead).toBe(1);
    expect(c.result().challengerWins).toBe(true);
  });

  it('regression: a paired t-test on |error|', () => {
    const c = new PairedComparison('regression', 500, 0.1, 0.01);
    const champ = Float32Array.from({ length: 500 }, (_, i) => 1 + (i % 7) / 10);
    const chal = Float32Array.from({ length: 500 }, (_, i) => 0.5 + (i % 5) / 10);
    c.add(champ, chal);
    expect(c.result().challengerWins).toBe(true);
  });

  it('property: never NaN, p in [0, 1], never wins when it is not ahead', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.boolean()), { minLength: 1, maxLength: 300 }), (pairs) => {
        const c = new PairedComparison('classification', 200, 0, 0.05);
        c.add(Float32Array.from(pairs.map(([a]) => Number(a))), Float32Array.from(pairs.map(([, b]) => Number(b))));
        const r = c.result();
        expect(Number.isNaN(r.pValue)).toBe(false);
        expect(r.pValue).toBeGreaterThanOrEqual(0);
        expect(r.pValue).toBeLessThanOrEqual(1);
        if (r.lead <= 0) expect(r.challengerWins).toBe(false);
      }),
    );
  });
});
