/**
 * JSON encoding of detector and sketch state, and a checked reader for restoring it.
 *
 * JSON has no Infinity and loses the sign of zero, yet several detectors start from ±Infinity (River's DDM keeps
 * `ps_min = inf`, HDDM-W its cut points). Such numbers are written as strings so a round trip through
 * `JSON.stringify` gives back the very same float64 values, and a restored detector continues bit for bit.
 */
import { ConfigError, describeValue } from '../core/errors.js';
import type { JsonValue } from './detector.js';
import { checkNumber, type NumberRange } from './params.js';

export type EncodedNumber = number | 'Infinity' | '-Infinity' | '-0';

export function encodeNumber(x: number): EncodedNumber {
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (Object.is(x, -0)) return '-0';
  return x;
}

export function encodeNumbers(xs: ArrayLike<number>): EncodedNumber[] {
  return Array.from(xs, encodeNumber);
}

function decodeNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (value === 'Infinity') return Infinity;
  if (value === '-Infinity') return -Infinity;
  if (value === '-0') return -0;
  return undefined;
}

/** Reads fields of a snapshot object, throwing {@link ConfigError} with the field's path on anything malformed. */
export class StateReader {
  private constructor(
    private readonly fields: Readonly<Record<string, unknown>>,
    private readonly path: string,
  ) {}

  static of(value: unknown, path: string): StateReader {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ConfigError(path, `Expected \`${path}\` to be an object, got \`${describeValue(value)}\``);
    }
    return new StateReader(value as Record<string, unknown>, path);
  }

  private at(key: string): string {
    return `${this.path}.${key}`;
  }

  /** A number (plain or encoded), not NaN; ±Infinity only when `allowInfinite`. */
  number(key: string, options: NumberRange & { readonly allowInfinite?: boolean } = {}): number {
    const raw = this.fields[key];
    const x = decodeNumber(raw);
    const field = this.at(key);
    if (x === undefined || Number.isNaN(x)) {
      throw new ConfigError(field, `Expected \`${field}\` to be a number, got \`${describeValue(raw)}\``);
    }
    if (!Number.isFinite(x) && options.allowInfinite) return x;
    return checkNumber(field, x, options);
  }

  /** A number or null. */
  nullableNumber(key: string): number | null {
    return this.fields[key] === null ? null : this.number(key);
  }

  boolean(key: string): boolean {
    const raw = this.fields[key];
    if (typeof raw !== 'boolean') {
      const field = this.at(key);
      throw new ConfigError(field, `Expected \`${field}\` to be a boolean, got \`${describeValue(raw)}\``);
    }
    return raw;
  }

  /** An array of finite numbers, optionally of an exact length. */
  numbers(key: string, length?: number, range: NumberRange = {}): number[] {
    const raw = this.fields[key];
    const field = this.at(key);
    if (!Array.isArray(raw) || (length !== undefined && raw.length !== length)) {
      const want = length === undefined ? 'an array of numbers' : `an array of ${length} numbers`;
      throw new ConfigError(field, `Expected \`${field}\` to be ${want}, got \`${describeValue(raw)}\``);
    }
    return raw.map((v, i) => {
      const x = decodeNumber(v);
      const item = `${field}[${i}]`;
      if (x === undefined) throw new ConfigError(item, `Expected \`${item}\` to be a number, got \`${describeValue(v)}\``);
      return checkNumber(item, x, range);
    });
  }

  child(key: string): StateReader {
    return StateReader.of(this.fields[key], this.at(key));
  }

  children(key: string): StateReader[] {
    const raw = this.fields[key];
    const field = this.at(key);
    if (!Array.isArray(raw)) throw new ConfigError(field, `Expected \`${field}\` to be an array, got \`${describeValue(raw)}\``);
    return raw.map((v, i) => StateReader.of(v, `${field}[${i}]`));
  }

  /** Fails with a message naming `key` when a cross-field invariant does not hold. */
  require(condition: boolean, key: string, expectation: string): void {
    if (!condition) {
      const field = this.at(key);
      throw new ConfigError(field, `Expected \`${field}\` to ${expectation}`);
    }
  }
}

/** Narrows a JSON-like record for the snapshot types. */
export function asJson<T extends Record<string, JsonValue>>(value: T): T {
  return value;
}
