/**
 * The served-then-labelled stream of the label benchmarks (bench/labels-pipeline.ts, bench/labels-chaos.ts), a
 * pure function of its options: feature record i has id `r<i>`, goes to partition `i % partitions`, is stamped
 * `base + i * periodMs` and holds 8 Elec2-sized features and its label `y` (the rotating hyperplane); its label
 * record `{id, y}` is stamped `delay` ms later on partition `(i * 7919) % partitions` (the ids spread over the
 * label partitions, one id on one partition), or never comes (`missingShare`). On-time delays are uniform in
 * [0, 0.8 maxDelayMs]; `lateShare` of the labels come after the window (maxDelayMs + 500 to + 1,000 ms).
 * Label records are in timestamp order, so every partition's timestamps are non-decreasing on both topics.
 */
import { rng } from '../chaos/random.js';
import { elec2SizedRecords } from '../support/kafka.js';

export interface LabelsStreamOptions {
  readonly count: number;
  readonly partitions: number;
  /** Timestamp of feature record 0 (ms). */
  readonly base: number;
  readonly periodMs: number;
  readonly maxDelayMs: number;
  readonly missingShare: number;
  readonly lateShare: number;
  readonly seed: number;
}

/** One message to produce, on its partition with its (CreateTime) timestamp. */
export interface TimedMessage {
  readonly partition: number;
  readonly timestamp: number;
  readonly value: string;
}

/** What the records say each feature record gets, when a join with `maxDelayMs` reads them all. */
export interface LabelsExpected {
  readonly features: number;
  readonly labels: number;
  readonly joined: number;
  /** Features whose label never comes or comes late: learned with the default label. */
  readonly defaulted: number;
  readonly late: number;
  readonly missing: number;
}

export interface LabelsStream {
  /** Feature records in index order, as produced (generated again on each call). */
  features(): Generator<TimedMessage>;
  /** Label records in timestamp order: feature index and message. */
  readonly labels: readonly { readonly of: number; readonly message: TimedMessage }[];
  readonly expected: LabelsExpected;
}

export function labelsStream(o: LabelsStreamOptions): LabelsStream {
  const draw = rng(o.seed);
  const labels: { of: number; message: TimedMessage }[] = [];
  let missing = 0;
  let late = 0;
  const ts = (i: number) => o.base + i * o.periodMs;
  let i = 0;
  for (const row of elec2SizedRecords(o.count, o.seed)) {
    const at = i++;
    const u = draw();
    const d = draw();
    if (u < o.missingShare) {
      missing++;
      continue;
    }
    const isLate = u < o.missingShare + o.lateShare;
    if (isLate) late++;
    const delay = isLate ? o.maxDelayMs + 500 + Math.floor(d * 500) : Math.floor(d * 0.8 * o.maxDelayMs);
    const message = { partition: (at * 7919) % o.partitions, timestamp: ts(at) + delay, value: JSON.stringify({ id: `r${at}`, y: row.y }) };
    labels.push({ of: at, message });
  }
  labels.sort((a, b) => a.message.timestamp - b.message.timestamp || a.of - b.of);
  return {
    *features() {
      let k = 0;
      for (const row of elec2SizedRecords(o.count, o.seed)) {
        yield { partition: k % o.partitions, timestamp: ts(k), value: JSON.stringify({ id: `r${k}`, ...row }) };
        k++;
      }
    },
    labels,
    expected: { features: o.count, labels: labels.length, joined: o.count - missing - late, defaulted: missing + late, late, missing },
  };
}
