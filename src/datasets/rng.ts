/**
 * A small seeded pseudo-random generator, so that a stream is a pure function of its seed on every platform
 * (`Math.random` cannot be seeded).
 *
 * The generator is xoshiro128** (Blackman & Vigna): 128 bits of state, period 2^128 − 1, 32-bit output, only
 * 32-bit integer operations (`Math.imul`, shifts), which JavaScript does exactly and fast. Its state is filled from
 * the seed by a SplitMix-style sequence (golden-ratio increment + the murmur3 finalizer), the initialisation the
 * xoshiro authors recommend, which never yields the forbidden all-zero state.
 *
 * @see D. Blackman and S. Vigna, "Scrambled linear pseudorandom number generators", ACM TOMS 47(4), 2021.
 * @see https://prng.di.unimi.it/xoshiro128starstar.c
 */
import { checkInteger, checkSeed } from './validate.js';

export interface Rng {
  /** A uniform float in [0, 1) (32 random bits; never 1). */
  next(): number;
  /** A uniform unsigned 32-bit integer. */
  uint32(): number;
  /** A uniform float in [min, max). */
  uniform(min: number, max: number): number;
}

const TWO_POW_32 = 4_294_967_296;

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** The murmur3 32-bit finalizer: a bijection on 32-bit integers with good avalanche. */
function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The raw xoshiro128** step on an explicit state (four unsigned 32-bit words, mutated in place). Exported for the
 * known-answer test only; use {@link createRng}.
 */
export function xoshiro128ss(s: Uint32Array): number {
  const s0 = s[0]!;
  const s1 = s[1]!;
  const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
  const t = s1 << 9;
  const s2 = s[2]! ^ s0;
  const s3 = s[3]! ^ s1;
  s[1] = s1 ^ s2;
  s[0] = s0 ^ s3;
  s[2] = s2 ^ t;
  s[3] = rotl(s3, 11);
  return result;
}

/**
 * Creates a generator whose output depends only on `seed` (any safe integer) and `stream` (an integer >= 0 that
 * picks an independent sequence for the same seed: a generator can draw its features and its drift decisions from
 * two streams, so that changing the drift settings leaves the feature values untouched).
 *
 * @example
 * const rng = createRng(42);
 * rng.next(); // same value on every run and every platform
 */
export function createRng(seed: number, stream = 0): Rng {
  checkSeed('seed', seed);
  checkInteger('stream', stream, 0, 0xffffffff);
  const low = seed >>> 0;
  const high = Math.floor(seed / TWO_POW_32) >>> 0;
  let mix = (low ^ fmix32(high ^ 0x6a09e667) ^ fmix32(stream + 0x3c6ef372)) >>> 0;
  const state = new Uint32Array(4);
  for (let i = 0; i < 4; i += 1) {
    mix = (mix + 0x9e3779b9) >>> 0;
    state[i] = fmix32(mix);
  }
  const uint32 = (): number => xoshiro128ss(state);
  const next = (): number => uint32() / TWO_POW_32;
  return {
    next,
    uint32,
    uniform: (min, max) => min + (max - min) * next(),
  };
}
