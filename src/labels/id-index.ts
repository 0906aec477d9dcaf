import type { IdSlot } from './waiting-set.js';

/** How an id was resolved: it joined a label, or it expired (defaulted or dropped). */
export type Outcome = 'joined' | 'expired';

const NONE = 0;
const JOINED = 1;
const EXPIRED = 2;

/** Compacts the queue once this many slots at its front are spent (or stale) and they are half of it. */
const COMPACT_AT = 1024;

/**
 * The join's table of ids: one {@link IdSlot} per id that has records waiting (on either side) or a recent outcome,
 * so that adding a record costs one Map lookup for its id whatever it then meets.
 *
 * Recent outcomes tell a duplicate or late label from an orphan: the last `capacity` distinct ids resolved are
 * remembered (resolving an id again makes it the newest), the oldest forgotten first. O(1) amortized: a queue of
 * slots in resolving order, a slot's `seq` naming its latest place in it; older places are stale and skipped.
 * (Deleting the first key of a large Map is not O(1) in V8: its iterator walks over the holes deleted entries
 * leave until the table is rebuilt.)
 *
 * A slot leaves the table once it has nothing waiting and no remembered outcome. The slot an `add` works on is
 * pinned (`slot`) until `release`, so that it is not dropped half-way.
 */
export class IdIndex {
  private readonly slots = new Map<string, IdSlot>();
  private queue: IdSlot[] = [];
  /** Index of the oldest place in `queue`; the place at index i is number `base + i`. */
  private head = 0;
  private base = 0;
  private remembered = 0;
  private pinned: IdSlot | undefined;

  constructor(private readonly capacity: number) {}

  /** The slot of `id` (created when new), pinned until `release()`. */
  slot(id: string): IdSlot {
    let s = this.slots.get(id);
    if (s === undefined) this.slots.set(id, (s = { id, features: undefined, labels: undefined, outcome: NONE, seq: -1 }));
    this.pinned = s;
    return s;
  }

  /** Unpins the slot of the last `slot()` call, dropping it when it holds nothing. */
  release(): void {
    const s = this.pinned;
    this.pinned = undefined;
    if (s !== undefined) this.settle(s);
  }

  /** The remembered outcome of a slot's id. */
  outcome(s: IdSlot): Outcome | undefined {
    return s.outcome === NONE ? undefined : s.outcome === JOINED ? 'joined' : 'expired';
  }

  /** Remembers how the slot's id was resolved, as the newest; forgets the oldest beyond the capacity. */
  remember(s: IdSlot, outcome: Outcome): void {
    if (s.outcome === NONE) this.remembered++;
    s.outcome = outcome === 'joined' ? JOINED : EXPIRED;
    s.seq = this.base + this.queue.length;
    this.queue.push(s);
    if (this.remembered > this.capacity) this.forgetOldest();
    else if (this.queue.length - this.head > 2 * this.remembered + COMPACT_AT) this.renumber();
  }

  /** Drops a slot from the table when nothing waits in it and no outcome is remembered (and it is not pinned). */
  settle(s: IdSlot): void {
    if (s.features === undefined && s.labels === undefined && s.outcome === NONE && s !== this.pinned && this.slots.get(s.id) === s) this.slots.delete(s.id);
  }

  /** Ids whose outcome is remembered. */
  get size(): number {
    return this.remembered;
  }

  /** Ids in the table (waiting or remembered). */
  get ids(): number {
    return this.slots.size;
  }

  private live(s: IdSlot, place: number): boolean {
    return s.outcome !== NONE && s.seq === place;
  }

  /** Forgets the outcome resolved least recently, skipping stale places. */
  private forgetOldest(): void {
    for (;;) {
      const s = this.queue[this.head] as IdSlot;
      const place = this.base + this.head;
      this.head++;
      if (this.live(s, place)) {
        s.outcome = NONE;
        s.seq = -1;
        this.remembered--;
        this.settle(s);
        break;
      }
    }
    if (this.head >= COMPACT_AT && this.head * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.base += this.head;
      this.head = 0;
    }
  }

  /** Drops the stale places (ids resolved again since) when they are most of the queue, numbering the rest from 0. */
  private renumber(): void {
    const live: IdSlot[] = [];
    for (let i = this.head; i < this.queue.length; i++) {
      const s = this.queue[i] as IdSlot;
      if (this.live(s, this.base + i)) {
        s.seq = live.length;
        live.push(s);
      }
    }
    this.queue = live;
    this.base = 0;
    this.head = 0;
  }
}
