import type { FeatureSpec } from '../core/index.js';

/**
 * Writes a record's features into `out[at, at + width)` straight from its UTF-8 JSON bytes and returns the raw
 * label value, or NaN when the record is not one it handles; the caller then takes the general path
 * (`JSON.parse` and the feature extractor), which also gives every rejection its reason. It never rejects.
 */
export type JsonRowScanner = (bytes: Uint8Array, out: Float32Array, at: number) => number;

const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
/** Significant digits that an integer mantissa holds exactly in a double (10^15 < 2^53). */
const EXACT_DIGITS = 15;
const latin1 = new TextDecoder('latin1');
const TRUE = Uint8Array.from([0x74, 0x72, 0x75, 0x65]);
const FALSE = Uint8Array.from([0x66, 0x61, 0x6c, 0x73, 0x65]);
const NULL = Uint8Array.from([0x6e, 0x75, 0x6c, 0x6c]);

// Byte values.
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN = 0x7b;
const CLOSE = 0x7d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

/**
 * A scanner for the common shape of a training record: one flat JSON object whose spec fields (all numeric
 * features, and the label) are plain JSON numbers, each present once, with any other members being numbers,
 * strings without escapes, `true`, `false` or `null`. It reads the bytes once and allocates nothing: no string
 * for the value, no object, no property lookups. Anything else (nested values, escapes, a missing, repeated or
 * non-numeric spec field, a number that is not finite as float32, invalid JSON) returns NaN, so the general path
 * decides, with exactly the result it would have given on its own.
 *
 * Numbers convert exactly as `JSON.parse` does: a mantissa of at most 15 significant digits and a power of ten
 * of at most 22 are both exact doubles, so one multiplication or division rounds correctly (Clinger's fast
 * path); any other number is converted by `Number()` on its text, which rounds correctly too.
 * @see W. D. Clinger, "How to read floating point numbers accurately", PLDI 1990.
 */
