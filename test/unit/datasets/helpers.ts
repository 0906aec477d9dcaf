import type { DatasetRecord } from '../../../src/datasets/index.js';

/** The first `n` records of a (possibly endless) iterable. */
export function take(source: Iterable<DatasetRecord>, n: number): DatasetRecord[] {
  const out: DatasetRecord[] = [];
  if (n <= 0) return out;
  for (const record of source) {
    out.push(record);
    if (out.length >= n) break;
  }
  return out;
}

export function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}
