import type { Manifest, OffsetRange, PartitionKey, RecordChunk, RetrainLineage } from '../core/index.js';
import { parsePartitionKey, partitionKey } from '../core/index.js';

/** One source partition in a retrain: replayed over `[start, stop)`, then raced from `stop` on. */
export interface PartitionPlan {
  readonly topic: string;
  readonly partition: number;
  /** The first offset the candidate learns: the oldest one retained, or the first at or after the time given. */
  readonly start: bigint;
  /** Where the live model stood (its LATEST checkpoint's `to`): the replay ends here and the race begins. */
  readonly stop: bigint;
}

/** What the broker holds of one partition: `low` is the oldest offset retained, `high` the next to be written. */
export interface PartitionExtent {
  readonly topic: string;
  readonly partition: number;
  readonly low: bigint;
  readonly high: bigint;
}

/**
 * The replay of every source partition. `seek` holds, per partition, the first offset at or after the time the
 * replay starts from (kafkajs `fetchTopicOffsetsByTimestamp`; -1 when no record is that new); absent, the replay
 * starts at the oldest offset retained. It stops where the live model's checkpoint stands, so the race that
 * follows scores both models on records neither has learned. Where the live model stands before the start (the
 * time given is later, or retention dropped records it had not learned yet) nothing is replayed and the race
 * starts at the start; a partition the live model never read is raced from the start.
 * @throws RangeError when the live model stands past what the broker holds (the topic was recreated).
 */
export function planReplay(o: {
  readonly partitions: readonly PartitionExtent[];
  readonly live: readonly OffsetRange[];
  readonly seek?: ReadonlyMap<PartitionKey, bigint>;
}): PartitionPlan[] {
  const live = new Map(o.live.map((r) => [partitionKey(r.topic, r.partition), BigInt(r.to)]));
  return o.partitions.map((p) => {
    const key = partitionKey(p.topic, p.partition);
    const sought = o.seek?.get(key);
    const wanted = sought === undefined ? p.low : sought < 0n ? p.high : sought;
    const start = wanted < p.low ? p.low : wanted > p.high ? p.high : wanted;
    const at = live.get(key);
    if (at !== undefined && at > p.high)
      throw new RangeError(`the live model stands at offset ${at} of ${key}, past the ${p.high} records the broker holds: was the topic recreated?`);
    const stop = at === undefined || at < start ? start : at;
    return { topic: p.topic, partition: p.partition, start, stop };
  });
}

/** The rows of a chunk below `stop` (rejected records included): what the replay learns of it; undefined if none. */
export function chunkBelow(chunk: RecordChunk, stop: bigint): RecordChunk | undefined {
  if (chunk.from >= stop) return undefined;
  if (chunk.to <= stop) return chunk;
  let rows = 0;
  while (rows < chunk.size && BigInt(chunk.offsets[rows] as string) < stop) rows++;
  const rejected = chunk.rejected.filter((r) => BigInt(r.offset) < stop);
  return {
    ...chunk,
    to: stop,
    size: rows,
    features: chunk.features.subarray(0, rows * chunk.width),
    labels: chunk.labels.subarray(0, rows),
    offsets: chunk.offsets.slice(0, rows),
    rejected,
    records: rows + rejected.length,
  };
}

/**
 * Whether a published live version may score records at `positions` (the next offset of each partition the race
 * scores): only if it has learned none of them, so the live model is scored as it would have answered then and
 * the paired test compares two predictions made before either model saw the label.
 */
export function versionMayScore(offsets: readonly OffsetRange[], positions: ReadonlyMap<PartitionKey, bigint>): boolean {
  return offsets.every((r) => {
    const at = positions.get(partitionKey(r.topic, r.partition));
    return at !== undefined && BigInt(r.to) <= at;
  });
}

/**
 * The replay's start in the live lineage: the newest version (of `lineage`, newest first) that had learned
 * nothing at or past the replay's start, i.e. whose offsets end at or before it on every partition. Null when
 * none of the versions given does (older ones were pruned).
 */
export function replayParent(lineage: readonly Pick<Manifest, 'version' | 'offsets'>[], plan: readonly PartitionPlan[]): string | null {
  const starts = new Map(plan.map((p) => [partitionKey(p.topic, p.partition), p.start]));
  return lineage.find((m) => versionMayScore(m.offsets, starts))?.version ?? null;
}

/** `[from, to)` per partition, sorted, from two maps of positions (`to` missing: nothing moved). */
export function rangesBetween(from: ReadonlyMap<PartitionKey, bigint>, to: ReadonlyMap<PartitionKey, bigint>): OffsetRange[] {
  return [...from].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, f]) => ({ ...parsePartitionKey(k), from: f.toString(), to: (to.get(k) ?? f).toString() }));
}

/** The retrain part of the new major's manifest. `end`: the next offset per partition after the race. */
export function retrainLineage(o: {
  readonly from: string;
  readonly plan: readonly PartitionPlan[];
  readonly end: ReadonlyMap<PartitionKey, bigint>;
  readonly racedVersions: readonly string[];
  readonly replayParent: string | null;
  readonly race: RetrainLineage['race'];
}): RetrainLineage {
  const starts = new Map(o.plan.map((p) => [partitionKey(p.topic, p.partition), p.start]));
  const stops = new Map(o.plan.map((p) => [partitionKey(p.topic, p.partition), p.stop]));
  return {
    from: o.from,
    replayed: rangesBetween(starts, stops),
    raced: rangesBetween(stops, o.end),
    racedVersions: [...o.racedVersions],
    replayParent: o.replayParent,
    race: o.race,
  };
}
