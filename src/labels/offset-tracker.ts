import { nextOffset, offsetBig, parseOffset, toOffset, type Offset } from './offset.js';

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
 * Offsets are taken as bigints or numbers and kept as {@link Offset}s: numbers up to 2^53 - 1, bigints above, so
 * the usual partition costs no BigInt arithmetic and a larger int64 offset stays exact.
 *
 * After a crash the consumer seeks to `resumeOffset`; a re-read record for which `isDone` is true is skipped, any
 * other one is handled again, so each record has its effect once.
 */
export class OffsetTracker {
  private resume: Offset | undefined;
  /** Done ranges above `resume`: `[from, to)`, sorted, disjoint, never adjacent. */
  private readonly ranges: [Offset, Offset][] = [];
  /** One past the highest offset received (or restored as done). */
  private position: Offset | undefined;

  constructor(state?: OffsetTrackerState) {
    if (!state) return;
    this.resume = parseOffset(state.resume);
    let last = this.resume;
    for (const [a, b] of state.done) {
      const from = parseOffset(a);
      const to = parseOffset(b);
      if (from <= last || to <= from) throw new RangeError(`offset tracker state: range [${a}, ${b}) is not sorted above ${last}`);
      this.ranges.push([from, to]);
      last = to;
    }
    this.position = last;
  }

  /** The offset to seek to after a restore: the lowest one whose effect has not happened (or the next to read). */
  get resumeOffset(): bigint | undefined {
    return this.resume === undefined ? undefined : offsetBig(this.resume);
  }

  /** One past the highest offset received or restored as done; undefined before anything. */
  get end(): Offset | undefined {
    return this.position;
  }

  /** Number of done ranges kept above the resume offset. */
  get rangeCount(): number {
    return this.ranges.length;
  }

  /** True when the record at `offset` has had its effect: a replayed record that must be skipped. */
  isDone(at: Offset): boolean {
    if (this.resume === undefined || this.position === undefined) return false;
    const offset = toOffset(at);
    if (offset < this.resume) return true;
    if (offset >= this.position) return false;
    const i = this.rangeAtOrBefore(offset);
    return i >= 0 && offset < (this.ranges[i] as [Offset, Offset])[1];
  }

  /**
   * Records that the record at `offset` was read; it is pending until `markDone`. Offsets between the last one
   * received and this one were skipped by Kafka and are done. Receiving a pending offset again (a replay) is allowed.
   */
  receive(at: Offset): void {
    const offset = toOffset(at);
    if (this.resume === undefined || this.position === undefined) {
      this.resume = offset;
      this.position = nextOffset(offset);
      return;
    }
    if (offset < this.position) return;
    if (offset > this.position) this.addRange(this.position, offset, this.ranges.length - 1);
    this.position = nextOffset(offset);
  }

  /** Records that the received record at `offset` has had its effect. Marking a done offset again does nothing. */
  markDone(at: Offset): void {
    const offset = toOffset(at);
    if (this.position === undefined || this.resume === undefined || offset >= this.position)
      throw new RangeError(`offset ${offset} is marked done before it was received`);
    if (offset < this.resume) return;
    const i = this.rangeAtOrBefore(offset);
    if (i >= 0 && offset < (this.ranges[i] as [Offset, Offset])[1]) return;
    this.addRange(offset, nextOffset(offset), i);
  }

  /** Plain JSON: the resume offset and the done ranges above it. Undefined before anything was received. */
  state(): OffsetTrackerState | undefined {
    if (this.resume === undefined) return undefined;
    return { resume: String(this.resume), done: this.ranges.map(([a, b]) => [String(a), String(b)] as const) };
  }

  /** Index of the last range starting at or before `offset`, or -1 (the last range first: offsets mostly grow). */
  private rangeAtOrBefore(offset: Offset): number {
    const n = this.ranges.length;
    if (n === 0) return -1;
    if ((this.ranges[n - 1] as [Offset, Offset])[0] <= offset) return n - 1;
    let lo = 0;
    let hi = n - 2;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((this.ranges[mid] as [Offset, Offset])[0] <= offset) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /**
   * Adds the not-yet-done offsets `[from, to)`, `i` being the index of the last range starting at or before
   * `from`: merges with neighbours; at the resume offset, moves `resume` past it (and past a range that follows).
   */
  private addRange(from: Offset, to: Offset, i: number): void {
    if (from === this.resume) {
      const first = this.ranges[0];
      if (first && first[0] === to) {
        this.resume = first[1];
        this.ranges.shift();
      } else this.resume = to;
      return;
    }
    const before = i >= 0 ? (this.ranges[i] as [Offset, Offset]) : undefined;
    const after = this.ranges[i + 1];
    if (before && before[1] === from) {
      before[1] = to;
      if (after && after[0] === to) {
        before[1] = after[1];
        this.ranges.splice(i + 1, 1);
      }
    } else if (after && after[0] === to) after[0] = from;
    else if (i + 1 === this.ranges.length) this.ranges.push([from, to]);
    else this.ranges.splice(i + 1, 0, [from, to]);
  }
}
