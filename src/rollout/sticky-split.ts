import type { RolloutArm } from '../core/decision.js';
import { hashPair } from './hash.js';

const TWO_POW_32 = 4_294_967_296;

/**
 * The bucket of a request key in [0, 1): `hash / 2^32`, where `hash` is FNV-1a (32-bit) over the UTF-8 bytes of
 * `salt`, a 0x00 byte and `key`, passed through the murmur3 finalizer (src/rollout/hash.ts). Every replica and
 * process computes the same bucket for the same key and salt; a new salt (e.g. per rollout) reshuffles the keys.
 */
export function bucketOf(key: string, salt: string): number {
  return hashPair(salt, key) / TWO_POW_32;
}

/**
 * The candidate major that serves `bucket`, or undefined for the champion. The arms' shares are laid out one after
 * the other from 0: arm 0 holds [0, share₀), arm 1 [share₀, share₀ + share₁), and so on; the rest of [0, 1) is the
 * champion's. Raising one canary's share therefore keeps every bucket it held (the ramp is monotone). Arms with a
 * share of 0 (shadow, interleave) hold no bucket.
 */
export function armFor(bucket: number, arms: readonly RolloutArm[]): number | undefined {
  let end = 0;
  for (const arm of arms) {
    if (!(arm.share > 0)) continue;
    end += arm.share;
    if (bucket < end) return arm.major;
  }
  return undefined;
}
