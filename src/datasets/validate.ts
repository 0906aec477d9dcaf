/**
 * Option checks shared by the dataset factories. Each throws a {@link ConfigError} whose message names the field
 * and shows the rejected value, e.g. "Expected `noise` to be a number in [0, 1], got `-1`".
 */
import { ConfigError, describeValue } from '../core/errors.js';

function shown(value: unknown): string {
  return `\`${describeValue(value)}\``;
}

export function checkSeed(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new ConfigError(field, `Expected \`${field}\` to be a safe integer, got ${shown(value)}`);
  }
  return value;
}

export function checkInteger(field: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
    throw new ConfigError(field, `Expected \`${field}\` to be an integer ${range}, got ${shown(value)}`);
  }
  return value;
}

/** A stream length: an integer >= 1, or `Infinity` for an endless stream. */
export function checkLength(field: string, value: unknown): number {
  if (value === Number.POSITIVE_INFINITY) return value;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ConfigError(field, `Expected \`${field}\` to be an integer >= 1 or Infinity, got ${shown(value)}`);
  }
  return value;
}

export function checkNumberIn(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new ConfigError(field, `Expected \`${field}\` to be a number in [${min}, ${max}], got ${shown(value)}`);
  }
  return value;
}

export function checkNonNegative(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ConfigError(field, `Expected \`${field}\` to be a finite number >= 0, got ${shown(value)}`);
  }
  return value;
}

export function checkFiniteList(field: string, value: unknown): number[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new ConfigError(field, `Expected \`${field}\` to be a non-empty array of finite numbers, got ${shown(value)}`);
  }
  value.forEach((v: unknown, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new ConfigError(field, `Expected \`${field}[${i}]\` to be a finite number, got ${shown(v)}`);
    }
  });
  return [...(value as number[])];
}

/** Strictly increasing integer indices inside the stream: each in [1, length). */
export function checkIndices(field: string, value: unknown, length: number): number[] {
  if (!Array.isArray(value)) {
    throw new ConfigError(field, `Expected \`${field}\` to be an array of record indices, got ${shown(value)}`);
  }
  let previous = 0;
  value.forEach((v: unknown, i) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= previous || v >= length) {
      const lower = i === 0 ? '>= 1' : `> ${previous} (strictly increasing)`;
      throw new ConfigError(field, `Expected \`${field}[${i}]\` to be an integer ${lower} and < ${length}, got ${shown(v)}`);
    }
    previous = v;
  });
  return [...(value as number[])];
}
