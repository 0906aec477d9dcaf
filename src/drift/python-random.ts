/**
 * A seeded generator that draws the same numbers as CPython's `random.Random(seed)`, so a detector that samples
 * (KSWIN) makes the same choices as River's, and tests can rebuild River's documented example streams.
 *
 * The core is the Mersenne Twister MT19937 (32-bit words, period 2^19937 - 1), seeded the way CPython seeds it
 * from an integer: the absolute value split into 32-bit little-endian words, fed to the reference
 * `init_by_array`. On top of it: `random()` (53-bit float from two words), `getrandbits(k)` for k <= 32,
 * `randbelow(n)` by rejection on `bit_length(n)` bits, `sample(range(n), k)` and `choices`.
 *
 * @see M. Matsumoto and T. Nishimura, "Mersenne Twister: a 623-dimensionally equidistributed uniform
 *   pseudo-random number generator", ACM TOMACS 8(1), 1998.
 * @see CPython `Modules/_randommodule.c` and `Lib/random.py` (3.11) for the seeding and sampling contracts.
 */
import { ConfigError, describeValue } from '../core/errors.js';

const N = 624;
const M = 397;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;
const MATRIX_A = 0x9908b0df;
const TWO_POW_32 = 4294967296;

/** Serializable state: the 624 words and the read position. */
export interface PythonRandomState {
  readonly words: readonly number[];
  readonly index: number;
}

export class PythonRandom {
  readonly #mt = new Uint32Array(N);
  #index = N;

  /**
   * @param seed a non-negative safe integer (a negative one is used by absolute value, as CPython does).
   */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) {
      throw new ConfigError('seed', `Expected \`seed\` to be a safe integer, got \`${describeValue(seed)}\``);
    }
    const abs = Math.abs(seed);
    const low = abs % TWO_POW_32;
    const high = Math.floor(abs / TWO_POW_32);
    this.#seedByArray(high > 0 ? [low, high] : [low]);
  }

  /** Restores a generator from {@link PythonRandom.state}. */
  static fromState(state: PythonRandomState): PythonRandom {
    const rng = new PythonRandom(0);
    rng.#mt.set(state.words);
    rng.#index = state.index;
    return rng;
  }

  /** A copy of the internal words and position, enough to continue the exact same sequence. */
  state(): PythonRandomState {
    return { words: Array.from(this.#mt), index: this.#index };
  }

  /** The next 32-bit output word, as an unsigned integer. */
  nextUint32(): number {
    if (this.#index >= N) this.#twist();
    let y = this.#mt[this.#index++] as number;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** A float in [0, 1) with 53 random bits, like `random.random()`. */
  random(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** An integer with `k` random bits (0 <= k <= 32), like `random.getrandbits(k)`. */
  getrandbits(k: number): number {
    if (k === 0) return 0;
    return this.nextUint32() >>> (32 - k);
  }

  /** An integer in [0, n), for 0 < n < 2^32, by rejection exactly as CPython's `_randbelow_with_getrandbits`. */
  randbelow(n: number): number {
    const k = bitLength(n);
    let r = this.getrandbits(k);
    while (r >= n) r = this.getrandbits(k);
    return r;
  }

  /**
   * `k` distinct integers from [0, n) in selection order, the same list as `random.sample(range(n), k)`.
   * CPython switches between a pool (for a large share of n) and a rejection set; both are reproduced because
   * they consume the generator differently.
   */
  sampleRange(n: number, k: number): number[] {
    if (!(k >= 0 && k <= n)) {
      throw new ConfigError('k', `Expected \`k\` to be an integer in [0, ${n}], got \`${describeValue(k)}\``);
    }
    const result = new Array<number>(k);
    let setSize = 21;
    if (k > 5) setSize += 4 ** Math.ceil(Math.log(k * 3) / Math.log(4));
    if (n <= setSize) {
      const pool = Array.from({ length: n }, (_, i) => i);
      for (let i = 0; i < k; i++) {
        const j = this.randbelow(n - i);
        result[i] = pool[j] as number;
        pool[j] = pool[n - i - 1] as number;
      }
    } else {
      const selected = new Set<number>();
      for (let i = 0; i < k; i++) {
        let j = this.randbelow(n);
        while (selected.has(j)) j = this.randbelow(n);
        selected.add(j);
        result[i] = j;
      }
    }
    return result;
  }

  /**
   * `k` draws with replacement, like `random.choices(population, weights, k=k)`: uniform draws use
   * `floor(random() * n)`, weighted ones bisect the cumulative weights.
   */
  choices<T>(population: readonly T[], k: number, weights?: readonly number[]): T[] {
    const n = population.length;
    const out = new Array<T>(k);
    if (weights === undefined) {
      for (let i = 0; i < k; i++) out[i] = population[Math.floor(this.random() * n)] as T;
      return out;
    }
    const cumulative: number[] = [];
    let sum = 0;
    for (const w of weights) cumulative.push((sum += w));
    const total = cumulative[cumulative.length - 1] ?? 0;
    for (let i = 0; i < k; i++) out[i] = population[bisectRight(cumulative, this.random() * total, n - 1)] as T;
    return out;
  }

  #seedByArray(key: readonly number[]): void {
    const mt = this.#mt;
    mt[0] = 19650218;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1] as number;
      mt[i] = Math.imul(1812433253, prev ^ (prev >>> 30)) + i;
    }
    let i = 1;
    let j = 0;
    for (let k = Math.max(N, key.length); k > 0; k--) {
      const prev = mt[i - 1] as number;
      mt[i] = ((mt[i] as number) ^ Math.imul(prev ^ (prev >>> 30), 1664525)) + (key[j] as number) + j;
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1] as number;
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (let k = N - 1; k > 0; k--) {
      const prev = mt[i - 1] as number;
      mt[i] = ((mt[i] as number) ^ Math.imul(prev ^ (prev >>> 30), 1566083941)) - i;
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1] as number;
        i = 1;
      }
    }
    mt[0] = 0x80000000;
    this.#index = N;
  }

  #twist(): void {
    const mt = this.#mt;
    for (let kk = 0; kk < N; kk++) {
      const y = ((mt[kk] as number) & UPPER_MASK) | ((mt[(kk + 1) % N] as number) & LOWER_MASK);
      mt[kk] = (mt[(kk + M) % N] as number) ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    this.#index = 0;
  }
}

/** Bits needed to write `n` (like Python's `int.bit_length`), for 0 <= n < 2^32. */
function bitLength(n: number): number {
  return 32 - Math.clz32(n);
}

function bisectRight(sorted: readonly number[], x: number, hi: number): number {
  let lo = 0;
  let high = hi;
  while (lo < high) {
    const mid = (lo + high) >>> 1;
    if (x < (sorted[mid] as number)) high = mid;
    else lo = mid + 1;
  }
  return lo;
}
