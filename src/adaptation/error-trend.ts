import { erfc, studentTUpperQuantile } from '../drift/index.js';

/** Errors in the recent window and in the window before it that `ErrorTrend.rose()` compares. */
const RISE_RECENT = 200;
const RISE_BEFORE = 1000;
/** Block length for the dependence-robust variance, and the errors before the recent window it needs. */
const RISE_BLOCK = 100;
const RISE_MIN_BEFORE = 500;
/** One-sided level of two standard errors, P(Z > 2); the block check's t quantile is taken at the same level. */
const RISE_LEVEL = 0.5 * erfc(2 / Math.SQRT2);
const riseQuantiles = new Map<number, number>();

/**
 * Recent errors, to tell a degradation from an improvement: ADWIN (like River's) flags any change of the mean,
 * including the error *falling* while a model learns or recovers, and responding to that only costs compute. Adapt,
 * the challenger and the average restart act on a detection only when `rose()`.
 */
export interface ErrorTrendOptions {
  /**
   * The second check of `rose()` (block means of the window before). false: the first check alone, the rule before
   * part 23 of studies/dev-responses.ts, which reruns it. @default true
   */
  readonly blockCheck?: boolean;
}

export class ErrorTrend {
  private readonly ring = new Float32Array(RISE_RECENT + RISE_BEFORE);
  private pos = 0;
  private fill = 0;
  private readonly blockCheck: boolean;

  constructor(options: ErrorTrendOptions = {}) {
    this.blockCheck = options.blockCheck !== false;
  }

  /** The ring's errors, oldest first. */
  state(): number[] {
    const out: number[] = [];
    for (let k = this.fill; k >= 1; k--) out.push(this.at(k));
    return out;
  }

  restore(errors: readonly number[]): void {
    this.pos = 0;
    this.fill = 0;
    this.add(Float32Array.from(errors.slice(-this.ring.length)), 0, Math.min(errors.length, this.ring.length));
  }

  /** Adds errors[from, to). */
  add(errors: Float32Array, from: number, to: number): void {
    for (let i = from; i < to; i++) {
      this.ring[this.pos] = errors[i] as number;
      this.pos = (this.pos + 1) % this.ring.length;
      if (this.fill < this.ring.length) this.fill++;
    }
  }

  /**
   * Whether the mean error of the last 200 samples exceeds that of the (up to) 1,000 before them, by both:
   * - two standard errors from the pooled per-sample variance (the two-proportion test for 0/1 errors), which
   *   assumes independent errors; and, once at least 500 errors precede the recent 200,
   * - t standard errors from the variance of the window before's means in blocks of 100 (batch means: errors that
   *   come in runs, as in real streams, make that variance larger than the per-sample one), t being Student's
   *   quantile with (blocks - 1) degrees of freedom at the level of two standard errors. The variance comes from
   *   the window before alone, where the concept held: a change just before the check does not inflate it.
   * Under errors in runs of 10 and 50 the first check alone says "rose" for 14% and 30% of unchanged streams, both
   * together for 2.5% and 3.8% (studies/dev-responses.ts part 23). True when there are too few samples to tell.
   */
  rose(): boolean {
    if (this.fill < 2 * RISE_RECENT) return true;
    const beforeN = this.fill - RISE_RECENT;
    let recent = 0;
    let before = 0;
    let sumSq = 0;
    for (let k = 1; k <= this.fill; k++) {
      const v = this.at(k);
      if (k <= RISE_RECENT) recent += v;
      else before += v;
      sumSq += v * v;
    }
    const mean = (recent + before) / this.fill;
    const variance = Math.max(0, sumSq / this.fill - mean * mean);
    const rise = recent / RISE_RECENT - before / beforeN;
    if (!(rise > 2 * Math.sqrt(variance * (1 / RISE_RECENT + 1 / beforeN)))) return false;
    if (!this.blockCheck || beforeN < RISE_MIN_BEFORE) return true;
    // Block means of the window before, the newest block ending where the recent window starts.
    const blocks = Math.floor(beforeN / RISE_BLOCK);
    const means = new Float64Array(blocks);
    for (let b = 0; b < blocks; b++) {
      let sum = 0;
      for (let k = RISE_RECENT + b * RISE_BLOCK + 1; k <= RISE_RECENT + (b + 1) * RISE_BLOCK; k++) sum += this.at(k);
      means[b] = sum / RISE_BLOCK;
    }
    const meanOfMeans = means.reduce((a, m) => a + m, 0) / blocks;
    const blockVariance = (RISE_BLOCK * means.reduce((a, m) => a + (m - meanOfMeans) ** 2, 0)) / (blocks - 1);
    let t = riseQuantiles.get(blocks - 1);
    if (t === undefined) riseQuantiles.set(blocks - 1, (t = studentTUpperQuantile(RISE_LEVEL, blocks - 1)));
    return rise > t * Math.sqrt(blockVariance * (1 / RISE_RECENT + 1 / beforeN));
  }

  /** The k-th newest error (k = 1: the newest). */
  private at(k: number): number {
    return this.ring[(this.pos - k + this.ring.length) % this.ring.length] as number;
  }
}
