import { expect } from 'vitest';
import { keyLineage, partitionLineage, type ObjectStore, type PartitionManifest } from '../../src/checkpoints/index.js';

/** Records for keyed tests: SEA-like features whose concept depends on the key, and the key in `tenant`. */
export function keyedRecords(count: number, keys: number, seed = 1): { tenant: string; x1: number; x2: number; x3: number; y: number }[] {
  let s = seed >>> 0;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  return Array.from({ length: count }, () => {
    const k = Math.floor(rnd() * keys);
    const x1 = Math.round(rnd() * 1e6) / 1e5;
    const x2 = Math.round(rnd() * 1e6) / 1e5;
    const x3 = Math.round(rnd() * 1e6) / 1e5;
    return { tenant: `t${k}`, x1, x2, x3, y: x1 + x2 <= 7 + (k % 5) ? 1 : 0 };
  });
}

/**
 * Asserts the exactly-once effect of a keyed model: on every partition the checkpoints' offset ranges tile
 * [0, end) and their record counts add up to `end`; every key's lineage adds up to the records produced for it,
 * and its head's total says the same. Returns the partition lineages.
 */
export async function expectExactKeyedLineage(
  store: ObjectStore,
  model: string,
  topic: string,
  ends: readonly bigint[],
  produced: ReadonlyMap<string, number>,
): Promise<PartitionManifest[][]> {
  const lineages: PartitionManifest[][] = [];
  const heads = new Map<string, string>();
  for (let p = 0; p < ends.length; p++) {
    const lineage = await partitionLineage(store, model, topic, p);
    lineages.push(lineage);
    let at = 0n;
    for (const m of lineage) {
      expect(m.offsets.from, `${topic}-${p} ${m.version} starts where its parent ended`).toBe(String(at));
      at = BigInt(m.offsets.to);
    }
    expect(at, `${topic}-${p} checkpointed to its end`).toBe(ends[p]);
    expect(lineage.reduce((s, m) => s + m.records, 0)).toBe(Number(ends[p]));
    for (const [key, h] of Object.entries(lineage[lineage.length - 1]?.keys ?? {})) heads.set(key, h.version);
  }
  expect([...heads.keys()].sort()).toEqual([...produced.keys()].sort());
  for (const [key, count] of produced) {
    const lineage = await keyLineage(store, model, key, heads.get(key) as string);
    expect(
      lineage.reduce((s, m) => s + m.samples.sinceParent, 0),
      `increments of ${key}`,
    ).toBe(count);
    expect(lineage[lineage.length - 1]?.samples.total, `total of ${key}`).toBe(count);
  }
  return lineages;
}
