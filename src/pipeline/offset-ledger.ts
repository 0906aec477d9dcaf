import type { OffsetRange, PartitionKey } from '../core/index.js';
import { parsePartitionKey, partitionKey } from '../core/index.js';

/**
 * Which offsets the live model has absorbed, and which of them the last checkpoint already covers.
 * A checkpoint's range for a partition starts where the previous checkpoint's ended, so the ranges of a
 * lineage tile every partition with no gap and no overlap by construction. Every partition ever seen is
 * listed (with `from == to` when it did not move), so each manifest alone says where to resume.
 */
export class OffsetLedger {
  private readonly applied = new Map<PartitionKey, bigint>();
  private readonly cut = new Map<PartitionKey, bigint>();

  /** Starts from a checkpoint's ranges: both positions at their `to`. */
  restore(ranges: readonly OffsetRange[]): void {
    for (const r of ranges) {
      const k = partitionKey(r.topic, r.partition);
      this.applied.set(k, BigInt(r.to));
      this.cut.set(k, BigInt(r.to));
    }
  }

  /** Records that a batch covering `[from, to)` on each partition was learned (or dead-lettered). */
  apply(offsets: ReadonlyMap<PartitionKey, { from: bigint; to: bigint }>): void {
    for (const [k, { from, to }] of offsets) {
      if (!this.cut.has(k)) this.cut.set(k, from);
      const cur = this.applied.get(k);
      if (cur === undefined || to > cur) this.applied.set(k, to);
    }
  }

  /** True when something was applied since the last cut. */
  get moved(): boolean {
    for (const [k, to] of this.applied) if (this.cut.get(k) !== to) return true;
    return false;
  }

  /** The ranges since the last cut; the next cut starts where these end. */
  take(): OffsetRange[] {
    const ranges: OffsetRange[] = [];
    for (const [k, to] of [...this.applied].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const from = this.cut.get(k) ?? to;
      ranges.push({ ...parsePartitionKey(k), from: from.toString(), to: to.toString() });
      this.cut.set(k, to);
    }
    return ranges;
  }

  /** Next offset to read per partition, as of everything applied. */
  positions(): ReadonlyMap<PartitionKey, bigint> {
    return this.applied;
  }
}

/** Positions (`to` offsets) of a set of ranges, for committing or seeking. */
export function positionsOf(ranges: readonly OffsetRange[]): Map<PartitionKey, bigint> {
  return new Map(ranges.map((r) => [partitionKey(r.topic, r.partition), BigInt(r.to)]));
}
