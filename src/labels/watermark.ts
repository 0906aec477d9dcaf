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
  /** Per declared partition, in declaration order: its number, largest timestamp read, and whether it is caught up. */
  private readonly partitions: number[] = [];
  private readonly maxTs: number[] = [];
  private readonly caughtUp: boolean[] = [];
  private readonly index = new Map<number, number>();
  private idleCount = 0;

  constructor(private readonly idleGraceMs: number) {}

  /** Declares the topic's partitions; one with no record yet holds the watermark back until it has one or is idle. */
  assign(partitions: readonly number[]): void {
    for (const p of partitions) this.slot(p);
  }

  /** Notes a record's timestamp (a partition not assigned yet joins the topic). */
  observe(partition: number, timestamp: number): void {
    const i = this.index.get(partition) ?? this.slot(partition);
    if (timestamp > (this.maxTs[i] as number)) this.maxTs[i] = timestamp;
  }

  /** Whether the partition has no lag (the pipeline's report); a caught-up partition follows the clock. */
  setCaughtUp(partition: number, caughtUp: boolean): void {
    const i = this.slot(partition);
    if (this.caughtUp[i] === caughtUp) return;
    this.caughtUp[i] = caughtUp;
    this.idleCount += caughtUp ? 1 : -1;
  }

  /** True when every partition is caught up: reading more of this topic cannot resolve anything now. */
  get allCaughtUp(): boolean {
    return this.idleCount === this.partitions.length;
  }

  /** The watermark at clock time `now`; -Infinity for a topic with no partition. */
  value(now: number): WatermarkValue {
    return { at: this.at(now), fromRecords: this.fromRecords() };
  }

  /** `value(now).at`, without allocating. */
  at(now: number): number {
    if (this.idleCount === 0) return this.fromRecords();
    const n = this.maxTs.length;
    if (n === 0) return -Infinity;
    const idle = now - this.idleGraceMs;
    let at = Infinity;
    for (let i = 0; i < n; i++) {
      const ts = this.maxTs[i] as number;
      const v = this.caughtUp[i] === true && idle > ts ? idle : ts;
      if (v < at) at = v;
    }
    return at;
  }

  /** `value(now).fromRecords`: the smallest of the partitions' largest timestamps. */
  fromRecords(): number {
    const n = this.maxTs.length;
    if (n === 0) return -Infinity;
    let min = Infinity;
    for (let i = 0; i < n; i++) if ((this.maxTs[i] as number) < min) min = this.maxTs[i] as number;
    return min;
  }

  /** The index of a partition, declaring it (with nothing read, not caught up) when new. */
  private slot(partition: number): number {
    let i = this.index.get(partition);
    if (i === undefined) {
      i = this.partitions.length;
      this.index.set(partition, i);
      this.partitions.push(partition);
      this.maxTs.push(-Infinity);
      this.caughtUp.push(false);
    }
    return i;
  }
}
