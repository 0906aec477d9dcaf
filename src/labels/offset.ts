/**
 * A Kafka offset in memory: a number when it is at most `Number.MAX_SAFE_INTEGER` (2^53 - 1, exact as a double;
 * every offset a real partition reaches), a bigint above. Kafka offsets are int64, delivered as decimal strings.
 * The form is canonical (a value has one representation), so `===` compares two offsets, and `<` compares them
 * whatever their forms (JavaScript compares a number with a bigint by value).
 */
export type Offset = number | bigint;

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const MAX_SAFE_BIG = BigInt(MAX_SAFE);
/** Decimal strings shorter than this are below 10^15 < 2^53: `Number` parses them exactly. */
const SHORT = 16;

/** The canonical offset of a decimal string (an int64 as kafkajs delivers it). */
export function parseOffset(s: string): Offset {
  if (s.length < SHORT) return Number(s);
  return toOffset(BigInt(s));
}

/** The canonical form of an offset given as a bigint or a safe integer. */
export function toOffset(o: bigint | number): Offset {
  if (typeof o === 'number') return o;
  return o <= MAX_SAFE_BIG && o >= -MAX_SAFE_BIG ? Number(o) : o;
}

/** The offset after `o`, canonical (MAX_SAFE_INTEGER + 1 is a bigint). */
export function nextOffset(o: Offset): Offset {
  if (typeof o === 'number') return o < MAX_SAFE ? o + 1 : BigInt(o) + 1n;
  return o + 1n;
}

/** The offset as a bigint (the tracker's public form). */
export function offsetBig(o: Offset): bigint {
  return typeof o === 'bigint' ? o : BigInt(o);
}

/** -1, 0 or 1 as `a` is below, at or above `b`. */
export function compareOffsets(a: Offset, b: Offset): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
