/**
 * The step size of `learner.updateBatchSize: auto`: samples per gradient step, chosen batch by batch from how far
 * the learner is behind its input. While the learner keeps up (no micro-batch waits behind the one it is about to
 * learn), it takes a step per sample, the size that learns most from each record. When micro-batches queue up
 * (backpressure: the input arrives faster than per-sample steps can take it), the size doubles, up to the whole
 * micro-batch, which is the cheapest way through a batch; when the queue drains it halves again. Sizes are powers of
 * two, and a change needs `patience` batches in a row pointing the same way, so a single burst or a pause of the
 * producers does not swing it.
 *
 * A second stage for a model pool (`model.type: auto`): when the size is already the whole micro-batch and the
 * queue still grows, `poolEvery` doubles (up to `maxPoolEvery`): the members that do not serve learn one micro-batch
 * in `poolEvery` (see ModelPool.step), so the pool costs little more than its serving member at full rate. On the
 * way back `poolEvery` halves to 1 before the step size comes down.
 *
 * Deterministic for a given sequence of queue lengths: without a queue (a learner fed one batch at a time, as the
 * quality benchmarks feed it) it stays at a sample per step and every member learns every batch.
 */
export class AdaptiveStepSize {
  private size = 1;
  private every = 1;
  private streak = 0;

  /**
   * @param patience batches in a row behind (or caught up) before the size doubles (or halves).
   * @param behind batches waiting behind the current one from which the learner counts as behind.
   * @param maxPoolEvery the most batches a pool's other members may skip to one they learn.
   */
  constructor(
    private readonly patience = 2,
    private readonly behind = 2,
    private readonly maxPoolEvery = 16,
  ) {}

  /** Samples per step now (1 until the learner falls behind). */
  get current(): number {
    return this.size;
  }

  /** A pool's members other than the serving one learn one micro-batch in this many (1 unless far behind). */
  get poolEvery(): number {
    return this.every;
  }

  /**
   * The step size for the next micro-batch of `batchSize` records, given how many micro-batches were waiting for
   * the learner when it was handed over (`waiting`, 0 when the learner was idle). Updates `poolEvery` too.
   */
  next(waiting: number, batchSize: number): number {
    const direction = waiting >= this.behind ? 1 : waiting === 0 ? -1 : 0;
    this.streak = direction === 0 || Math.sign(this.streak) !== direction ? direction : this.streak + direction;
    const ceiling = Math.max(1, powerOfTwoAtLeast(batchSize));
    if (this.streak >= this.patience && (this.size < ceiling || this.every < this.maxPoolEvery)) {
      if (this.size < ceiling) this.size *= 2;
      else this.every *= 2;
      this.streak = 0;
    } else if (this.streak <= -this.patience && (this.size > 1 || this.every > 1)) {
      if (this.every > 1) this.every /= 2;
      else this.size /= 2;
      this.streak = 0;
    }
    if (this.size > ceiling) {
      this.size = ceiling;
      this.every = 1;
    }
    return this.size;
  }
}

function powerOfTwoAtLeast(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
