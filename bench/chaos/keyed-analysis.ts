/**
 * What the keyed chaos run checks once everything has stopped, per partition and per key:
 *
 *   - each partition's published checkpoints (its LATEST back through parents) tile [0, end) of the topic
 *     partition with no gap and no overlap, each checkpoint's `records` is the length of its range, epochs never
 *     go back along the lineage and each epoch has one writer;
 *   - each key (every Kafka key in the topic, every key a partition head names) is listed by the head of its
 *     home partition only; its own lineage (from that head back through first parents) adds up, increment by
 *     increment, to the records in the topic with that key, and so do its newest version's total and the
 *     partition head's count; every version of it was published by a checkpoint of the partition lineage (a
 *     version written by a fenced owner, or by one that crashed before moving LATEST, is never in a lineage).
 *
 * keyedLost = records of a key not in its lineage + records applied more than once, summed over keys.
 */
import { keyLineage, partitionLineage, type ObjectStore, type PartitionManifest } from '../../src/checkpoints/index.js';
import { homePartition } from '../../src/consumers/index.js';

export interface KeyedPartitionCheck {
  readonly partition: number;
  readonly topicEnd: number;
  readonly checkpoints: number;
  readonly lineageEnd: number;
  readonly recordsSum: number;
  readonly gaps: { from: number; to: number; before: string }[];
  readonly overlaps: { from: number; to: number; version: string }[];
  /** Checkpoints whose `records` is not the length of their offset range. */
  readonly recordCountMismatches: string[];
  readonly epochs: number;
  readonly epochWentBack: string[];
  readonly writers: Record<string, number>;
  /** Epochs whose checkpoints name more than one writer. */
  readonly epochsWithTwoWriters: number[];
  readonly keys: number;
  /** Keys the head lists whose home partition is another one. */
  readonly foreignKeys: string[];
  readonly exact: boolean;
}

export interface KeyCheck {
  readonly key: string;
  readonly partition: number;
  readonly produced: number;
  readonly versions: number;
  readonly sumOfIncrements: number;
  readonly total: number | null;
  readonly headSamples: number | null;
  readonly lost: number;
  readonly appliedTwice: number;
  /** Versions of the key's lineage that no checkpoint of its partition's lineage published. */
  readonly unpublished: string[];
  readonly firstHasParent: boolean;
  readonly error?: string;
  readonly exact: boolean;
}

export interface KeyedCheck {
  readonly produced: number;
  readonly partitions: KeyedPartitionCheck[];
  readonly keysProduced: number;
  readonly keysInHeads: number;
  readonly keysVerified: number;
  readonly keyedLost: number;
  readonly lost: number;
  readonly appliedTwice: number;
  readonly keyVersions: number;
  readonly unpublishedVersionsInLineages: number;
  readonly missingKeys: string[];
  readonly unexpectedKeys: string[];
  readonly failingKeys: KeyCheck[];
  readonly exact: boolean;
}

async function pool<T, R>(items: readonly T[], width: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i] as T);
      }
    }),
  );
  return out;
}

function checkPartition(p: number, lineage: readonly PartitionManifest[], topicEnd: number, partitions: number): KeyedPartitionCheck {
  const gaps: KeyedPartitionCheck['gaps'] = [];
  const overlaps: KeyedPartitionCheck['overlaps'] = [];
  const recordCountMismatches: string[] = [];
  const epochWentBack: string[] = [];
  const writers: Record<string, number> = {};
  const writerOfEpoch = new Map<number, Set<string>>();
  let at = 0;
  let recordsSum = 0;
  let maxEpoch = 0;
  for (const m of lineage) {
    const from = Number(m.offsets.from);
    const to = Number(m.offsets.to);
    if (from > at) gaps.push({ from: at, to: from, before: m.version });
    if (from < at) overlaps.push({ from, to: Math.min(at, to), version: m.version });
    at = Math.max(at, to);
    recordsSum += m.records;
    if (m.records !== to - from) recordCountMismatches.push(`${m.version}: ${m.records} records for [${from}, ${to})`);
    if (m.epoch < maxEpoch) epochWentBack.push(`${m.version}: epoch ${m.epoch} after ${maxEpoch}`);
    maxEpoch = Math.max(maxEpoch, m.epoch);
    writers[m.writer] = (writers[m.writer] ?? 0) + 1;
    const w = writerOfEpoch.get(m.epoch) ?? new Set<string>();
    w.add(m.writer);
    writerOfEpoch.set(m.epoch, w);
  }
  if (at < topicEnd) gaps.push({ from: at, to: topicEnd, before: 'end of the lineage' });
  if (at > topicEnd) overlaps.push({ from: topicEnd, to: at, version: 'beyond the end of the topic' });
  const head = lineage[lineage.length - 1];
  const keys = Object.keys(head?.keys ?? {});
  const foreignKeys = keys.filter((k) => homePartition(k, partitions) !== p);
  const epochsWithTwoWriters = [...writerOfEpoch].filter(([, w]) => w.size > 1).map(([e]) => e);
  const firstOk = lineage.length === 0 ? topicEnd === 0 : lineage[0]?.parent === null;
  return {
    partition: p,
    topicEnd,
    checkpoints: lineage.length,
    lineageEnd: at,
    recordsSum,
    gaps: gaps.slice(0, 20),
    overlaps: overlaps.slice(0, 20),
    recordCountMismatches: recordCountMismatches.slice(0, 20),
    epochs: writerOfEpoch.size,
    epochWentBack: epochWentBack.slice(0, 20),
    writers,
    epochsWithTwoWriters,
    keys: keys.length,
    foreignKeys,
    exact:
      firstOk &&
      gaps.length === 0 &&
      overlaps.length === 0 &&
      recordsSum === topicEnd &&
      recordCountMismatches.length === 0 &&
      epochWentBack.length === 0 &&
      epochsWithTwoWriters.length === 0 &&
      foreignKeys.length === 0,
  };
}

