/**
 * Labels that arrive later, through the real join (src/labels): the feature records of each micro-batch and the
 * labels stamped before the next batch go into a LabelJoin in event-time order of arrival (a feature before a
 * label of the same timestamp), as a pipeline reading both topics in step would add them; `take()` then hands
 * over the joined and defaulted examples, in the order the join decided them.
 */
import { LabelJoin, type JoinCounters, type JoinedExample, type LabelJoinOptions } from '../../../src/labels/index.js';
import type { QualityStream } from '../streams.js';
import type { Examples, LabelFeed } from './replay.js';
import { labelArrivals, labelTime, type LabelSchedule } from './schedule.js';

/** What the join did over a replay: its counters, label delays, and why features got the default. */
export interface JoinReport {
  readonly features: number;
  readonly labels: number;
  readonly counts: JoinCounters;
  /** joined / features. */
  readonly joinRate: number;
  /** Defaulted features by reason (`watermark`; `idle`: expired at the end of the replay; `full`: evicted). */
  readonly missingBy: Record<string, number>;
  readonly delays: { readonly count: number; readonly p50: number | undefined; readonly p99: number | undefined };
}

/** The end of the replay is this far past the last record on the simulated clock: every window has passed. */
const END_OF_TIME = Number.MAX_SAFE_INTEGER;

export class JoinFeed implements LabelFeed {
  readonly join: LabelJoin;
  private readonly arrivals: Int32Array;
  /** Next label to deliver, as an index into `arrivals` (and its offset on the label topic). */
  private next = 0;
  private now = 0;
  private readonly missingBy: Record<string, number> = {};

  constructor(
    private readonly s: QualityStream,
    private readonly schedule: LabelSchedule,
    options: LabelJoinOptions,
    /** `labelArrivals(schedule)`, when the caller has it already (the throughput bench times the join alone). */
    arrivals?: Int32Array,
  ) {
    if (schedule.delayMs.length !== s.size) throw new RangeError(`schedule of ${schedule.delayMs.length} records for ${s.size}`);
    this.join = new LabelJoin(options, () => this.now);
    this.join.assign('features', [0]);
    this.join.assign('labels', [0]);
    this.arrivals = arrivals ?? labelArrivals(schedule);
  }

  deliver(from: number, to: number): Examples {
    return this.pack(this.deliverJoined(from, to));
  }

  finish(): Examples {
    return this.pack(this.finishJoined());
  }

  /** `deliver`, with the examples as the join hands them over. */
  deliverJoined(from: number, to: number): JoinedExample[] {
    const { periodMs } = this.schedule;
    const end = to * periodMs;
    let f = from;
    for (;;) {
      const featureTs = f < to ? f * periodMs : Infinity;
      const labelTs = this.next < this.arrivals.length ? labelTime(this.schedule, this.arrivals[this.next] as number) : Infinity;
      if (featureTs === Infinity && !(labelTs < end)) break;
      if (featureTs <= labelTs) this.addFeature(f++);
      else this.addLabel();
    }
    return this.take();
  }

  /** `finish`, with the examples as the join hands them over. */
  finishJoined(): JoinedExample[] {
    while (this.next < this.arrivals.length) this.addLabel();
    this.now = END_OF_TIME;
    this.join.setCaughtUp('labels', 0, true);
    this.join.setCaughtUp('features', 0, true);
    return this.take();
  }

  /** The join's counters and delays so far (complete after `finish()`). */
  report(): JoinReport {
    const counts = this.join.counts;
    const features = this.s.size;
    return {
      features,
      labels: this.arrivals.length,
      counts,
      joinRate: features ? counts.joined / features : 0,
      missingBy: { ...this.missingBy },
      delays: this.join.delays(),
    };
  }

  private addFeature(i: number): void {
    const w = this.s.width;
    const timestamp = i * this.schedule.periodMs;
    this.now = Math.max(this.now, timestamp);
    const row = this.s.features.subarray(i * w, (i + 1) * w);
    this.join.addFeature({ id: String(i), timestamp, partition: 0, offset: String(i), row });
  }

  private addLabel(): void {
    const offset = this.next++;
    const i = this.arrivals[offset] as number;
    const timestamp = labelTime(this.schedule, i);
    this.now = Math.max(this.now, timestamp);
    this.join.addLabel({ id: String(i), timestamp, partition: 0, offset: String(offset), label: this.s.labels[i] as number });
  }

  private take(): JoinedExample[] {
    const examples = this.join.take().examples;
    for (const e of examples) if (e.defaulted) this.missingBy[e.defaulted] = (this.missingBy[e.defaulted] ?? 0) + 1;
    return examples;
  }

  private pack(examples: JoinedExample[]): Examples {
    const w = this.s.width;
    const features = new Float32Array(examples.length * w);
    const labels = new Float32Array(examples.length);
    examples.forEach((e, k) => {
      features.set(e.row, k * w);
      labels[k] = e.label;
    });
    return { size: examples.length, features, labels };
  }
}