export function compileJsonRowScanner(features: readonly FeatureSpec[], labelField: string): JsonRowScanner | undefined {
  if (features.length === 0 || features.length > 256 || !features.every((f) => f.type === 'numeric')) return undefined;
  const fields = [...features.map((f) => f.field), labelField];
  if (new Set(fields).size !== fields.length) return undefined;
  const names = fields.map((f) => new TextEncoder().encode(f));
  const width = features.length;
  const count = fields.length;
  const mean = Float64Array.from(features, (f) => (f.type === 'numeric' && f.scale ? f.scale.mean : 0));
  const std = Float64Array.from(features, (f) => (f.type === 'numeric' && f.scale ? f.scale.std : 1));
  const scaled = features.some((f) => f.type === 'numeric' && f.scale !== undefined);
  // Which spec fields this record has set; a stamp per record instead of clearing.
  const seen = new Uint32Array(count);
  let stamp = 0;

  /** Index of the spec field named by bytes [from, to), or -1; tries `guess` first (records keep one order). */
  const fieldIndex = (b: Uint8Array, from: number, to: number, guess: number): number => {
    const len = to - from;
    for (let k = 0; k < count; k++) {
      const i = guess + k < count ? guess + k : guess + k - count;
      const name = names[i] as Uint8Array;
      if (name.length !== len) continue;
      let j = 0;
      while (j < len && name[j] === b[from + j]) j++;
      if (j === len) return i;
    }
    return -1;
  };

  // One function with local state: the scan is the consumer's hot path (about a microsecond per record).
  return (b, out, at) => {
    stamp = (stamp + 1) >>> 0 || 1;
    const n = b.length;
    let p = 0;
    let c = 0;
    while (p < n && ((c = b[p] as number) === 0x20 || c === 0x0a || c === 0x0d || c === 0x09)) p++;
    if (p >= n || b[p] !== OPEN) return NaN;
    p++;
    while (p < n && ((c = b[p] as number) === 0x20 || c === 0x0a || c === 0x0d || c === 0x09)) p++;
    let found = 0;
    let label = NaN;
    let guess = 0;
    for (;;) {
      if (p >= n || b[p] !== QUOTE) return NaN;
      const keyStart = ++p;
      for (;;) {
        if (p >= n) return NaN;
        c = b[p] as number;
        if (c === QUOTE) break;
        if (c === BACKSLASH || c < 0x20) return NaN;
        p++;
      }
      const keyEnd = p++;
      while (p < n && ((c = b[p] as number) === 0x20 || c === 0x0a || c === 0x0d || c === 0x09)) p++;
      if (p >= n || b[p] !== COLON) return NaN;
      p++;
      while (p < n && ((c = b[p] as number) === 0x20 || c === 0x0a || c === 0x0d || c === 0x09)) p++;
      if (p >= n) return NaN;
      const i = fieldIndex(b, keyStart, keyEnd, guess);
      c = b[p] as number;
      if (c === MINUS || (c >= ZERO && c <= NINE)) {
        // A JSON number, strict grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
        const start = p;
        const negative = c === MINUS;
        if (negative && ++p >= n) return NaN;
        c = b[p] as number;
        let mantissa = 0;
        let digits = 0;
        let exponent = 0;
        let exact = true;
        if (c === ZERO) {
          p++;
        } else if (c > ZERO && c <= NINE) {
          while (p < n && (c = b[p] as number) >= ZERO && c <= NINE) {
            if (digits < EXACT_DIGITS) {
              mantissa = mantissa * 10 + (c - ZERO);
              digits++;
            } else exact = false;
            p++;
          }
        } else return NaN;
        if (p < n && b[p] === DOT) {
          p++;
          if (p >= n || (c = b[p] as number) < ZERO || c > NINE) return NaN;
          while (p < n && (c = b[p] as number) >= ZERO && c <= NINE) {
            if (mantissa === 0 && c === ZERO) exponent--;
            else if (digits < EXACT_DIGITS) {
              mantissa = mantissa * 10 + (c - ZERO);
              digits++;
              exponent--;
            } else exact = false;
            p++;
          }
        }
        if (p < n && ((c = b[p] as number) === 0x65 || c === 0x45)) {
          p++;
          const sign = p < n && b[p] === MINUS ? -1 : 1;
          if (p < n && (b[p] === MINUS || b[p] === PLUS)) p++;
          if (p >= n || (c = b[p] as number) < ZERO || c > NINE) return NaN;
          let e = 0;
          while (p < n && (c = b[p] as number) >= ZERO && c <= NINE) {
            if (e < 100_000) e = e * 10 + (c - ZERO);
            p++;
          }
          exponent += sign * e;
        }
        let v: number;
        if (exact && exponent <= 22 && exponent >= -22) {
          v = exponent >= 0 ? mantissa * (POW10[exponent] as number) : mantissa / (POW10[-exponent] as number);
          if (negative) v = -v;
        } else v = Number(latin1.decode(b.subarray(start, p)));
        if (i >= 0) {
          if (seen[i] === stamp) return NaN;
          seen[i] = stamp;
          found++;
          guess = i + 1 === count ? 0 : i + 1;
          if (i < width) {
            out[at + i] = scaled ? (v - (mean[i] as number)) / (std[i] as number) : v;
            if (!Number.isFinite(out[at + i])) return NaN;
          } else label = v;
        }
      } else {
        // Not a spec field's value: a string without escapes, true, false or null; anything else is NaN.
        if (i >= 0) return NaN;
        if (c === QUOTE) {
          p++;
          for (;;) {
            if (p >= n) return NaN;
            c = b[p++] as number;
            if (c === QUOTE) break;
            if (c === BACKSLASH || c < 0x20) return NaN;
          }
        } else {
          const word = c === 0x74 ? TRUE : c === 0x66 ? FALSE : c === 0x6e ? NULL : undefined;
          if (word === undefined || p + word.length > n) return NaN;
          for (let j = 0; j < word.length; j++) if (b[p + j] !== word[j]) return NaN;
          p += word.length;
        }
      }
      while (p < n && ((c = b[p] as number) === 0x20 || c === 0x0a || c === 0x0d || c === 0x09)) p++;
      if (p >= n) return NaN;
      c = b[p++] as number;
      if (c === COMMA) {
        while (p < n && ((c = b[p] as number) === 0x20 || c === 0x0a || c === 0x0d || c === 0x09)) p++;
        continue;
      }
      if (c !== CLOSE) return NaN;
      break;
    }
    while (p < n && ((c = b[p] as number) === 0x20 || c === 0x0a || c === 0x0d || c === 0x09)) p++;
    return p === n && found === count ? label : NaN;
  };
}
