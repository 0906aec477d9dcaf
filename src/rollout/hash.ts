/**
 * The one string hash of the rollout code, identical on every replica and process: FNV-1a (32-bit) over the
 * UTF-8 bytes of the string, then the murmur3 32-bit finalizer, so that keys differing only in their last
 * character still spread over all 32 bits. Only 32-bit integer operations (`Math.imul`, shifts): the same
 * result on every platform.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a over one byte. */
function step(h: number, byte: number): number {
  return Math.imul(h ^ byte, FNV_PRIME);
}

/** Feeds the UTF-8 encoding of `s` (lone surrogates as U+FFFD, as `TextEncoder` does) into the FNV-1a state `h`. */
export function fnv1aUtf8(s: string, h: number = FNV_OFFSET): number {
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
      } else c = 0xfffd;
    }
    if (c < 0x80) h = step(h, c);
    else if (c < 0x800) h = step(step(h, 0xc0 | (c >> 6)), 0x80 | (c & 0x3f));
    else if (c < 0x10000) h = step(step(step(h, 0xe0 | (c >> 12)), 0x80 | ((c >> 6) & 0x3f)), 0x80 | (c & 0x3f));
    else h = step(step(step(step(h, 0xf0 | (c >> 18)), 0x80 | ((c >> 12) & 0x3f)), 0x80 | ((c >> 6) & 0x3f)), 0x80 | (c & 0x3f));
  }
  return h >>> 0;
}

/** The murmur3 32-bit finalizer: a bijection on 32-bit integers with full avalanche. */
export function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** FNV-1a of `a`, a 0x00 byte, then `b`, finalized: an unsigned 32-bit integer. */
export function hashPair(a: string, b: string): number {
  return fmix32(fnv1aUtf8(b, step(fnv1aUtf8(a), 0)));
}
