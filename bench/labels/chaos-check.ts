/**
 * The exactly-once check of the labels chaos run (bench/labels-chaos.ts), from the published lineage alone, as
 * test/integration/pipeline-labels-crash.int.test.ts does: every feature record learned once (the versions'
 * increments add up to the feature records, and the last state has every feature record done), the outcome each
 * record's timestamps give (joined or defaulted, counts as the records say), and the offset ranges of both topics
 * tiling each partition from 0 with no gap and no overlap.
 */
import type { Manifest } from '../../src/core/index.js';
import type { LabelsExpected } from './stream.js';

export interface LabelsLineageCheck {
  readonly versions: number;
  /** Processes that published a version of the lineage. */
  readonly writers: number;
  /** Feature records produced (sentinels included): each must be learned once. */
  readonly featureRecords: number;
  /** Sum of the versions' `samples.sinceParent`. */
  readonly samplesLearned: number;
  readonly samplesTotal: number;
  /** Feature records whose effect is missing: fewer examples learned than records, or records not done at the end. */
  readonly lost: number;
  /** Examples learned beyond one per feature record. */
  readonly appliedTwice: number;
  /** Feature records not done in the last join state (pending, or below no resume offset). */
  readonly notDone: number;
  /** Range starts that do not continue the parent's end (gaps or overlaps), over both topics. */
  readonly tilingBreaks: number;
  /** Versions whose `joined + defaulted` differs from `samples.total`. */
  readonly countMismatches: number;
  readonly counts: Readonly<Record<string, number>>;
  readonly expected: LabelsExpected & { readonly sentinels: number };
  /** Joined and defaulted as the records say; late labels counted late or, after a restart, orphaned. */
  readonly outcomesAsRecordsSay: boolean;
  readonly exact: boolean;
}

/** Checks the lineage against the records produced: `featureEnds` and `labelEnds` are each partition's record count. */
export function checkLabelsLineage(
  lineage: readonly Manifest[],
  expected: LabelsExpected,
  sentinels: number,
  featureEnds: readonly number[],
  labelEnds: readonly number[],
): LabelsLineageCheck {
  const featureRecords = expected.features + sentinels;
  const last = lineage[lineage.length - 1];
  const samplesLearned = lineage.reduce((n, m) => n + m.samples.sinceParent, 0);
  let notDone = 0;
  featureEnds.forEach((end, p) => {
    const t = last?.labels?.features[String(p)];
    if (!t) return void (notDone += end);
    notDone += end - Number(t.resume);
    for (const [a, b] of t.done) notDone -= Number(b) - Number(a);
  });
  const end = new Map<string, bigint>();
  let tilingBreaks = 0;
  let countMismatches = 0;
  for (const m of lineage) {
    for (const r of m.offsets) {
      const k = `${r.topic}:${r.partition}`;
      if (BigInt(r.from) !== (end.get(k) ?? 0n) || BigInt(r.to) < BigInt(r.from)) tilingBreaks++;
      end.set(k, BigInt(r.to));
    }
    const c = (m.labels?.counts ?? { joined: 0, defaulted: 0 }) as Record<string, number>;
    if ((c.joined ?? 0) + (c.defaulted ?? 0) !== m.samples.total) countMismatches++;
  }
  const counts = { ...(last?.labels?.counts ?? {}) } as Record<string, number>;
  // The last label of each label partition is a sentinel that never finds its feature: it stays pending.
  const labelsResumeAtSentinel = labelEnds.every((e, p) => last?.labels?.labels[String(p)]?.resume === String(e - 1));
  const outcomesAsRecordsSay =
    counts.joined === expected.joined &&
    counts.defaulted === expected.defaulted + sentinels &&
    (counts.evicted ?? 0) === 0 &&
    (counts.late ?? 0) + (counts.orphaned ?? 0) === expected.late &&
    labelsResumeAtSentinel;
  const lost = Math.max(0, featureRecords - samplesLearned, notDone);
  const appliedTwice = Math.max(0, samplesLearned - featureRecords);
  return {
    versions: lineage.length,
    writers: new Set(lineage.map((m) => m.writer)).size,
    featureRecords,
    samplesLearned,
    samplesTotal: last?.samples.total ?? 0,
    lost,
    appliedTwice,
    notDone,
    tilingBreaks,
    countMismatches,
    counts,
    expected: { ...expected, sentinels },
    outcomesAsRecordsSay,
    exact:
      lost === 0 && appliedTwice === 0 && tilingBreaks === 0 && countMismatches === 0 && outcomesAsRecordsSay && samplesLearned === (last?.samples.total ?? -1),
  };
}
