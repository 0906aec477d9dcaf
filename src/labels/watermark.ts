/** A watermark and whether the idle clock set it (an expiry it allows is then not a property of the records). */
export interface WatermarkValue {
  /** Every record still to come on the topic is assumed to have a timestamp >= this (ms). */
  readonly at: number;
  /** The same watermark without the idle clock: from record timestamps alone. */
  readonly fromRecords: number;
}

/**
 * Event time of one topic as a join sees it: per partition, the largest record timestamp read; the topic's watermark
 * is the minimum over its partitions, since a partition behind the others may still deliver older records. A
 * partition with nothing read yet holds the watermark at -Infinity.
 *
 * A partition the pipeline reports caught up (no lag: nothing more to read for now) counts as
 * `max(largest timestamp, now - idleGraceMs)` from the injected clock, so that an idle topic does not stop the
 * watermark (the left-join trap of Kafka Streams, where unmatched rows wait until new records advance stream time).
 * `idleGraceMs` bounds how far behind the clock a record appended later may be stamped.
 *
 * Correct when timestamps are non-decreasing within a partition (LogAppendTime, or producers with a monotone
 * clock); not restored after a crash, because the replay re-delivers records stamped below the watermark reached.
 */
export class Watermark {
  private readonly maxTs = new Map<number, number>();
  private readonly caughtUp = new Set<number>();

  constructor(private readonly idleGraceMs: number) {}

  /** Declares the topic's partitions; one with no record yet holds the watermark back until it has one or is idle. */
  assign(partitions: readonly number[]): void {
    for (const p of partitions) if (!this.maxTs.has(p)) this.maxTs.set(p, -Infinity);
  }

  /** Notes a record's timestamp (a partition not assigned yet joins the topic). */
  observe(partition: number, timestamp: number): void {
    const cur = this.maxTs.get(partition);
    if (cur === undefined || timestamp > cur) this.maxTs.set(partition, timestamp);
  }

  /** Whether the partition has no lag (the pipeline's report); a caught-up partition follows the clock. */
  setCaughtUp(partition: number, caughtUp: boolean): void {
    this.assign([partition]);
    if (caughtUp) this.caughtUp.add(partition);
    else this.caughtUp.delete(partition);
  }

  /** True when every partition is caught up: reading more of this topic cannot resolve anything now. */
  get allCaughtUp(): boolean {
    for (const p of this.maxTs.keys()) if (!this.caughtUp.has(p)) return false;
    return true;
  }

  /** The watermark at clock time `now`; -Infinity for a topic with no partition. */
  value(now: number): WatermarkValue {
    if (this.maxTs.size === 0) return { at: -Infinity, fromRecords: -Infinity };
    let at = Infinity;
    let fromRecords = Infinity;
    for (const [p, ts] of this.maxTs) {
      fromRecords = Math.min(fromRecords, ts);
      at = Math.min(at, this.caughtUp.has(p) ? Math.max(ts, now - this.idleGraceMs) : ts);
    }
    return { at, fromRecords };
  }
}
