import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { PythonRandom } from '../../../src/drift/index.js';

// Reference outputs printed by CPython 3.11's `random.Random(seed)`.
describe('PythonRandom reproduces CPython random.Random', () => {
  it('random() for seed 42', () => {
    const rng = new PythonRandom(42);
    expect([rng.random(), rng.random(), rng.random()]).toEqual([0.6394267984578837, 0.025010755222666936, 0.27502931836911926]);
  });

  it('getrandbits(32) for seed 0 and for a seed wider than 32 bits', () => {
    const a = new PythonRandom(0);
    expect([a.getrandbits(32), a.getrandbits(32), a.getrandbits(32)]).toEqual([3626764237, 1654615998, 3255389356]);
    const b = new PythonRandom(2 ** 40 + 5);
    expect([b.getrandbits(32), b.getrandbits(32)]).toEqual([2166296868, 2220160828]);
  });

  it('uses the absolute value of a negative seed', () => {
    expect(new PythonRandom(-7).random()).toBe(0.32383276483316237);
  });

  it('sample(range(n), k) with the pool method and with the set method', () => {
    expect(new PythonRandom(7).sampleRange(70, 30)).toEqual([
      41, 19, 50, 6, 9, 12, 46, 37, 3, 58, 32, 13, 2, 5, 27, 26, 4, 15, 56, 35, 55, 61, 36, 7, 14, 40, 44, 62, 48, 47,
    ]);
    expect(new PythonRandom(7).sampleRange(100000, 10)).toEqual([42445, 19772, 51750, 85319, 6328, 9494, 70239, 12337, 47931, 76387]);
  });

  it('choices with and without weights', () => {
    const rng = new PythonRandom(3);
    expect(rng.choices([0, 1], 10)).toEqual([0, 1, 0, 1, 1, 0, 0, 1, 0, 0]);
    expect(rng.choices(['a', 'b', 'c'], 10, [1, 2, 7])).toEqual(['c', 'c', 'c', 'c', 'c', 'b', 'c', 'c', 'c', 'c']);
  });

  it('continues the same sequence from its saved state', () => {
    const rng = new PythonRandom(11);
    for (let i = 0; i < 700; i++) rng.nextUint32();
    const copy = PythonRandom.fromState(JSON.parse(JSON.stringify(rng.state())));
    for (let i = 0; i < 1000; i++) expect(copy.nextUint32()).toBe(rng.nextUint32());
  });

  it('rejects seeds that are not safe integers and samples larger than the population', () => {
    expect(() => new PythonRandom(1.5)).toThrow(ConfigError);
    expect(() => new PythonRandom(2 ** 60)).toThrow(/Expected `seed` to be a safe integer/);
    expect(() => new PythonRandom(1).sampleRange(3, 4)).toThrow(ConfigError);
  });
});
