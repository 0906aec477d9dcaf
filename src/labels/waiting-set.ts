import type { FeatureRecord, LabelRecord } from './join-types.js';
import { compareOffsets, type Offset } from './offset.js';
import type { OffsetTracker } from './offset-tracker.js';

/** What the waiting set needs of a record: its id, event time and partition. */
export interface Waiter {
  readonly id: string;
  readonly timestamp: number;
  readonly partition: number;
}

/**
 * A record inside the join: its offset parsed once ({@link Offset}), the tracker of its partition, its id's slot.
 * `gone` once it left the waiting set (or before it joined it).
 */
export interface Entry<R extends Waiter> {
  readonly record: R;
  readonly offset: Offset;
  readonly tracker: OffsetTracker;
  readonly slot: IdSlot;
  gone: boolean;
  /** The next waiting entry of the same id and side, in arrival order. */
  nextOfId: Entry<R> | undefined;
}

/** Everything the join holds about one id: the first waiting entry of each side (chained by id), the recent outcome. */
export interface IdSlot {
  readonly id: string;
  features: Entry<FeatureRecord> | undefined;
  labels: Entry<LabelRecord> | undefined;
  /** 0: none remembered; 1: joined; 2: expired (IdIndex). */
  outcome: number;
  /** The id's latest place in the IdIndex's queue of outcomes. */
  seq: number;
}

/** A fresh entry, not waiting yet. */
export function entry<R extends Waiter>(record: R, offset: Offset, tracker: OffsetTracker, slot: IdSlot): Entry<R> {
  return { record, offset, tracker, slot, gone: true, nextOfId: undefined };
}

/** Event-time order of records: timestamp, then partition, then offset. Total, so expiries come out in one order. */
export function byEventTime<R extends Waiter>(a: Entry<R>, b: Entry<R>): number {
  const x = a.record;
  const y = b.record;
  if (x.timestamp !== y.timestamp) return x.timestamp - y.timestamp;
  if (x.partition !== y.partition) return x.partition - y.partition;
  return compareOffsets(a.offset, b.offset);
}

/** Spent slots at a queue's front (or gone ones inside it) beyond which it is compacted, when they are half of it. */
const COMPACT_AT = 1024;
const NONE: never[] = [];

/**
 * One partition's waiting entries in offset order (arrival order: a partition is read in offset order; a record
 * re-read out of order is inserted in place). Removal marks an entry `gone`; gone entries are skipped at the front
 * and dropped when the queue is compacted, so add, remove and the oldest are O(1) amortized.
 */
class PartitionQueue<R extends Waiter> {
  items: Entry<R>[] = [];
  head = 0;
  live = 0;

  push(e: Entry<R>): void {
    const last = this.items[this.items.length - 1];
    if (last === undefined || last.offset < e.offset) this.items.push(e);
    else this.items.splice(this.lowerBound(e.offset), 0, e);
    this.live++;
  }

  /** The waiting entry at `offset`, if any. */
  find(offset: Offset): Entry<R> | undefined {
    const i = this.lowerBound(offset);
    const e = this.items[i];
    return e !== undefined && !e.gone && e.offset === offset ? e : undefined;
  }

  /** The first waiting entry (skipping gone ones at the front). */
  first(): Entry<R> | undefined {
    while (this.head < this.items.length) {
      const e = this.items[this.head] as Entry<R>;
      if (!e.gone) return e;
      this.head++;
    }
    return undefined;
  }

  /** After an entry left: drops spent slots when they outnumber the waiting ones. */
  removed(): void {
    this.live--;
    const slots = this.items.length - this.head;
    if (this.head >= COMPACT_AT && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    } else if (slots >= COMPACT_AT && this.live * 2 < slots) {
      this.items = this.items.filter((e, i) => i >= this.head && !e.gone);
      this.head = 0;
    }
  }

  /** Index of the first slot at or after the head whose offset is >= `offset`. */
  private lowerBound(offset: Offset): number {
    let lo = this.head;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.items[mid] as Entry<R>).offset < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/**
 * The records of one side of a join that wait for a partner: by partition in offset order (which is timestamp
 * order when a partition's timestamps do not decrease, so the oldest are at the front), and by id: a chain of
 * entries in arrival order from the id's slot (`side` names the slot's field).
 */
export class WaitingSet<R extends FeatureRecord | LabelRecord> {
  private readonly byPartition = new Map<number, PartitionQueue<R>>();
  private count = 0;

  constructor(private readonly side: 'features' | 'labels') {}

  private first(slot: IdSlot): Entry<R> | undefined {
    return slot[this.side] as Entry<R> | undefined;
  }

  private setFirst(slot: IdSlot, e: Entry<R> | undefined): void {
    if (this.side === 'features') slot.features = e as Entry<FeatureRecord> | undefined;
    else slot.labels = e as Entry<LabelRecord> | undefined;
  }

  get size(): number {
    return this.count;
  }

  /** True when the record at `partition` / `offset` waits here. */
  has(partition: number, offset: Offset): boolean {
    return this.byPartition.get(partition)?.find(offset) !== undefined;
  }

  add(e: Entry<R>): void {
    const p = e.record.partition;
    let queue = this.byPartition.get(p);
    if (!queue) this.byPartition.set(p, (queue = new PartitionQueue()));
    e.gone = false;
    e.nextOfId = undefined;
    queue.push(e);
    const first = this.first(e.slot);
    if (first === undefined) this.setFirst(e.slot, e);
    else {
      let last = first;
      while (last.nextOfId !== undefined) last = last.nextOfId;
      last.nextOfId = e;
    }
    this.count++;
  }

  remove(e: Entry<R>): void {
    if (e.gone) return;
    e.gone = true;
    const first = this.first(e.slot) as Entry<R>;
    if (first === e) this.setFirst(e.slot, e.nextOfId);
    else {
      let prev = first;
      while (prev.nextOfId !== e) prev = prev.nextOfId as Entry<R>;
      prev.nextOfId = e.nextOfId;
    }
    e.nextOfId = undefined;
    (this.byPartition.get(e.record.partition) as PartitionQueue<R>).removed();
    this.count--;
  }

  /** Whether some record of the slot's id waits. */
  hasId(slot: IdSlot): boolean {
    return this.first(slot) !== undefined;
  }

  /** The first waiting entry of the slot's id, in arrival order, that `accept` takes. */
  firstOfId<T>(slot: IdSlot, accept: (record: R, arg: T) => boolean, arg: T): Entry<R> | undefined {
    for (let e = this.first(slot); e !== undefined; e = e.nextOfId) if (accept(e.record, arg)) return e;
    return undefined;
  }

  /** The waiting entry first in event-time order among the partitions' oldest. */
  oldest(): Entry<R> | undefined {
    let best: Entry<R> | undefined;
    for (const queue of this.byPartition.values()) {
      const head = queue.first();
      if (head !== undefined && (best === undefined || byEventTime(head, best) < 0)) best = head;
    }
    return best;
  }

  /**
   * Removes and returns, in event-time order, the entries whose deadline passed (`timestamp + delay < at`), taking
   * each partition from its oldest entry and stopping at the first one that still waits.
   */
  takeExpired(delay: number, at: number): Entry<R>[] {
    let out: Entry<R>[] = NONE;
    for (const queue of this.byPartition.values()) {
      for (let e = queue.first(); e !== undefined && e.record.timestamp + delay < at; e = queue.first()) {
        if (out === NONE) out = [];
        out.push(e);
        this.remove(e);
      }
    }
    return out.length > 1 ? out.sort(byEventTime) : out;
  }
}
