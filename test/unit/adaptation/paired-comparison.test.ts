import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PairedComparison, Race, type PairedTest } from '../../../src/adaptation/index.js';
import { studentTTwoSided } from '../../../src/drift/index.js';

describe('PairedComparison', () => {
  /** Paired 0/1 errors whose disagreements come in runs of mean length `run`: equally good models. */
  function clustered(seed: number, n: number, run: number): [Float32Array, Float32Array] {
    let s = seed >>> 0;
    const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    const a = new Float32Array(n);
    const b = new Float32Array(n);
    let state = 0;
    for (let i = 0; i < n; i++) {
      if (rnd() < 1 / run) {
        const u = rnd();
        state = u < 0.8 ? 0 : u < 0.9 ? 1 : 2;
      }
      if (state === 0) a[i] = b[i] = rnd() < 0.1 ? 1 : 0;
      else if (state === 1) a[i] = 1;
      else b[i] = 1;
    }
    return [a, b];
  }

  it('batch means holds its level when disagreements come in runs; McNemar does not', () => {
    const promoted = (test: PairedTest) => {
      let n = 0;
      for (let seed = 1; seed <= 200; seed++) {
        const race = new Race('classification', { minSamples: 1000, maxSamples: 20_000, margin: 0.01, alpha: 0.01, test });
        const [a, b] = clustered(seed, 20_000, 20);
        for (let at = 0; at < 20_000; at += 50) {
          const v = race.add(a.subarray(at, at + 50), b.subarray(at, at + 50));
          if (v === 'promote') n++;
          if (v !== 'continue') break;
        }
      }
      return n / 200;
    };
    expect(promoted('independent')).toBeGreaterThan(0.2);
    expect(promoted('batch-means')).toBeLessThanOrEqual(0.02);
  });

  it('batch means: a clearly better challenger wins (classification and regression), an equal one does not', () => {
    const champ = Float32Array.from({ length: 1000 }, (_, i) => (i % 10 < 3 ? 1 : 0));
    const chal = Float32Array.from({ length: 1000 }, (_, i) => (i % 20 < 3 ? 1 : 0));
    const better = new PairedComparison('classification', 1000, 0.02, 0.01, 'batch-means');
    better.add(champ, chal);
    expect(better.result()).toMatchObject({ n: 1000, challengerWins: true });
    expect(better.result().lead).toBeCloseTo(0.15, 2);
    const same = new PairedComparison('classification', 1000, 0.02, 0.01, 'batch-means');
    same.add(champ, champ);
    expect(same.result()).toMatchObject({ lead: 0, pValue: 1, challengerWins: false });
    const reg = new PairedComparison('regression', 500, 0.1, 0.01, 'batch-means');
    reg.add(
      Float32Array.from({ length: 500 }, (_, i) => 1 + (i % 7) / 10),
      Float32Array.from({ length: 500 }, (_, i) => 0.5 + (i % 5) / 10),
    );
    expect(reg.result().challengerWins).toBe(true);
    // The blocks follow arrival order: a window that wrapped around still sees its newest pairs as the last block.
    const wrapped = new PairedComparison('classification', 100, 0.01, 0.01, 'batch-means');
    wrapped.add(new Float32Array(150).fill(0), new Float32Array(150).fill(0));
    wrapped.add(new Float32Array(100).fill(1), new Float32Array(100).fill(0));
    expect(wrapped.result()).toMatchObject({ lead: 1, pValue: 0, challengerWins: true });
  });

  it('property: batch means is a t-test on the block means of the newest pairs, in arrival order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.boolean()), { minLength: 20, maxLength: 260, size: 'max' }),
        fc.integer({ min: 20, max: 120 }),
        (pairs, window) => {
          const c = new PairedComparison('classification', window, 0, 0.05, 'batch-means');
          // Added in uneven slices, as batches arrive.
          for (let at = 0; at < pairs.length; at += 7) {
            const part = pairs.slice(at, at + 7);
            c.add(Float32Array.from(part.map(([a]) => Number(a))), Float32Array.from(part.map(([, b]) => Number(b))));
          }
          const recent = pairs.slice(-window).map(([a, b]) => Number(a) - Number(b));
          const size = Math.floor(recent.length / 20);
          const used = recent.slice(recent.length - 20 * size);
          const means = Array.from({ length: 20 }, (_, j) => used.slice(j * size, (j + 1) * size).reduce((x, y) => x + y, 0) / size);
          const mean = means.reduce((x, y) => x + y, 0) / 20;
          const se = Math.sqrt(means.reduce((x, m) => x + (m - mean) ** 2, 0) / 19 / 20);
          const expected = se === 0 ? (mean === 0 ? 1 : 0) : studentTTwoSided(mean / se, 19);
          expect(c.result().pValue).toBeCloseTo(expected, 12);
        },
      ),
    );
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

  it('property: never NaN, p in [0, 1], never wins when it is not ahead (both tests)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.boolean()), { minLength: 1, maxLength: 300, size: 'max' }),
        fc.constantFrom<PairedTest>('independent', 'batch-means'),
        (pairs, test) => {
          const c = new PairedComparison('classification', 200, 0, 0.05, test);
          c.add(Float32Array.from(pairs.map(([a]) => Number(a))), Float32Array.from(pairs.map(([, b]) => Number(b))));
          const r = c.result();
          expect(Number.isNaN(r.pValue)).toBe(false);
          expect(r.pValue).toBeGreaterThanOrEqual(0);
          expect(r.pValue).toBeLessThanOrEqual(1);
          if (r.lead <= 0) expect(r.challengerWins).toBe(false);
        },
      ),
    );
  });

  it('property: a restored comparison gives the same result and continues like the original (a smaller window keeps the newest pairs)', () => {
    const pairs = fc.array(fc.tuple(fc.boolean(), fc.boolean()), { minLength: 0, maxLength: 300, size: 'max' });
    fc.assert(
      fc.property(pairs, pairs, fc.integer({ min: 1, max: 250 }), (before, after, window) => {
        const col = (p: [boolean, boolean][], i: 0 | 1) => Float32Array.from(p.map((x) => Number(x[i])));
        const original = new PairedComparison('classification', 200, 0, 0.05);
        original.add(col(before, 0), col(before, 1));
        const restored = new PairedComparison('classification', 200, 0, 0.05);
        restored.restore(JSON.parse(JSON.stringify(original.state())));
        expect(restored.result()).toEqual(original.result());
        expect(restored.total).toBe(original.total);
        for (const c of [original, restored]) c.add(col(after, 0), col(after, 1));
        expect(restored.result()).toEqual(original.result());
        // Into a different window: the same as a comparison of that window that saw the newest pairs.
        const resized = new PairedComparison('classification', window, 0, 0.05);
        resized.restore(original.state());
        const fresh = new PairedComparison('classification', window, 0, 0.05);
        const all = [...before, ...after].slice(-Math.min(window, 200));
        fresh.add(col(all, 0), col(all, 1));
        expect(resized.result()).toEqual(fresh.result());
      }),
    );
  });

  /**
   * Runs one race on batches of 50 with independent 0/1 errors at the given rates (the challenger's rate may depend
   * on how many pairs it has seen); returns its verdict, where it ended and why.
   */
  function race(
    seed: number,
    championRate: number,
    challengerRate: number | ((seen: number) => number),
    opts = { minSamples: 1000, maxSamples: 20_000, margin: 0.01, alpha: 0.01 },
  ) {
    let s = seed >>> 0;
    const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    const rate = typeof challengerRate === 'number' ? () => challengerRate : challengerRate;
    const r = new Race('classification', opts);
    for (let n = 0; n < opts.maxSamples; n += 50) {
      const champ = Float32Array.from({ length: 50 }, () => (rnd() < championRate ? 1 : 0));
      const chal = Float32Array.from({ length: 50 }, (_, i) => (rnd() < rate(n + i) ? 1 : 0));
      const v = r.add(champ, chal);
      if (v !== 'continue') return { verdict: v, at: r.comparison.total, reason: r.dropReason };
    }
    return { verdict: 'continue' as const, at: r.comparison.total, reason: r.dropReason };
  }

  it('Race: two equally good models, raced 400 times, almost never promote (the level holds across all looks)', () => {
    const outcomes = Array.from({ length: 400 }, (_, i) => race(i + 1, 0.3, 0.3));
    const promoted = outcomes.filter((o) => o.verdict === 'promote').length;
    // alpha = 0.01 over the whole race: 4 expected at most; 10 or more would be a 1-in-1000 event (binomial).
    expect(promoted).toBeLessThanOrEqual(9);
    expect(outcomes.every((o) => o.verdict !== 'continue' && o.at <= 20_000)).toBe(true);
    // Testing at alpha after every batch, without the correction, promotes in a large share of these races.
    const naive = Array.from({ length: 100 }, (_, i) => {
      const c = new PairedComparison('classification', 1000, 0.01, 0.01);
      let st = (i + 1) >>> 0;
      const rnd = () => (st = (Math.imul(st, 1664525) + 1013904223) >>> 0) / 2 ** 32;
      for (let n = 0; n < 20_000; n += 50) {
        c.add(
          Float32Array.from({ length: 50 }, () => (rnd() < 0.3 ? 1 : 0)),
          Float32Array.from({ length: 50 }, () => (rnd() < 0.3 ? 1 : 0)),
        );
        if (c.total >= 1000 && c.result().challengerWins) return true;
      }
      return false;
    }).filter(Boolean).length;
    expect(naive).toBeGreaterThan(10);
  });

  it('Race: an equal challenger is dropped early for futility, not raced to maxSamples', () => {
    const outcomes = Array.from({ length: 200 }, (_, i) => race(1000 + i, 0.3, 0.3));
    const mean = outcomes.reduce((a, o) => a + o.at, 0) / outcomes.length;
    // Behind by the margin on a block: about 31% per look from the second on; simulated mean ~4,000 pairs.
    expect(mean).toBeLessThan(6000);
    expect(outcomes.filter((o) => o.reason === 'behind').length).toBeGreaterThan(180);
  });

  it('Race: a challenger better by 5 points is promoted in most races, one better by 10 points at the first looks', () => {
    // Per look (1,000 pairs at 0.01 / 20) a 5-point lead is significant ~15% of the time; over up to 20 looks the
    // race promotes it in ~94% of races (studies/dev-responses.ts), futility costing about half a point.
    const five = Array.from({ length: 100 }, (_, i) => race(2000 + i, 0.3, 0.25));
    expect(five.filter((o) => o.verdict === 'promote').length).toBeGreaterThanOrEqual(85);
    for (let seed = 1; seed <= 20; seed++) {
      const better = race(seed, 0.3, 0.2);
      expect(better.verdict).toBe('promote');
      expect(better.at).toBeLessThanOrEqual(3000);
    }
  });

  it('Race: a clearly worse challenger is dropped at the second look; the first look (warm-up) never drops', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const worse = race(seed, 0.2, 0.3);
      expect(worse.verdict).toBe('drop');
      expect(worse.at).toBe(2000);
      expect(['worse', 'behind']).toContain(worse.reason);
      // Wrong on everything for its first 600 pairs, then better than a good champion (0.05 against 0.1): the
      // first block is lost by far, and the challenger is still promoted.
      const warming = race(seed, 0.1, (seen) => (seen < 600 ? 1 : 0.05));
      expect(warming.verdict).toBe('promote');
    }
  });

  it('Race: with a single look (maxSamples = minSamples) it promotes or ends at that look', () => {
    const opts = { minSamples: 500, maxSamples: 500, margin: 0.01, alpha: 0.01 };
    expect(race(1, 0.3, 0.3, opts)).toMatchObject({ verdict: 'drop', at: 500, reason: 'max-samples' });
    expect(race(1, 0.4, 0.1, opts)).toMatchObject({ verdict: 'promote', at: 500 });
  });
});
