/** Seeded synthetic streams for the drift tests, drawn with CPython's generator so River can replay them too. */
import { PythonRandom } from '../../../src/drift/index.js';

/** Bernoulli error bits: P(1) = p0 before index `change`, p1 from it on. */
export function bernoulliStream(seed: number, length: number, change: number, p0: number, p1: number): number[] {
  const rng = new PythonRandom(seed);
  return Array.from({ length }, (_, i) => (rng.random() < (i < change ? p0 : p1) ? 1 : 0));
}

/** Normal values (Box-Muller): mean m0 before index `change`, m1 from it on. */
export function gaussianStream(seed: number, length: number, change: number, m0: number, m1: number, sd = 1): number[] {
  const rng = new PythonRandom(seed);
  return Array.from({ length }, (_, i) => {
    const u = rng.random();
    const v = rng.random();
    return (i < change ? m0 : m1) + sd * Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
  });
}

/** River's docstring streams: `random.Random(12345)` {0,1} then {4..7}, and `random.Random(42)` fair then P(1)=0.7 bits. */
export function riverDocStreams(): { readonly twoLevels: number[]; readonly errorRateUp: number[] } {
  let rng = new PythonRandom(12345);
  const twoLevels = [...rng.choices([0, 1], 1000), ...rng.choices([4, 5, 6, 7], 1000)];
  rng = new PythonRandom(42);
  const errorRateUp = [...rng.choices([0, 1], 1000), ...rng.choices([0, 1], 1000, [0.3, 0.7])];
  return { twoLevels, errorRateUp };
}

export interface Trace {
  readonly drifts: number[];
  readonly warnings: number[];
}

/** Feeds a stream and records the indices of drifts and warnings. */
export function trace(detector: { update(x: number): { drift: boolean; warning: boolean } }, values: readonly number[], offset = 0): Trace {
  const drifts: number[] = [];
  const warnings: number[] = [];
  values.forEach((x, i) => {
    const s = detector.update(x);
    if (s.drift) drifts.push(i + offset);
    if (s.warning) warnings.push(i + offset);
  });
  return { drifts, warnings };
}
