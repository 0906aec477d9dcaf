import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { armFor, bucketOf } from '../../../src/rollout/index.js';
import { fmix32, fnv1aUtf8, hashPair } from '../../../src/rollout/hash.js';

/** FNV-1a over TextEncoder's bytes: the reference the inline UTF-8 encoding must match. */
function referenceFnv(s: string): number {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(s)) h = Math.imul(h ^ b, 0x01000193);
  return h >>> 0;
}

describe('the hash', () => {
  it('is FNV-1a 32-bit (published test vectors)', () => {
    expect(fnv1aUtf8('')).toBe(0x811c9dc5);
    expect(fnv1aUtf8('a')).toBe(0xe40c292c);
    expect(fnv1aUtf8('foobar')).toBe(0xbf9cf968);
  });

  it('encodes any string as UTF-8 exactly as TextEncoder does (surrogate pairs, lone surrogates)', () => {
    expect(fnv1aUtf8('é€😀\ud800x')).toBe(referenceFnv('é€😀\ud800x'));
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(fnv1aUtf8(s)).toBe(referenceFnv(s));
      }),
    );
  });

  it('has fixed known answers, so every replica and release agrees', () => {
    expect(fmix32(0)).toBe(0);
    expect(fmix32(1)).toBe(0x514e28b7);
    expect(hashPair('salt', 'user-1')).toBe(fmix32(fnv1aUtf8('user-1', Math.imul(fnv1aUtf8('salt') ^ 0, 0x01000193) >>> 0)));
    expect(bucketOf('user-1', 'rollout-7')).toBe(2765384049 / 2 ** 32);
  });
});

describe('bucketOf', () => {
  it('is deterministic and in [0, 1)', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (key, salt) => {
        const b = bucketOf(key, salt);
        expect(b).toBeGreaterThanOrEqual(0);
        expect(b).toBeLessThan(1);
        expect(bucketOf(key, salt)).toBe(b);
      }),
    );
  });

  it('spreads sequential keys uniformly: chi-square over 50 bins below the 0.001 critical value', () => {
    for (const salt of ['', 'a', 'rollout-12']) {
      const bins = new Array<number>(50).fill(0);
      const n = 50_000;
      for (let i = 0; i < n; i++) bins[Math.floor(bucketOf(`user-${i}`, salt) * 50)]!++;
      const expected = n / 50;
      const chi2 = bins.reduce((s, o) => s + (o - expected) ** 2 / expected, 0);
      expect(chi2).toBeLessThan(85.35); // chi-square, 49 degrees of freedom, p = 0.001
    }
  });

  it('a new salt reshuffles: the 1% canary of one salt shares about 1% of its keys with another', () => {
    let a = 0;
    let both = 0;
    for (let i = 0; i < 100_000; i++) {
      if (bucketOf(`k${i}`, 'one') < 0.01) {
        a++;
        if (bucketOf(`k${i}`, 'two') < 0.01) both++;
      }
    }
    expect(a).toBeGreaterThan(850);
    expect(a).toBeLessThan(1150);
    expect(both).toBeLessThan(30);
  });
});

describe('armFor', () => {
  const arms = [
    { major: 3, share: 0.1 },
    { major: 4, share: 0 },
    { major: 5, share: 0.2 },
  ];

  it('lays the shares out from 0; the rest is the champion; zero shares hold nothing', () => {
    expect(armFor(0, arms)).toBe(3);
    expect(armFor(0.0999, arms)).toBe(3);
    expect(armFor(0.1, arms)).toBe(5);
    expect(armFor(0.2999, arms)).toBe(5);
    expect(armFor(0.3001, arms)).toBeUndefined();
    expect(armFor(0.5, [])).toBeUndefined();
    expect(armFor(0.999, [{ major: 2, share: 1 }])).toBe(2);
  });

  it('ramping a canary keeps every key it held (monotone)', () => {
    fc.assert(
      fc.property(fc.string(), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (key, x, y) => {
        const [lo, hi] = x <= y ? [x, y] : [y, x];
        const b = bucketOf(key, 's');
        if (armFor(b, [{ major: 2, share: lo }]) === 2) expect(armFor(b, [{ major: 2, share: hi }])).toBe(2);
      }),
    );
  });

  it('gives each arm its share of keys', () => {
    const counts = new Map<number | undefined, number>();
    for (let i = 0; i < 40_000; i++) {
      const m = armFor(bucketOf(`u${i}`, 'x'), arms);
      counts.set(m, (counts.get(m) ?? 0) + 1);
    }
    expect((counts.get(3) ?? 0) / 40_000).toBeCloseTo(0.1, 1);
    expect((counts.get(5) ?? 0) / 40_000).toBeCloseTo(0.2, 1);
    expect(counts.get(4)).toBeUndefined();
  });
});
