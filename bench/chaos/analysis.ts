/**
 * What the chaos benchmark checks once everything has stopped: the published lineage (LATEST back through first
 * parents) against the records in the source topic, the writer of every version against the epoch history,
 * and the versions in the store that are not in the lineage.
 */
import { listVersions, readLatest, readManifest, type LatestRecord, type ObjectStore } from '../../src/checkpoints/index.js';
import { compareVersions, formatVersion, parseVersion, type Manifest } from '../../src/core/index.js';

/** What the bench saw of one epoch: who claimed it and the version LATEST held when it began. */
export interface EpochSeen {
  readonly epoch: number;
  writer?: string;
  since: string | null;
  firstSeenAt?: number;
}

/** Accumulates the epoch history from LATEST reads during the run (LATEST itself keeps only the last 32). */
export class EpochLog {
  readonly epochs = new Map<number, EpochSeen>();

  observe(record: LatestRecord, at: number): void {
    for (const e of record.epochs) {
      const seen = this.epochs.get(e.epoch);
      if (seen) seen.since = e.since;
      else this.epochs.set(e.epoch, { epoch: e.epoch, since: e.since });
    }
    const cur = this.epochs.get(record.epoch) ?? { epoch: record.epoch, since: null };
    cur.writer ??= record.writer;
    cur.firstSeenAt ??= at;
    this.epochs.set(record.epoch, cur);
  }

  list(): EpochSeen[] {
    return [...this.epochs.values()].sort((a, b) => a.epoch - b.epoch);
  }
}

export async function readLineage(store: ObjectStore, model: string): Promise<Manifest[]> {
  const lineage: Manifest[] = [];
  let v = (await readLatest(store, model))?.record.version ?? undefined;
  while (v) {
    const m = await readManifest(store, model, v);
    lineage.unshift(m);
    v = m.parents[0];
  }
  return lineage;
}

export interface PartitionCheck {
  readonly partition: number;
  readonly topicEnd: number;
  readonly distinctCovered: number;
  readonly appliedTwice: number;
  readonly gaps: { from: number; to: number; before: string }[];
  readonly overlaps: { from: number; to: number; version: string }[];
  readonly lineageEnd: number;
}

export interface LineageCheck {
  readonly versions: number;
  readonly first?: string;
  readonly head?: string;
  readonly total: number;
  readonly sumOfIncrements: number;
  readonly produced: number;
  readonly lost: number;
  readonly appliedTwice: number;
  readonly partitions: PartitionCheck[];
  readonly exact: boolean;
  readonly fencedWritesAccepted: number;
  readonly fencedDetail: { version: string; epoch?: number; writer?: string; reason: string }[];
  readonly epochWritersUnverified: number;
  readonly writers: Record<string, number>;
  readonly epochsInLineage: number;
  readonly outsideLineage: { count: number; sample: { version: string; epoch?: number; writer?: string }[] };
}

