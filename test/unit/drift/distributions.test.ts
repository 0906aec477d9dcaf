import { describe, expect, it } from 'vitest';
import { chiSquare1Sf, erfc, logGamma, studentTTwoSided, studentTUpperQuantile } from '../../../src/drift/index.js';

describe('distribution functions', () => {
  it('erfc and the chi-square tail match reference values', () => {
    expect(erfc(0)).toBeCloseTo(1, 6);
    expect(erfc(1)).toBeCloseTo(0.157299207, 6);
    expect(chiSquare1Sf(3.841458821)).toBeCloseTo(0.05, 5);
    expect(chiSquare1Sf(6.634896601)).toBeCloseTo(0.01, 5);
  });

  it("Student's t tail and ln Γ match reference values (scipy.stats.t.sf, math.lgamma)", () => {
    const cases: [number, number, number][] = [
      [2.093024, 19, 0.050000005380779894],
      [3.883, 19, 0.0010009273217517617],
      [1, 1, 0.5],
      [0.5, 3, 0.651447964848151],
      [10, 19, 5.263026162335899e-9],
      [4.5, 39, 5.97838192619614e-5],
      [0, 19, 1],
      [25, 5, 1.910677784395424e-6],
    ];
    for (const [t, df, p] of cases) {
      expect(Math.abs(studentTTwoSided(t, df) - p) / p).toBeLessThan(1e-9);
      expect(studentTTwoSided(-t, df)).toBe(studentTTwoSided(t, df));
    }
    expect(logGamma(0.5)).toBeCloseTo(0.5723649429247001, 12);
    expect(logGamma(10)).toBeCloseTo(12.801827480081469, 11);
  });

  it('Student t upper quantiles: inverse of the tail, and reference values', () => {
    for (const df of [1, 4, 9, 30]) for (const p of [0.001, 0.0228, 0.05]) expect(studentTTwoSided(studentTUpperQuantile(p, df), df) / 2).toBeCloseTo(p, 10);
    // scipy.stats.t.ppf(0.975, 9) and t.ppf(0.995, 4)
    expect(studentTUpperQuantile(0.025, 9)).toBeCloseTo(2.2621571627982, 9);
    expect(studentTUpperQuantile(0.005, 4)).toBeCloseTo(4.6040948713, 8);
  });
});
