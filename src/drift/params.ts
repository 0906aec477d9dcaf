/**
 * Parameter checks shared by the detectors and the data-drift monitor. Each check throws a {@link ConfigError}
 * naming the field, the accepted range and the rejected value, e.g.
 * "Expected `delta` to be a number in (0, 1), got `2`".
 */
import { ConfigError, describeValue } from '../core/errors.js';

export interface NumberRange {
  /** Lowest accepted value. */
  readonly min?: number;
  /** Highest accepted value. */
  readonly max?: number;
  /** `min` itself is excluded. */
  readonly minOpen?: boolean;
  /** `max` itself is excluded. */
  readonly maxOpen?: boolean;
  /** Only integers. */
  readonly integer?: boolean;
}

function describeRange(range: NumberRange): string {
  const what = range.integer ? 'an integer' : 'a number';
  const { min, max } = range;
  if (min !== undefined && max !== undefined) {
    return `${what} in ${range.minOpen ? '(' : '['}${min}, ${max}${range.maxOpen ? ')' : ']'}`;
  }
  if (min !== undefined) return `${what} ${range.minOpen ? '>' : '>='} ${min}`;
  if (max !== undefined) return `${what} ${range.maxOpen ? '<' : '<='} ${max}`;
  return `a finite ${range.integer ? 'integer' : 'number'}`;
}

/** Returns `value` when it is a finite number inside `range`, throws a {@link ConfigError} otherwise. */
export function checkNumber(field: string, value: unknown, range: NumberRange = {}): number {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!range.integer || Number.isInteger(value)) &&
    (range.min === undefined || (range.minOpen ? value > range.min : value >= range.min)) &&
    (range.max === undefined || (range.maxOpen ? value < range.max : value <= range.max));
  if (!ok) throw new ConfigError(field, `Expected \`${field}\` to be ${describeRange(range)}, got \`${describeValue(value)}\``);
  return value as number;
}

export function checkBoolean(field: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new ConfigError(field, `Expected \`${field}\` to be a boolean, got \`${describeValue(value)}\``);
  return value;
}

export function checkOneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    const list = allowed.map((a) => `'${a}'`).join(', ');
    throw new ConfigError(field, `Expected \`${field}\` to be one of ${list}, got \`${describeValue(value)}\``);
  }
  return value as T;
}

/**
 * Checks that `params` is a plain object (or undefined) whose keys are all known, so a misspelt parameter fails
 * loudly instead of silently falling back to its default.
 */
export function checkParamsObject(owner: string, params: unknown, known: readonly string[]): Readonly<Record<string, unknown>> {
  if (params === undefined) return {};
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new ConfigError('params', `Expected the parameters of ${owner} to be an object, got \`${describeValue(params)}\``);
  }
  for (const key of Object.keys(params)) {
    if (!known.includes(key)) {
      const list = known.map((k) => `\`${k}\``).join(', ');
      throw new ConfigError(key, `Expected the parameters of ${owner} to be among ${list}, got \`${key}\``);
    }
  }
  return params as Readonly<Record<string, unknown>>;
}

/** The given value when present, the default otherwise (`undefined` means "use the default"). */
export function orDefault<T>(value: unknown, fallback: T): unknown {
  return value === undefined ? fallback : value;
}