/** The exactness and fencing checks; `topicEnds[p]` is the end offset of partition p (all records from 0). */
export async function checkLineage(store: ObjectStore, model: string, topicEnds: number[], epochLog: EpochLog): Promise<LineageCheck> {
  const lineage = await readLineage(store, model);
  const produced = topicEnds.reduce((a, b) => a + b, 0);
  const total = lineage[lineage.length - 1]?.samples.total ?? 0;
  const sumOfIncrements = lineage.reduce((s, m) => s + m.samples.sinceParent, 0);

  // Offsets: walk the ranges in lineage order; union per partition for distinct coverage.
  const partitions: PartitionCheck[] = [];
  const ids = new Set<number>(topicEnds.map((_, i) => i));
  for (const m of lineage) for (const r of m.offsets) ids.add(r.partition);
  for (const p of [...ids].sort((a, b) => a - b)) {
    const ranges: { from: number; to: number; version: string }[] = [];
    for (const m of lineage) for (const r of m.offsets) if (r.partition === p) ranges.push({ from: Number(r.from), to: Number(r.to), version: m.version });
    const gaps: PartitionCheck['gaps'] = [];
    const overlaps: PartitionCheck['overlaps'] = [];
    let end = 0;
    for (const r of ranges) {
      if (r.from > end) gaps.push({ from: end, to: r.from, before: r.version });
      if (r.from < end) overlaps.push({ from: r.from, to: Math.min(end, r.to), version: r.version });
      end = Math.max(end, r.to);
    }
    const topicEnd = topicEnds[p] ?? 0;
    const sorted = ranges.filter((r) => r.to > r.from).sort((a, b) => a.from - b.from);
    let distinct = 0;
    let length = 0;
    let cur: { from: number; to: number } | undefined;
    for (const r of sorted) {
      length += r.to - r.from;
      if (cur && r.from <= cur.to) cur.to = Math.max(cur.to, r.to);
      else {
        if (cur) distinct += cur.to - cur.from;
        cur = { from: r.from, to: r.to };
      }
    }
    if (cur) distinct += cur.to - cur.from;
    if (end < topicEnd) gaps.push({ from: end, to: topicEnd, before: 'end of the lineage' });
    partitions.push({ partition: p, topicEnd, distinctCovered: distinct, appliedTwice: length - distinct, gaps, overlaps, lineageEnd: end });
  }
  const distinctCovered = partitions.reduce((s, p) => s + p.distinctCovered, 0);
  const appliedTwice = partitions.reduce((s, p) => s + p.appliedTwice, 0);
  const lost = produced - distinctCovered;

  // Fencing: no epoch goes back along the lineage; every version was written by its epoch's holder while that
  // epoch was current (after the version LATEST held when it began, not after where the next epoch began).
  const fencedDetail: LineageCheck['fencedDetail'] = [];
  const history = epochLog.list();
  let maxEpoch = 0;
  let unverified = 0;
  for (const m of lineage) {
    const epoch = m.epoch ?? 0;
    const v = parseVersion(m.version);
    if (epoch < maxEpoch) fencedDetail.push({ version: m.version, epoch, writer: m.writer, reason: `epoch ${epoch} after a version of epoch ${maxEpoch}` });
    maxEpoch = Math.max(maxEpoch, epoch);
    const seen = epochLog.epochs.get(epoch);
    if (!seen?.writer) unverified++;
    else if (m.writer !== undefined && seen.writer !== m.writer)
      fencedDetail.push({ version: m.version, epoch, writer: m.writer, reason: `epoch ${epoch} was claimed by ${seen.writer}` });
    const next = history.find((e) => e.epoch > epoch);
    const nextSince = next?.since ? parseVersion(next.since) : undefined;
    if (v && next && (next.since === null || (nextSince && compareVersions(v, nextSince) > 0))) {
      fencedDetail.push({ version: m.version, epoch, writer: m.writer, reason: `written after epoch ${next.epoch} began at ${next.since ?? 'nothing'}` });
    }
    const since = seen?.since ? parseVersion(seen.since) : undefined;
    if (v && since && compareVersions(v, since) < 0 && m.version !== '1.0') {
      fencedDetail.push({ version: m.version, epoch, writer: m.writer, reason: `older than ${seen?.since ?? ''}, where its epoch began` });
    }
  }
  const fencedVersions = new Set(fencedDetail.map((d) => d.version));

  const inLineage = new Set(lineage.map((m) => m.version));
  const outside: { version: string; epoch?: number; writer?: string }[] = [];
  for (const v of await listVersions(store, model)) {
    const name = formatVersion(v);
    if (inLineage.has(name)) continue;
    const m = await readManifest(store, model, name).catch(() => undefined);
    outside.push({ version: name, epoch: m?.epoch, writer: m?.writer });
  }
  const writers: Record<string, number> = {};
  for (const m of lineage) writers[m.writer ?? '?'] = (writers[m.writer ?? '?'] ?? 0) + 1;

  return {
    versions: lineage.length,
    first: lineage[0]?.version,
    head: lineage[lineage.length - 1]?.version,
    total,
    sumOfIncrements,
    produced,
    lost,
    appliedTwice,
    partitions: partitions.map((p) => ({ ...p, gaps: p.gaps.slice(0, 20), overlaps: p.overlaps.slice(0, 20) })),
    exact:
      lineage[0]?.version === '1.0' &&
      total === produced &&
      sumOfIncrements === produced &&
      lost === 0 &&
      appliedTwice === 0 &&
      partitions.every((p) => p.gaps.length === 0 && p.overlaps.length === 0),
    fencedWritesAccepted: fencedVersions.size,
    fencedDetail: fencedDetail.slice(0, 50),
    epochWritersUnverified: unverified,
    writers,
    epochsInLineage: new Set(lineage.map((m) => m.epoch ?? 0)).size,
    outsideLineage: { count: outside.length, sample: outside.slice(0, 30) },
  };
}
