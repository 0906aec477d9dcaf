/** How an id was resolved: it joined a label, or it expired (defaulted or dropped). */
export type Outcome = 'joined' | 'expired';

/** Compacts the queue once this many slots at its front are spent and they are half of it. */
const COMPACT_AT = 1024;

/**
 * Ids recently resolved and how: tells a duplicate or late label from an orphan. Holds the last `capacity`
 * distinct ids set (setting an id again makes it the newest), the oldest forgotten first.
 *
 * O(1) amortized per `set`, whatever the capacity: a Map from id to its latest sequence number and outcome, and a
 * queue of (id, sequence) in setting order. A slot whose sequence is no longer its id's latest is stale and skipped
 * when the oldest is forgotten. (Deleting the first key of a large Map is not O(1) in V8: its iterator walks over
 * the holes deleted entries leave until the table is rebuilt.)
 */
export class RecentOutcomes {
  /** id -> sequence * 2 + (1 when expired). */
  private readonly latest = new Map<string, number>();
  private queue: string[] = [];
  /** Index of the oldest slot in `queue`; the slot at index i has sequence `base + i`. */
  private head = 0;
  private base = 0;

  constructor(private readonly capacity: number) {}

  set(id: string, outcome: Outcome): void {
    const seq = this.base + this.queue.length;
    this.latest.set(id, seq * 2 + (outcome === 'expired' ? 1 : 0));
    this.queue.push(id);
    if (this.latest.size > this.capacity) this.forgetOldest();
    else if (this.queue.length - this.head > 2 * this.latest.size + COMPACT_AT) this.renumber();
  }

  get(id: string): Outcome | undefined {
    const v = this.latest.get(id);
    return v === undefined ? undefined : v % 2 === 1 ? 'expired' : 'joined';
  }

  /** Ids remembered. */
  get size(): number {
    return this.latest.size;
  }

  /** Forgets the id set least recently, skipping stale slots. */
  private forgetOldest(): void {
    for (;;) {
      const id = this.queue[this.head] as string;
      const seq = this.base + this.head;
      this.head++;
      const v = this.latest.get(id);
      if (v !== undefined && Math.floor(v / 2) === seq) {
        this.latest.delete(id);
        break;
      }
    }
    if (this.head >= COMPACT_AT && this.head * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.base += this.head;
      this.head = 0;
    }
  }

  /** Drops the stale slots (ids set again since) when they are most of the queue, numbering the rest from 0. */
  private renumber(): void {
    const live: string[] = [];
    for (let i = this.head; i < this.queue.length; i++) {
      const id = this.queue[i] as string;
      const v = this.latest.get(id) as number;
      if (Math.floor(v / 2) === this.base + i) {
        this.latest.set(id, live.length * 2 + (v % 2));
        live.push(id);
      }
    }
    this.queue = live;
    this.base = 0;
    this.head = 0;
  }
}
