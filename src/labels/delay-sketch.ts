/** Serialized {@link DelaySketch}: the count of delays under 1 ms and the count of each log bucket, by index. */
export interface DelaySketchState {
  readonly zero: number;
  readonly buckets: readonly (readonly [number, number])[];
}

/** Relative accuracy of a quantile: the value returned is within 1% of a delay of the right rank. */
const ALPHA = 0.01;
const GAMMA = (1 + ALPHA) / (1 - ALPHA);
const LOG_GAMMA = Math.log(GAMMA);

/**
 * Quantiles of label delays (ms) with a relative error of at most 1%, in bounded memory: the logarithmic buckets
 * of DDSketch, bucket `i` counting delays in (gamma^(i-1), gamma^i]. A delay up to 2^53 ms lands in one of about
 * 1,850 buckets, so the state is bounded whatever the stream. Unlike a t-digest, the state depends only on the
 * multiset of delays, not on their order: a join replayed after a crash in another interleaving reaches the same
 * state, which keeps checkpoints deterministic.
 * @see Masson, Rim, Lee: "DDSketch: a fast and fully-mergeable quantile sketch with relative-error guarantees", VLDB 2019
 */
export class DelaySketch {
  private zero = 0;
  private readonly counts = new Map<number, number>();
  private total = 0;

  constructor(state?: DelaySketchState) {
    if (!state) return;
    this.zero = state.zero;
    this.total = state.zero;
    for (const [i, n] of state.buckets) {
      this.counts.set(i, n);
      this.total += n;
    }
  }

  /** Delays recorded. */
  get count(): number {
    return this.total;
  }

  /** Records one delay in ms; a negative one (a label stamped before its feature) counts as 0. */
  add(delayMs: number): void {
    this.total++;
    if (!(delayMs >= 1)) {
      this.zero++;
      return;
    }
    const i = Math.ceil(Math.log(delayMs) / LOG_GAMMA);
    this.counts.set(i, (this.counts.get(i) ?? 0) + 1);
  }

  /** Takes back one delay recorded by `add` (the same value); a delay that was never added is ignored. */
  remove(delayMs: number): void {
    if (!(delayMs >= 1)) {
      if (this.zero > 0) {
        this.zero--;
        this.total--;
      }
      return;
    }
    const i = Math.ceil(Math.log(delayMs) / LOG_GAMMA);
    const n = this.counts.get(i) ?? 0;
    if (n === 0) return;
    if (n === 1) this.counts.delete(i);
    else this.counts.set(i, n - 1);
    this.total--;
  }

  /** The delay at quantile `q` in [0, 1] (rank `q * (count - 1)`, rounded down), or undefined when empty. */
  quantile(q: number): number | undefined {
    if (this.total === 0) return undefined;
    const rank = Math.floor(Math.min(1, Math.max(0, q)) * (this.total - 1));
    if (rank < this.zero) return 0;
    let seen = this.zero;
    for (const i of [...this.counts.keys()].sort((a, b) => a - b)) {
      seen += this.counts.get(i) as number;
      if (seen > rank) return (2 * Math.pow(GAMMA, i)) / (GAMMA + 1);
    }
    return undefined;
  }

  /** Plain JSON, buckets in index order (the same delays give the same state). */
  state(): DelaySketchState {
    const buckets = [...this.counts].sort(([a], [b]) => a - b).map(([i, n]) => [i, n] as const);
    return { zero: this.zero, buckets };
  }
}
