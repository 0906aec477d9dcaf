import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { ConfigError } from '../../../src/core/errors.js';
import { createRng } from '../../../src/datasets/index.js';
import { xoshiro128ss } from '../../../src/datasets/rng.js';

describe('createRng', () => {
  it('implements xoshiro128** (outputs worked by hand from the reference algorithm, state 1, 2, 3, 4)', () => {
    const state = new Uint32Array([1, 2, 3, 4]);
    expect([xoshiro128ss(state), xoshiro128ss(state), xoshiro128ss(state)]).toEqual([11520, 0, 5927040]);
  });

  it('gives the same sequence for the same seed, and another for another seed or stream', () => {
    const draw = (seed: number, stream = 0): number[] => {
      const rng = createRng(seed, stream);
      return Array.from({ length: 1000 }, () => rng.next());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    expect(draw(42)).not.toEqual(draw(42, 1));
    // The high 32 bits of the seed count too.
    expect(draw(2 ** 40)).not.toEqual(draw(2 ** 40 + 2 ** 32));
    expect(draw(-1)).not.toEqual(draw(2 ** 32 - 1));
  });

  it('pins the first values of seed 42, so that a changed generator (and so every stream) is noticed', () => {
    const rng = createRng(42);
    const first = [rng.uint32(), rng.uint32(), rng.uint32()];
    const again = createRng(42);
    expect([again.uint32(), again.uint32(), again.uint32()]).toEqual(first);
    expect(first).toEqual([608415505, 639361467, 1730850589]);
  });

  it('draws floats in [0, 1) for any seed', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (seed) => {
        const rng = createRng(seed);
        for (let i = 0; i < 200; i += 1) {
          const u = rng.next();
          if (!(u >= 0 && u < 1)) return false;
        }
        return true;
      }),
    );
  });

  it('is roughly uniform: mean, variance and decile counts of 100,000 draws', () => {
    const rng = createRng(7);
    const n = 100_000;
    const bins = new Array<number>(10).fill(0);
    let sum = 0;
    let squares = 0;
    for (let i = 0; i < n; i += 1) {
      const u = rng.next();
      sum += u;
      squares += u * u;
      bins[Math.floor(u * 10)]! += 1;
    }
    expect(sum / n).toBeCloseTo(0.5, 2);
    expect(squares / n - (sum / n) ** 2).toBeCloseTo(1 / 12, 2);
    for (const count of bins) expect(Math.abs(count - n / 10)).toBeLessThan(500); // ~5 sd
  });

  it('draws uniform(min, max) inside [min, max)', () => {
    const rng = createRng(3);
    const outside = Array.from({ length: 10_000 }, () => rng.uniform(0, 10)).filter((v) => !(v >= 0 && v < 10));
    expect(outside).toEqual([]);
  });

  it('rejects seeds that are not safe integers with a ConfigError', () => {
    expect(() => createRng(1.5)).toThrow(ConfigError);
    expect(() => createRng(Number.NaN)).toThrow('Expected `seed` to be a safe integer, got `NaN`');
    expect(() => createRng('1' as unknown as number)).toThrow(ConfigError);
    expect(() => createRng(1, -1)).toThrow(ConfigError);
  });
});
