/**
 * When each record's label arrives, simulated on event time (issue #18 item 5): record i's features are stamped
 * `i * periodMs`; its label `delayMs[i]` later, exponential with the given mean, or never (a share of the records,
 * chosen at random). Seeded (mulberry32), so the TypeScript replay and the River peers get the same schedule.
 */
import { rng } from '../../chaos/random.js';

/** A stream's label schedule: per record, its label's delay after its features, or -1 (the label never comes). */
export interface LabelSchedule {
  /** Event time between two feature records (ms): record i is stamped `i * periodMs`. */
  readonly periodMs: number;
  readonly meanDelayMs: number;
  readonly missingShare: number;
  readonly seed: number;
  /** Per record, the label's delay after its features (ms, an integer >= 0), or -1 when it never comes. */
  readonly delayMs: Float64Array;
}

export interface ScheduleOptions {
  readonly meanDelayMs: number;
  /** Share of records whose label never comes, in [0, 1). */
  readonly missingShare: number;
  readonly seed: number;
  /** @default 1000 (one record per simulated second) */
  readonly periodMs?: number;
}

/** Salt of the second random sequence (which labels are missing), independent of the delays' sequence. */
const MISSING_SALT = 0x9e3779b9;

/**
 * The label schedule of `n` records. The delays are `meanDelayMs * E_i` with E_i ~ Exp(1) drawn from `seed`, and
 * the missing labels are drawn from a second sequence of the same seed: schedules of one seed and several means
 * delay the same records in the same proportions and miss the same labels (a coupled design, so that settings
 * differ by the mean only).
 */
export function labelSchedule(n: number, options: ScheduleOptions): LabelSchedule {
  const { meanDelayMs, missingShare, seed } = options;
  const periodMs = options.periodMs ?? 1000;
  if (!(meanDelayMs >= 0) || !(missingShare >= 0 && missingShare < 1) || !(periodMs > 0))
    throw new RangeError(`labelSchedule: mean ${meanDelayMs}, missing share ${missingShare}, period ${periodMs}`);
  const delays = rng(seed);
  const missing = rng((seed ^ MISSING_SALT) >>> 0);
  const delayMs = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const e = -Math.log(1 - delays());
    delayMs[i] = missing() < missingShare ? -1 : Math.round(meanDelayMs * e);
  }
  return { periodMs, meanDelayMs, missingShare, seed, delayMs };
}

/** Event time of record i's label (ms); NaN when it never comes. */
export function labelTime(s: LabelSchedule, i: number): number {
  const d = s.delayMs[i] as number;
  return d < 0 ? Number.NaN : i * s.periodMs + d;
}

/**
 * The records whose label comes, in the order their labels arrive on the label topic: by event time, ties by
 * record index (a producer stamping the outcome when it happens, one partition, so timestamps never go back).
 */
export function labelArrivals(s: LabelSchedule): Int32Array {
  const ids: number[] = [];
  for (let i = 0; i < s.delayMs.length; i++) if ((s.delayMs[i] as number) >= 0) ids.push(i);
  ids.sort((a, b) => labelTime(s, a) - labelTime(s, b) || a - b);
  return Int32Array.from(ids);
}

/** What the schedule holds: labels that come, missing ones, and those later than `maxDelayMs` (late for the join). */
export function scheduleCounts(s: LabelSchedule, maxDelayMs: number): { labelled: number; missing: number; later: number } {
  let missing = 0;
  let later = 0;
  for (const d of s.delayMs) {
    if (d < 0) missing++;
    else if (d > maxDelayMs) later++;
  }
  return { labelled: s.delayMs.length - missing, missing, later };
}