/** The exactness checks of a keyed model; `ends[p]` is the end offset of partition p, `perKey` the records per key in the topic. */
export async function checkKeyedLineage(
  store: ObjectStore,
  model: string,
  topic: string,
  ends: readonly number[],
  perKey: ReadonlyMap<string, number>,
): Promise<KeyedCheck> {
  const P = ends.length;
  const lineages = await Promise.all(ends.map((_, p) => partitionLineage(store, model, topic, p)));
  const partitions = lineages.map((l, p) => checkPartition(p, l, ends[p] ?? 0, P));
  // Each key's head (from its home partition's newest checkpoint) and every version of it the partition lineage published.
  const heads = new Map<string, { partition: number; version: string; samples: number }>();
  const published = new Map<string, Set<string>>();
  lineages.forEach((lineage, p) => {
    for (const m of lineage)
      for (const [key, h] of Object.entries(m.keys)) {
        const set = published.get(key) ?? new Set<string>();
        set.add(h.version);
        published.set(key, set);
      }
    for (const [key, h] of Object.entries(lineage[lineage.length - 1]?.keys ?? {})) if (homePartition(key, P) === p) heads.set(key, { partition: p, ...h });
  });
  const allKeys = [...new Set([...perKey.keys(), ...heads.keys()])].sort();
  const keyChecks = await pool(allKeys, 8, async (key): Promise<KeyCheck> => {
    const produced = perKey.get(key) ?? 0;
    const head = heads.get(key);
    const partition = homePartition(key, P);
    if (!head) {
      return {
        key,
        partition,
        produced,
        versions: 0,
        sumOfIncrements: 0,
        total: null,
        headSamples: null,
        lost: produced,
        appliedTwice: 0,
        unpublished: [],
        firstHasParent: false,
        error: 'no head in its partition',
        exact: produced === 0,
      };
    }
    try {
      const lineage = await keyLineage(store, model, key, head.version);
      const sum = lineage.reduce((s, m) => s + m.samples.sinceParent, 0);
      const total = lineage[lineage.length - 1]?.samples.total ?? null;
      const pub = published.get(key) ?? new Set<string>();
      const unpublished = lineage.map((m) => m.version).filter((v) => !pub.has(v));
      const firstHasParent = (lineage[0]?.parents.length ?? 0) > 0;
      return {
        key,
        partition,
        produced,
        versions: lineage.length,
        sumOfIncrements: sum,
        total,
        headSamples: head.samples,
        lost: Math.max(0, produced - sum),
        appliedTwice: Math.max(0, sum - produced),
        unpublished,
        firstHasParent,
        exact: sum === produced && total === produced && head.samples === produced && unpublished.length === 0 && !firstHasParent,
      };
    } catch (err) {
      return {
        key,
        partition,
        produced,
        versions: 0,
        sumOfIncrements: 0,
        total: null,
        headSamples: head.samples,
        lost: produced,
        appliedTwice: 0,
        unpublished: [],
        firstHasParent: false,
        error: (err as Error).message,
        exact: false,
      };
    }
  });
  const lost = keyChecks.reduce((s, k) => s + k.lost, 0);
  const appliedTwice = keyChecks.reduce((s, k) => s + k.appliedTwice, 0);
  const verified = keyChecks.filter((k) => k.exact && k.produced > 0).length;
  const failing = keyChecks.filter((k) => !k.exact);
  const missingKeys = [...perKey.keys()].filter((k) => !heads.has(k));
  const unexpectedKeys = [...heads.keys()].filter((k) => !perKey.has(k));
  return {
    produced: ends.reduce((a, b) => a + b, 0),
    partitions,
    keysProduced: perKey.size,
    keysInHeads: heads.size,
    keysVerified: verified,
    keyedLost: lost + appliedTwice,
    lost,
    appliedTwice,
    keyVersions: keyChecks.reduce((s, k) => s + k.versions, 0),
    unpublishedVersionsInLineages: keyChecks.reduce((s, k) => s + k.unpublished.length, 0),
    missingKeys: missingKeys.slice(0, 50),
    unexpectedKeys: unexpectedKeys.slice(0, 50),
    failingKeys: failing.slice(0, 30),
    exact: partitions.every((p) => p.exact) && failing.length === 0 && missingKeys.length === 0 && unexpectedKeys.length === 0 && lost + appliedTwice === 0,
  };
}
