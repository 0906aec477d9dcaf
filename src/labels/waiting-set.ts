/** What the waiting set needs of a record: its id, event time and position. */
export interface Waiter {
  readonly id: string;
  readonly timestamp: number;
  readonly partition: number;
  readonly offset: string;
}

/** Event-time order of records: timestamp, then partition, then offset. Total, so expiries come out in one order. */
export function byEventTime(a: Waiter, b: Waiter): number {
  if (a.timestamp !== b.timestamp) return a.timestamp - b.timestamp;
  if (a.partition !== b.partition) return a.partition - b.partition;
  const x = BigInt(a.offset);
  const y = BigInt(b.offset);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * The records of one side of a join that wait for a partner: by partition in arrival order (which is timestamp
 * order when a partition's timestamps do not decrease, so the oldest are at the front), and by id.
 */
export class WaitingSet<R extends Waiter> {
  private readonly byPartition = new Map<number, Map<string, R>>();
  private readonly byId = new Map<string, R[]>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  has(partition: number, offset: string): boolean {
    return this.byPartition.get(partition)?.has(offset) ?? false;
  }

  add(record: R): void {
    let partition = this.byPartition.get(record.partition);
    if (!partition) this.byPartition.set(record.partition, (partition = new Map()));
    partition.set(record.offset, record);
    const same = this.byId.get(record.id);
    if (same) same.push(record);
    else this.byId.set(record.id, [record]);
    this.count++;
  }

  remove(record: R): void {
    if (!this.byPartition.get(record.partition)?.delete(record.offset)) return;
    const same = this.byId.get(record.id) ?? [];
    const rest = same.filter((r) => r !== record);
    if (rest.length) this.byId.set(record.id, rest);
    else this.byId.delete(record.id);
    this.count--;
  }

  /** Waiting records of an id, in arrival order. */
  ofId(id: string): readonly R[] {
    return this.byId.get(id) ?? [];
  }

  /** The waiting record first in event-time order among the partitions' oldest. */
  oldest(): R | undefined {
    let best: R | undefined;
    for (const partition of this.byPartition.values()) {
      const head = partition.values().next();
      if (!head.done && (best === undefined || byEventTime(head.value, best) < 0)) best = head.value;
    }
    return best;
  }

  /**
   * Removes and returns, in event-time order, the records whose deadline `passed`, taking each partition from its
   * oldest record and stopping at the first one that still waits.
   */
  takeExpired(passed: (record: R) => boolean): R[] {
    const out: R[] = [];
    for (const partition of this.byPartition.values()) {
      for (const record of partition.values()) {
        if (!passed(record)) break;
        out.push(record);
      }
    }
    for (const record of out) this.remove(record);
    return out.sort(byEventTime);
  }
}

/** Ids recently resolved and how (joined a label, or expired): tells a duplicate or late label from an orphan. */
export class RecentOutcomes {
  private readonly outcomes = new Map<string, 'joined' | 'expired'>();

  constructor(private readonly capacity: number) {}

  set(id: string, outcome: 'joined' | 'expired'): void {
    this.outcomes.delete(id);
    this.outcomes.set(id, outcome);
    if (this.outcomes.size > this.capacity) this.outcomes.delete(this.outcomes.keys().next().value as string);
  }

  get(id: string): 'joined' | 'expired' | undefined {
    return this.outcomes.get(id);
  }
}
