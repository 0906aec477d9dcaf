import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import {
  exactEqualSizePValue,
  FeatureSketch,
  kolmogorovSurvival,
  ksTestBinned,
  ksTestEqualSize,
  psi,
  psiLevel,
  PSI_EPSILON,
} from '../../../src/drift/index.js';
import { FIXTURE_DIR } from './river-vectors.js';
import { gaussianStream } from './streams.js';

interface KsFixture {
  readonly scipyVersion: string;
  readonly kolmogorov: readonly { x: number; survival: number }[];
  readonly exactEqualSize: readonly { n: number; h: number; statistic: number; pValue: number }[];
}
const ksFixture = JSON.parse(readFileSync(`${FIXTURE_DIR}ks.json`, 'utf8')) as KsFixture;

describe('KS against SciPy', () => {
  it.each(ksFixture.kolmogorov)('Kolmogorov survival at $x matches scipy.special.kolmogorov', ({ x, survival }) => {
    expect(Math.abs(kolmogorovSurvival(x) - survival)).toBeLessThan(1e-13);
  });

  it.each(ksFixture.exactEqualSize)('exact p-value n=$n h=$h equals ks_2samp bit for bit', ({ n, h, statistic, pValue }) => {
    const a = Array.from({ length: n }, (_, i) => i);
    const b = a.map((v) => v + h - 0.5);
    const res = ksTestEqualSize(a, b);
    expect(res.statistic).toBe(statistic);
    expect(res.pValue).toBe(pValue);
    expect(exactEqualSizePValue(n, h)).toBe(pValue);
  });

  it('ties count as SciPy counts them (CDFs compared at every observed value)', () => {
    expect(ksTestEqualSize([1, 1, 2, 2], [1, 2, 2, 2]).statistic).toBe(0.25);
    expect(ksTestEqualSize([0, 0, 0], [0, 0, 0])).toEqual({ statistic: 0, pValue: 1 });
  });

  it('binned KS: 0 and p = 1 on identical counts, large D and tiny p on disjoint ones', () => {
    expect(ksTestBinned([10, 20, 30], [10, 20, 30])).toEqual({ statistic: 0, pValue: 1 });
    const r = ksTestBinned([100, 0, 0], [0, 0, 100]);
    expect(r.statistic).toBe(1);
    expect(r.pValue).toBeLessThan(1e-10);
    expect(ksTestBinned([0, 0], [3, 4])).toEqual({ statistic: 0, pValue: 1 });
  });
});

describe('PSI', () => {
  it('is 0 on identical histograms and grows with the shift of mass', () => {
    expect(psi([10, 20, 30], [1, 2, 3])).toBe(0);
    const small = psi([50, 50], [55, 45]);
    const large = psi([50, 50], [80, 20]);
    expect(small).toBeGreaterThan(0);
    expect(large).toBeGreaterThan(small);
  });

  it('floors empty bins at PSI_EPSILON, so the value stays finite', () => {
    const v = psi([100, 0], [50, 50]);
    expect(Number.isFinite(v)).toBe(true);
    expect(v).toBeCloseTo((0.5 - 1) * Math.log(0.5 / 1) + (0.5 - PSI_EPSILON) * Math.log(0.5 / PSI_EPSILON), 12);
  });

  it('reads 0.1 and 0.25 as the moderate and major thresholds', () => {
    expect([psiLevel(0.05), psiLevel(0.1), psiLevel(0.2), psiLevel(0.25), psiLevel(3)]).toEqual(['stable', 'moderate', 'moderate', 'major', 'major']);
  });
});

describe('FeatureSketch', () => {
  it('sets edges at the reference quantiles, keeps only edges and counts', () => {
    const values = Array.from({ length: 1000 }, (_, i) => i);
    const s = FeatureSketch.fromReference(values, 10);
    expect(s.bins).toBe(10);
    expect(s.total).toBe(1000);
    expect(s.counts).toEqual(Array(10).fill(100));
    expect(s.edges[0]).toBeCloseTo(99.9, 9);
    expect(Object.keys(s.toJSON()).sort()).toEqual(['counts', 'edges']);
    expect(s.toJSON().edges.length + s.toJSON().counts.length).toBe(19);
  });

  it('collapses repeated quantiles (discrete and constant features)', () => {
    const bits = FeatureSketch.fromReference([0, 0, 0, 0, 0, 0, 0, 1, 1, 1], 10);
    // Nine quantile cut points collapse to three: 0, one interpolated between 0 and 1, and 1.
    expect(bits.edges).toHaveLength(3);
    expect(bits.counts).toEqual([7, 0, 3, 0]);
    const constant = FeatureSketch.fromReference([3, 3, 3], 5);
    expect(constant.edges).toEqual([3]);
    expect(constant.counts).toEqual([3, 0]);
  });

  it('merges sketches with the same edges by adding counts, refuses others', () => {
    const ref = FeatureSketch.fromReference(gaussianStream(1, 500, 500, 0, 0), 5);
    const a = ref.emptyLike();
    const b = ref.emptyLike();
    const all = ref.emptyLike();
    gaussianStream(2, 300, 300, 0, 0).forEach((x, i) => {
      (i % 2 ? a : b).add(x);
      all.add(x);
    });
    expect(a.merge(b).toJSON()).toEqual(all.toJSON());
    expect(() => a.merge(FeatureSketch.withEdges([0]))).toThrow(ConfigError);
  });

  it('round-trips through JSON and checks what it reads', () => {
    const s = FeatureSketch.fromReference([1, 2, 3, 4, 5, 6], 3);
    expect(FeatureSketch.fromJSON(JSON.parse(JSON.stringify(s))).toJSON()).toEqual(s.toJSON());
    expect(() => FeatureSketch.fromJSON({ edges: [2, 1], counts: [0, 0, 0] })).toThrow(/`sketch.edges` to be strictly increasing/);
    expect(() => FeatureSketch.fromJSON({ edges: [1], counts: [0, 1.5] })).toThrow(/`sketch.counts\[1\]` to be an integer >= 0/);
    expect(() => FeatureSketch.fromJSON({ edges: [1], counts: [0] })).toThrow(/an array of 2 numbers/);
  });

  it('skips non-finite values and handles extreme ones', () => {
    const s = FeatureSketch.fromReference([-1.7e308, 1.7e308, NaN, 0], 2);
    expect(s.total).toBe(3);
    expect(s.edges.every(Number.isFinite)).toBe(true);
    expect(s.add(Infinity)).toBe(false);
  });
});
