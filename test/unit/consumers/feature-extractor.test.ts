import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError, type FeatureSpec } from '../../../src/core/index.js';
import { FeatureExtractor } from '../../../src/consumers/index.js';

const numeric: FeatureSpec[] = [
  { field: 'a', type: 'numeric' },
  { field: 'b', type: 'numeric', scale: { mean: 2, std: 0.5 } },
  { field: 'c', type: 'numeric' },
];
// One categorical feature more turns the compiled all-numeric row writer off: the general path, as reference.
const general: FeatureSpec[] = [...numeric, { field: 'k', type: 'categorical', encoding: 'one-hot', values: ['u'] }];
const label = { task: 'classification' as const, classes: 2 };

function outcome(x: FeatureExtractor, record: Record<string, unknown>): { row?: number[]; reason?: string } {
  const out = new Float32Array(x.width + 2).fill(7);
  try {
    x.extractInto(record, out, 1);
    return { row: Array.from(out.subarray(1, 4)) };
  } catch (err) {
    if (err instanceof DecodeError) return { reason: err.reason };
    throw err;
  }
}

describe('FeatureExtractor', () => {
  it('property: the compiled numeric row writer agrees with the general path on any record, rejections included', () => {
    const value = fc.oneof(
      fc.double(),
      fc.integer(),
      fc.constantFrom(Number.NaN, Infinity, -Infinity, 1e39, -1e39, 3.4e38),
      fc.string(),
      fc.constant(null),
      fc.constant(undefined),
      fc.boolean(),
      fc.array(fc.integer(), { maxLength: 2 }),
    );
    for (const missing of ['reject', 'zero'] as const) {
      const fast = new FeatureExtractor({ features: numeric, label: { field: 'y' }, missing }, label);
      const ref = new FeatureExtractor({ features: general, label: { field: 'y' }, missing }, label);
      fc.assert(
        fc.property(value, value, value, (a, b, c) => {
          const record = { a, b, c, k: 'u', y: 1 };
          expect(outcome(fast, record)).toEqual(outcome(ref, record));
        }),
        { numRuns: 2000 },
      );
    }
  });

  it('writes only its own row and scales numeric fields', () => {
    const x = new FeatureExtractor({ features: numeric, label: { field: 'y' }, missing: 'reject' }, label);
    const out = new Float32Array(5).fill(7);
    expect(x.extractInto({ a: 1.5, b: 3, c: -2, y: 0 }, out, 1)).toBe(0);
    expect(Array.from(out)).toEqual([7, 1.5, 2, -2, 7]);
  });
});
