/**
 * Serialized {@link OffsetTracker}: the lowest offset whose effect has not happened yet, and the offsets above it
 * that are done, as sorted, disjoint, non-adjacent `[from, to)` ranges (decimal strings: Kafka offsets are int64).
 */
export interface OffsetTrackerState {
  readonly resume: string;
  readonly done: readonly (readonly [string, string])[];
}

/**
 * Which offsets of one topic-partition have had their effect (learned, defaulted, consumed as a label, dropped),
 * when effects happen out of offset order, as in a join where a record waits for its partner.
 *
 * Offsets are received in increasing order (`receive`); one that was skipped (a transaction marker, a compacted
 * record) is done as soon as a later one is received, since it will never have an effect of its own. A received
 * offset is pending until `markDone`. The state is `resume` (the lowest pending offset, or the next one to read)
 * and the done ranges above it. Every gap between `resume` and a range, or between two ranges, holds only pending
 * offsets, so the number of ranges is at most the number of pending records: the state stays small however far
 * the partition has been read.
 *
 * After a crash the consumer seeks to `resumeOffset`; a re-read record for which `isDone` is true is skipped, any
 * other one is handled again, so each record has its effect once.
 */
export class OffsetTracker {
  private resume: bigint | undefined;
  /** Done ranges above `resume`: `[from, to)`, sorted, disjoint, never adjacent. */
  private readonly ranges: [bigint, bigint][] = [];
  /** One past the highest offset received (or restored as done). */
  private position: bigint | undefined;

  constructor(state?: OffsetTrackerState) {
    if (!state) return;
    this.resume = BigInt(state.resume);
    let last = this.resume;
    for (const [a, b] of state.done) {
      const from = BigInt(a);
      const to = BigInt(b);
      if (from <= last || to <= from) throw new RangeError(`offset tracker state: range [${a}, ${b}) is not sorted above ${last}`);
      this.ranges.push([from, to]);
      last = to;
    }
    this.position = last;
  }

  /** The offset to seek to after a restore: the lowest one whose effect has not happened (or the next to read). */
  get resumeOffset(): bigint | undefined {
    return this.resume;
  }

  /** Number of done ranges kept above the resume offset. */
  get rangeCount(): number {
    return this.ranges.length;
  }

  /** True when the record at `offset` has had its effect: a replayed record that must be skipped. */
  isDone(offset: bigint): boolean {
    if (this.resume === undefined || offset < this.resume) return this.resume !== undefined;
    const i = this.rangeAtOrBefore(offset);
    return i >= 0 && offset < (this.ranges[i] as [bigint, bigint])[1];
  }

  /**
   * Records that the record at `offset` was read; it is pending until `markDone`. Offsets between the last one
   * received and this one were skipped by Kafka and are done. Receiving a pending offset again (a replay) is allowed.
   */
  receive(offset: bigint): void {
    if (this.resume === undefined || this.position === undefined) {
      this.resume = offset;
      this.position = offset + 1n;
      return;
    }
    if (offset < this.position) return;
    if (offset > this.position) this.addRange(this.position, offset);
    this.position = offset + 1n;
  }

  /** Records that the received record at `offset` has had its effect. Marking a done offset again does nothing. */
  markDone(offset: bigint): void {
    if (this.position === undefined || offset >= this.position) throw new RangeError(`offset ${offset} is marked done before it was received`);
    if (this.isDone(offset)) return;
    this.addRange(offset, offset + 1n);
  }

  /** Plain JSON: the resume offset and the done ranges above it. Undefined before anything was received. */
  state(): OffsetTrackerState | undefined {
    if (this.resume === undefined) return undefined;
    return { resume: this.resume.toString(), done: this.ranges.map(([a, b]) => [a.toString(), b.toString()] as const) };
  }

  /** Index of the last range starting at or before `offset`, or -1. */
  private rangeAtOrBefore(offset: bigint): number {
    let lo = 0;
    let hi = this.ranges.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((this.ranges[mid] as [bigint, bigint])[0] <= offset) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /** Adds the not-yet-done offsets `[from, to)`, merging with neighbours and moving `resume` past a leading range. */
  private addRange(from: bigint, to: bigint): void {
    const i = this.rangeAtOrBefore(from);
    const before = i >= 0 ? (this.ranges[i] as [bigint, bigint]) : undefined;
    const after = this.ranges[i + 1];
    if (before && before[1] === from) {
      before[1] = to;
      if (after && after[0] === to) {
        before[1] = after[1];
        this.ranges.splice(i + 1, 1);
      }
    } else if (after && after[0] === to) after[0] = from;
    else this.ranges.splice(i + 1, 0, [from, to]);
    const first = this.ranges[0];
    if (first && first[0] === this.resume) {
      this.resume = first[1];
      this.ranges.shift();
    }
  }
}
