/**
 * The bound of the next micro-batch (`batch.size` up to `batch.maxSize`), chosen when the batcher starts a batch
 * from how many records are waiting for the learner. While the learner keeps up, the bound is `batch.size`, so
 * freshness and learning at ordinary rates are those of fixed batches. When records queue up (more than two
 * batches' worth at the current bound are held, decoded but not yet learned, when a batch starts) the bound
 * doubles, up to `maxSize`: fewer, larger batches, so less of the learner's time goes to the cost of a batch
 * (worker round trip, scoring, metrics, the ledger). When the queue drains (less than a batch's worth held) it
 * halves again, down to `size`. Between the two the bound stays: the gap is the hysteresis.
 *
 * Deterministic for a given sequence of held counts; with nothing held it never leaves `size`.
 */
export class BatchBound {
  private bound: number;

  /**
   * @param size `batch.size`, the bound while the learner keeps up.
   * @param maxSize `batch.maxSize`, the most a batch grows to (`size` disables growth).
   * @param held records decoded and not yet learned, now (the bounded buffer's count).
   */
  constructor(
    readonly size: number,
    readonly maxSize: number,
    private readonly held: () => number,
  ) {
    this.bound = size;
  }

  /** The bound for a config's `batch` section; a batch never needs more than half the buffer, so the consumer can always fill the one being cut. */
  static forConfig(batch: { readonly size: number; readonly maxSize: number; readonly maxBuffered: number }, held: () => number): BatchBound {
    return new BatchBound(batch.size, Math.max(batch.size, Math.min(batch.maxSize, Math.floor(batch.maxBuffered / 2))), held);
  }

  /** The bound of the batch being filled (the last one `next` chose). */
  get current(): number {
    return this.bound;
  }

  /** The bound for the batch starting now. */
  next(): number {
    const held = this.held();
    if (held > 2 * this.bound && this.bound < this.maxSize) this.bound = Math.min(this.maxSize, 2 * this.bound);
    else if (held < this.bound && this.bound > this.size) this.bound = Math.max(this.size, Math.floor(this.bound / 2));
    return this.bound;
  }
}
