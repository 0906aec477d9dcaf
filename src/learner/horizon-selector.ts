/** What a checkpoint keeps of a selector: each candidate's recent errors, oldest first (classifiers: 0/1). */
export interface HorizonSelectorState {
  readonly errors: readonly (readonly number[])[];
}

/**
 * Chooses which of several candidate weight sets predicts (`model.averaging.select`): the one with the fewest
 * errors (sum of per-sample errors: 0/1, or |error| for regression) over the last `window` samples, all
 * candidates scored on the same samples before each update. Candidates are ordered from the most to the least
 * averaged, and a tie goes to the earlier one. The choice for a batch is made before the batch is scored, so the
 * live errors stay prequential. A sample whose error is not finite for some candidate (a record the learner's guard
 * refused) is left out for all of them, so one bad record cannot freeze the running sums.
 */
export class HorizonSelector {
  private readonly rings: Float32Array[];
  private readonly sums: Float64Array;
  private pos = 0;
  private fill = 0;

  constructor(
    readonly candidates: number,
    readonly window: number,
    state?: HorizonSelectorState,
  ) {
    this.rings = Array.from({ length: candidates }, () => new Float32Array(window));
    this.sums = new Float64Array(candidates);
    if (
      state &&
      state.errors.length === candidates &&
      state.errors.every((e) => Array.isArray(e) && e.every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0))
    ) {
      const n = Math.min(...state.errors.map((e) => e.length));
      for (let k = Math.max(0, n - window); k < n; k++) this.push(state.errors.map((e) => e[k] as number));
    }
  }

  /** The candidate that predicts next. */
  get choice(): number {
    let best = 0;
    for (let c = 1; c < this.candidates; c++) if ((this.sums[c] as number) < (this.sums[best] as number) - 1e-9) best = c;
    return best;
  }

  /** Candidate c's errors summed over the window. */
  sum(c: number): number {
    return this.sums[c] as number;
  }

  /**
   * The paired difference of two candidates over the window: the mean and standard deviation of
   * d = error(a) - error(b) sample by sample, and how many samples (negative mean: a made fewer errors).
   */
  pairedDifference(a: number, b: number): { mean: number; sd: number; n: number } {
    const [ra, rb] = [this.rings[a] as Float32Array, this.rings[b] as Float32Array];
    const n = this.fill;
    let sum = 0;
    let squares = 0;
    for (let k = 0; k < n; k++) {
      const d = (ra[k] as number) - (rb[k] as number);
      sum += d;
      squares += d * d;
    }
    const mean = n > 0 ? sum / n : 0;
    const variance = n > 1 ? Math.max(0, (squares - n * mean * mean) / (n - 1)) : 0;
    return { mean, sd: Math.sqrt(variance), n };
  }

  /** Samples in the window so far (at most `window`). */
  get filled(): number {
    return this.fill;
  }

  /** Adds one batch's per-sample errors of every candidate (same length each). */
  add(errors: readonly Float32Array[]): void {
    const n = errors[0]?.length ?? 0;
    // Sample by sample without an array per sample: this runs for every sample of every batch.
    for (let i = 0; i < n; i++) {
      let finite = true;
      for (let c = 0; c < this.candidates && finite; c++) finite = Number.isFinite((errors[c] as Float32Array)[i]);
      if (!finite) continue;
      for (let c = 0; c < this.candidates; c++) this.set(c, (errors[c] as Float32Array)[i] as number);
      this.advance();
    }
  }

  state(): HorizonSelectorState {
    return { errors: this.rings.map((r) => Array.from({ length: this.fill }, (_, k) => r[(this.pos - this.fill + k + this.window) % this.window] as number)) };
  }

  private push(values: readonly number[]): void {
    if (!values.every((v) => Number.isFinite(v))) return;
    for (let c = 0; c < this.candidates; c++) this.set(c, values[c] as number);
    this.advance();
  }

  /** Writes candidate c's error for the sample at the ring's position (then `advance()`). */
  private set(c: number, value: number): void {
    const ring = this.rings[c] as Float32Array;
    const v = Math.fround(value);
    if (this.fill === this.window) this.sums[c] = (this.sums[c] as number) - (ring[this.pos] as number);
    ring[this.pos] = v;
    this.sums[c] = (this.sums[c] as number) + v;
  }

  private advance(): void {
    this.pos = (this.pos + 1) % this.window;
    if (this.fill < this.window) this.fill++;
  }
}
