import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createDetector,
  DETECTOR_KINDS,
  FeatureSketch,
  ksTestBinned,
  psi,
  PythonRandom,
  restoreDetector,
  type DetectorKind,
} from '../../../src/drift/index.js';

/** Finite doubles, weighted towards the extremes and the values detectors care about. */
const finiteValue = fc.oneof(
  { weight: 3, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 2, arbitrary: fc.constantFrom(0, -0, 1, 1e300, -1e300, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, 1e-300) },
  { weight: 3, arbitrary: fc.constantFrom(0, 1) },
  { weight: 2, arbitrary: fc.double({ min: -10, max: 10, noNaN: true }) },
);

/** Sensitive settings (check on every value, short windows) so the cut and reset paths run often. */
const PARAMS: Record<DetectorKind, Record<string, unknown>[]> = {
  adwin: [{}, { clock: 1, minWindowLength: 1, gracePeriod: 0, maxBuckets: 1 }],
  ddm: [{}, { warmStart: 0 }],
  eddm: [{}, { warmStart: 0, alpha: 1, beta: 1 }],
  'hddm-a': [{}, { twoSidedTest: true }],
  'hddm-w': [{}, { lambda: 1, twoSidedTest: true }],
  'page-hinkley': [{}, { minInstances: 1, threshold: 1e-9, alpha: 1 }],
  kswin: [{ seed: 1 }, { seed: 2, windowSize: 4, statSize: 2, alpha: 0.9 }],
};

function findNaN(value: unknown, path = 'snapshot'): string | undefined {
  if (typeof value === 'number') return Number.isNaN(value) ? path : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = findNaN(value[i], `${path}[${i}]`);
      if (p) return p;
    }
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const p = findNaN(v, `${path}.${k}`);
      if (p) return p;
    }
  }
  return undefined;
}

describe('detectors on any finite input', () => {
  for (const kind of DETECTOR_KINDS) {
    for (const params of PARAMS[kind]) {
      it(`${kind} ${JSON.stringify(params)} never throws, never holds NaN, restores exactly`, () => {
        fc.assert(
          fc.property(fc.array(finiteValue, { maxLength: 300, size: 'max' }), fc.nat(), (values, cutSeed) => {
            const d = createDetector(kind, params);
            const cut = values.length === 0 ? 0 : cutSeed % values.length;
            for (const x of values.slice(0, cut)) {
              const s = d.update(x);
              expect(typeof s.drift).toBe('boolean');
              expect(typeof s.warning).toBe('boolean');
            }
            const snap = d.snapshot();
            expect(findNaN(snap)).toBeUndefined();
            const copy = restoreDetector(JSON.parse(JSON.stringify(snap)));
            for (const x of values.slice(cut)) expect(copy.update(x)).toEqual(d.update(x));
            expect(findNaN(d.snapshot())).toBeUndefined();
            expect(JSON.stringify(copy.snapshot())).toBe(JSON.stringify(d.snapshot()));
            expect(d.samples).toBeLessThanOrEqual(values.length);
          }),
          { numRuns: Number(process.env.DRIFT_PROPERTY_RUNS ?? 60) },
        );
      });
    }
  }
});

function gaussian(seed: number, n: number): number[] {
  const rng = new PythonRandom(seed);
  return Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(1 - rng.random())) * Math.cos(2 * Math.PI * rng.random()));
}

function compare(reference: FeatureSketch, values: readonly number[]): { psi: number; ks: number } {
  const current = reference.emptyLike();
  for (const v of values) current.add(v);
  return { psi: psi(reference.counts, current.counts), ks: ksTestBinned(reference.counts, current.counts).statistic };
}

describe('PSI and KS', () => {
  it('are 0 when the current window is the reference sample itself', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 200, size: 'max' }),
        fc.integer({ min: 2, max: 20 }),
        (values, bins) => {
          const r = compare(FeatureSketch.fromReference(values, bins), values);
          expect(r.psi).toBe(0);
          expect(r.ks).toBe(0);
        },
      ),
    );
  });

  it('are ~0 on two samples of one distribution', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), (seed) => {
        const r = compare(FeatureSketch.fromReference(gaussian(seed, 4000), 10), gaussian(seed + 1, 4000));
        expect(r.psi).toBeLessThan(0.02);
        expect(r.ks).toBeLessThan(0.05);
      }),
      { numRuns: 20 },
    );
  });

  it('grow (non-decreasing within tolerance) with a mean shift', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e6 }),
        fc.array(fc.double({ min: 0, max: 3, noNaN: true }), { minLength: 2, maxLength: 6 }),
        fc.integer({ min: 4, max: 20 }),
        (seed, shifts, bins) => {
          const reference = FeatureSketch.fromReference(gaussian(seed, 3000), bins);
          const base = gaussian(seed + 1, 3000);
          const results = [...shifts]
            .sort((a, b) => a - b)
            .map((s) =>
              compare(
                reference,
                base.map((x) => x + s),
              ),
            );
          for (let i = 1; i < results.length; i++) {
            const prev = results[i - 1] as { psi: number; ks: number };
            const cur = results[i] as { psi: number; ks: number };
            expect(cur.psi).toBeGreaterThanOrEqual(prev.psi - 0.02);
            expect(cur.ks).toBeGreaterThanOrEqual(prev.ks - 0.02);
          }
        },
      ),
      { numRuns: 30 },
    );
  });
});
