import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, StreamtrainError } from '../../../src/core/errors.js';
import { createRng } from '../../../src/datasets/rng.js';
import { normalCdf, PairedTest, PreferenceTest, TwoSampleTest, type TestState } from '../../../src/rollout/index.js';

const OPTIONS = { alpha: 0.05, margin: 0, minSamples: 200 };

/** A two-sample stream of 0/1 rewards, the candidate getting `share` of them; stops at the first verdict. */
function run(seed: number, p0: number, p1: number, share: number, n: number, onStep?: (t: TwoSampleTest) => void): TwoSampleTest {
  const rng = createRng(seed);
  const t = new TwoSampleTest(OPTIONS);
  for (let i = 0; i < n && !t.verdict; i++) {
    const arm = rng.next() < share ? 1 : 0;
    t.add(arm, rng.next() < (arm ? p1 : p0) ? 1 : 0);
    onStep?.(t);
  }
  return t;
}

const finite = (s: TestState): boolean =>
  [s.diff, s.mean[0], s.mean[1], s.n[0], s.n[1]].every(Number.isFinite) && !Number.isNaN(s.lower) && !Number.isNaN(s.upper);

describe('normalCdf', () => {
  it('matches tabulated values to 1e-7', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959963985)).toBeCloseTo(0.975, 7);
    expect(normalCdf(-1.644853627)).toBeCloseTo(0.05, 7);
    expect(normalCdf(-6)).toBeCloseTo(9.865876e-10, 15);
    expect(normalCdf(-1e300)).toBe(0);
    expect(normalCdf(1e300)).toBe(1);
  });
});

