import { expect } from 'vitest';
import { readLatestPointer, readManifest, type ObjectStore } from '../../src/checkpoints/index.js';
import type { Manifest } from '../../src/core/index.js';

/** The published lineage, oldest first: from LATEST back through first parents to the first version. */
export async function readLineage(store: ObjectStore, model: string): Promise<Manifest[]> {
  const lineage: Manifest[] = [];
  let v = await readLatestPointer(store, model);
  while (v) {
    const m = await readManifest(store, model, v);
    lineage.unshift(m);
    v = m.parents[0];
  }
  return lineage;
}

/**
 * Asserts the exactly-once effect: the lineage's increments add up to its total, which is `expectedSamples`,
 * and on every partition the offset ranges tile [0, end) with no gap and no overlap. Returns each
 * partition's end offset.
 */
export function expectExactLineage(lineage: readonly Manifest[], expectedSamples: number): Map<number, bigint> {
  // The root has no parent. It is 1.0 unless a process was killed while writing its first version: that name is
  // then taken, and the next process's first version is a new major (2.0).
  expect(lineage[0]?.parents).toEqual([]);
  expect(lineage[0]?.version.endsWith('.0')).toBe(true);
  expect(lineage[lineage.length - 1]?.samples.total).toBe(expectedSamples);
  expect(lineage.reduce((sum, m) => sum + m.samples.sinceParent, 0)).toBe(expectedSamples);
  const end = new Map<number, bigint>();
  for (const m of lineage) {
    for (const r of m.offsets) {
      expect(r.from, `${m.version} partition ${r.partition} starts where its parent ended`).toBe(String(end.get(r.partition) ?? 0n));
      expect(BigInt(r.to) >= BigInt(r.from)).toBe(true);
      end.set(r.partition, BigInt(r.to));
    }
  }
  return end;
}
