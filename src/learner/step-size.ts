/**
 * The step size of `learner.updateBatchSize: auto`: samples per gradient step, chosen batch by batch from how far
 * the learner is behind its input. While the learner keeps up (no micro-batch waits behind the one it is about to
 * learn), it takes a step per sample, the size that learns most from each record. When micro-batches queue up
 * (backpressure: the input arrives faster than per-sample steps can take it), the size doubles, up to the whole
 * micro-batch, which is the cheapest way through a batch; when the queue drains it halves again. Sizes are powers of
 * two, and a change needs `patience` batches in a row pointing the same way, so a single burst or a pause of the
 * producers does not swing it.
 *
 * Deterministic for a given sequence of queue lengths: without a queue (a learner fed one batch at a time, as the
 * quality benchmarks feed it) it stays at a sample per step.
 */
export class AdaptiveStepSize {
  private size = 1;
  private streak = 0;

  /**
   * @param patience batches in a row behind (or caught up) before the size doubles (or halves).
   * @param behind batches waiting behind the current one from which the learner counts as behind.
   */
  constructor(
    private readonly patience = 2,
    private readonly behind = 2,
  ) {}

  /** Samples per step now (1 until the learner falls behind). */
  get current(): number {
    return this.size;
  }

  /**
   * The step size for the next micro-batch of `batchSize` records, given how many micro-batches were waiting for
   * the learner when it was handed over (`waiting`, 0 when the learner was idle).
   */
  next(waiting: number, batchSize: number): number {
    const direction = waiting >= this.behind ? 1 : waiting === 0 ? -1 : 0;
    this.streak = direction === 0 || Math.sign(this.streak) !== direction ? direction : this.streak + direction;
    const ceiling = Math.max(1, powerOfTwoAtLeast(batchSize));
    if (this.streak >= this.patience && this.size < ceiling) {
      this.size *= 2;
      this.streak = 0;
    } else if (this.streak <= -this.patience && this.size > 1) {
      this.size /= 2;
      this.streak = 0;
    }
    this.size = Math.min(this.size, ceiling);
    return this.size;
  }
}

function powerOfTwoAtLeast(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