describe('TwoSampleTest under continuous monitoring (checked after every observation)', () => {
  it('promotes an equal candidate in at most alpha of 400 streams; a repeated z-test on the same streams far more', () => {
    let promoted = 0;
    let naive = 0;
    for (let seed = 1; seed <= 400; seed++) {
      let naiveHit = false;
      const s = [0, 0];
      const n = [0, 0];
      const rng = createRng(seed);
      const t = new TwoSampleTest(OPTIONS);
      for (let i = 1; i <= 4000; i++) {
        const arm = rng.next() < 0.5 ? 1 : 0;
        const r = rng.next() < 0.8 ? 1 : 0;
        t.add(arm, r);
        n[arm]!++;
        s[arm]! += r;
        if (!naiveHit && i % 20 === 0 && n[0]! >= 200 && n[1]! >= 200) {
          const p = (s[0]! + s[1]!) / (n[0]! + n[1]!);
          const z = (s[1]! / n[1]! - s[0]! / n[0]!) / Math.sqrt(p * (1 - p) * (1 / n[0]! + 1 / n[1]!));
          naiveHit = z > 1.645;
        }
      }
      if (t.verdict === 'promote') promoted++;
      if (naiveHit) naive++;
    }
    expect(promoted / 400).toBeLessThanOrEqual(0.05);
    expect(naive / 400).toBeGreaterThan(0.15);
  });

  it('promotes a +5 point candidate and rejects a -5 point one on every one of 40 canary-like streams (25% share)', () => {
    for (let seed = 1; seed <= 40; seed++) {
      expect(run(seed, 0.8, 0.85, 0.25, 40_000).verdict).toBe('promote');
      expect(run(seed, 0.8, 0.75, 0.25, 40_000).verdict).toBe('reject');
    }
  });

  it('keeps the true difference inside its bounds on nearly every stream, and decides only when a bound passes the margin', () => {
    let covered = 0;
    for (let seed = 1; seed <= 100; seed++) {
      let ok = true;
      let i = 0;
      const t = run(seed, 0.7, 0.72, 0.3, 3000, (x) => {
        if (++i % 10 === 0 && x.state.n[0] >= 200 && x.state.n[1] >= 200 && (x.state.lower > 0.02 || x.state.upper < 0.02)) ok = false;
      });
      const s = t.state;
      if (s.verdict === 'promote') expect(s.lower).toBeGreaterThan(0);
      if (s.verdict === 'reject') expect(s.upper).toBeLessThan(0);
      if (ok) covered++;
    }
    expect(covered).toBeGreaterThanOrEqual(90);
  });

  it('a margin shifts the promotion: +5 points is not promoted past a margin of 0.1, it is rejected', () => {
    const t = new TwoSampleTest({ ...OPTIONS, margin: 0.1 });
    const rng = createRng(7);
    for (let i = 0; i < 20_000 && !t.verdict; i++) {
      const arm = i % 2 === 0 ? 1 : 0;
      t.add(arm, rng.next() < (arm ? 0.85 : 0.8) ? 1 : 0);
    }
    expect(t.verdict).toBe('reject');
  });

  it('gives no verdict before minSamples in each arm, whatever the rewards', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom<0 | 1>(0, 1), fc.oneof(fc.constantFrom(0, 1, 1e300, -1e300), fc.double({ noNaN: true, noDefaultInfinity: true }))), {
          maxLength: 400,
        }),
        fc.integer({ min: 1, max: 50 }),
        (obs, minSamples) => {
          const t = new TwoSampleTest({ alpha: 0.05, margin: 0, minSamples });
          const n = [0, 0];
          for (const [arm, r] of obs) {
            t.add(arm, r);
            n[arm]!++;
            if (n[0]! < minSamples || n[1]! < minSamples) expect(t.verdict).toBeUndefined();
            expect(finite(t.state)).toBe(true);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('stays finite with zero variance (all 1s: no evidence, infinite bounds) and with a perfect candidate', () => {
    const same = new TwoSampleTest(OPTIONS);
    for (let i = 0; i < 5000; i++) {
      same.add(0, 1);
      same.add(1, 1);
    }
    expect(same.state).toEqual({ n: [5000, 5000], mean: [1, 1], diff: 0, lower: -Infinity, upper: Infinity });
    const perfect = new TwoSampleTest(OPTIONS);
    const rng = createRng(3);
    for (let i = 0; i < 400; i++) {
      perfect.add(0, rng.next() < 0.8 ? 1 : 0);
      perfect.add(1, 1);
    }
    expect(perfect.verdict).toBe('promote');
    expect(finite(perfect.state)).toBe(true);
  });

  it('handles a million observations without drift in the means or NaN', () => {
    const t = new TwoSampleTest({ ...OPTIONS, alpha: 1e-9 });
    for (let i = 0; i < 1_000_000; i++) t.add((i & 1) as 0 | 1, i % 5 === 0 ? 0 : 1);
    const s = t.state;
    expect(s.mean[0]).toBeCloseTo(0.8, 12);
    expect(s.diff).toBeCloseTo(0, 12);
    expect(s.upper - s.lower).toBeLessThan(0.02);
    expect(s.upper - s.lower).toBeGreaterThan(0);
    expect(s.verdict).toBeUndefined();
  });

  it('rejects bad options with a ConfigError naming the field, and non-finite rewards with a StreamtrainError', () => {
    expect(() => new TwoSampleTest({ ...OPTIONS, alpha: 0 })).toThrow(ConfigError);
    expect(() => new TwoSampleTest({ ...OPTIONS, alpha: 0.6 })).toThrow(/alpha/);
    expect(() => new TwoSampleTest({ ...OPTIONS, minSamples: 0.5 })).toThrow(/minSamples/);
    expect(() => new PairedTest({ ...OPTIONS, tau: 0 })).toThrow(/tau/);
    expect(() => new TwoSampleTest(OPTIONS).add(1, Number.NaN)).toThrow(StreamtrainError);
    expect(() => new PairedTest(OPTIONS).add(1, Infinity)).toThrow(/candidateReward/);
  });
});

describe('PairedTest (shadow)', () => {
  it('never decides for two models that always agree (margin 0), and promotes a better one', () => {
    const same = new PairedTest(OPTIONS);
    const better = new PairedTest(OPTIONS);
    const rng = createRng(11);
    for (let i = 0; i < 20_000; i++) {
      const u = rng.next();
      same.add(u < 0.8 ? 1 : 0, u < 0.8 ? 1 : 0);
      if (!better.verdict) better.add(u < 0.8 ? 1 : 0, u < 0.85 ? 1 : 0);
    }
    expect(same.verdict).toBeUndefined();
    expect(same.state.n).toEqual([20_000, 20_000]);
    expect(better.verdict).toBe('promote');
    expect(better.state.n[0]).toBeLessThan(2000);
  });

  it('promotes an equal, independently erring candidate in at most alpha of 300 streams', () => {
    let promoted = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const t = new PairedTest(OPTIONS);
      const rng = createRng(seed);
      for (let i = 0; i < 3000 && !t.verdict; i++) t.add(rng.next() < 0.8 ? 1 : 0, rng.next() < 0.8 ? 1 : 0);
      if (t.verdict === 'promote') promoted++;
    }
    expect(promoted / 300).toBeLessThanOrEqual(0.05);
  });

  it('no verdict before minSamples pairs', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.double({ noNaN: true, noDefaultInfinity: true })), { maxLength: 60 }),
        (pairs) => {
          const t = new PairedTest({ ...OPTIONS, minSamples: 50 });
          pairs.forEach(([a, b], i) => {
            t.add(a, b);
            if (i + 1 < 50) expect(t.verdict).toBeUndefined();
            expect(Number.isNaN(t.state.lower) || Number.isNaN(t.state.diff)).toBe(false);
          });
        },
      ),
    );
  });
});

describe('PreferenceTest (interleaving)', () => {
  it('ignores ties, promotes a candidate that wins every request after minSamples, rejects one that always loses', () => {
    const wins = new PreferenceTest(OPTIONS);
    const loses = new PreferenceTest(OPTIONS);
    for (let i = 0; i < 199; i++) {
      wins.add(undefined);
      wins.add(1);
      loses.add(0);
    }
    expect(wins.verdict).toBeUndefined();
    expect(wins.state.n).toEqual([0, 199]);
    wins.add(1);
    loses.add(0);
    expect(wins.verdict).toBe('promote');
    expect(loses.verdict).toBe('reject');
    expect(wins.state.diff).toBe(0.5);
    expect(wins.state.upper).toBeGreaterThan(0.5);
  });

  it('promotes a fair coin in at most alpha of 300 streams', () => {
    let promoted = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const t = new PreferenceTest(OPTIONS);
      const rng = createRng(seed);
      for (let i = 0; i < 3000 && !t.verdict; i++) t.add(rng.next() < 0.5 ? 1 : 0);
      if (t.verdict === 'promote') promoted++;
    }
    expect(promoted / 300).toBeLessThanOrEqual(0.05);
  });
});
