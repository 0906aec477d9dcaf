/** What a checkpoint keeps of a standardizer: counts and moments, never a value. */
export interface StandardizerState {
  readonly count: number;
  readonly mean: readonly number[];
  /** Sum of squared deviations from the mean (Welford's M2), per feature. */
  readonly m2: readonly number[];
}

/**
 * Rows a standardizer must have seen before its statistics reach anything outside the learner's steps. Below it
 * the mean of a few rows is close to those rows (of one row, it is the row; of two, mean and deviation give both
 * back), so until then scoring and `predict` see every input as 0 (the served model is its bias), checkpoints keep
 * no statistics (a restart counts afresh) and published weights carry no scaling. The steps learn every row
 * standardized with the statistics they have from the first row (`updateEach`, `learningTransform`): what they
 * leave is weights, never statistics.
 */
export const STANDARDIZER_MIN_SAMPLES = 30;

/**
 * Running standardization of row-major feature vectors (`model.standardize`): each feature becomes
 * (x - mean) / sd with the mean and the population standard deviation of every row seen so far, updated by
 * Welford's method in float64. A feature whose deviation is still 0 maps to 0 (River's StandardScaler does the
 * same). Rows with a non-finite value are left out of the statistics (the learner's guard refuses them), so one
 * bad record cannot poison every later input.
 */
export class Standardizer {
  private count: number;
  private readonly mean: Float64Array;
  private readonly m2: Float64Array;

  constructor(
    readonly width: number,
    state?: StandardizerState,
    readonly minSamples = STANDARDIZER_MIN_SAMPLES,
  ) {
    const fits = state !== undefined && state.mean.length === width && state.m2.length === width && Number.isFinite(state.count) && state.count >= 0;
    this.count = fits ? state.count : 0;
    this.mean = fits ? Float64Array.from(state.mean) : new Float64Array(width);
    this.m2 = fits ? Float64Array.from(state.m2) : new Float64Array(width);
  }

  /** Whether a saved state has this width and sane numbers (else the learner starts the statistics over). */
  static fits(state: unknown, width: number): state is StandardizerState {
    const s = state as Partial<StandardizerState> | undefined;
    const finite = (a: unknown) => Array.isArray(a) && a.length === width && a.every((v) => typeof v === 'number' && Number.isFinite(v));
    return (
      typeof s?.count === 'number' && Number.isFinite(s.count) && s.count >= 0 && finite(s.mean) && finite(s.m2) && (s.m2 as number[]).every((v) => v >= 0)
    );
  }

  get samples(): number {
    return this.count;
  }

  /** Folds `size` rows into the statistics. */
  update(features: Float32Array, size: number): void {
    for (let r = 0; r < size; r++) this.fold(features, r * this.width);
  }

  /** Folds the row at `base` into the statistics (Welford) unless it has a non-finite value. */
  private fold(features: Float32Array, base: number): void {
    const w = this.width;
    for (let j = 0; j < w; j++) if (!Number.isFinite(features[base + j] as number)) return;
    this.count += 1;
    const n = this.count;
    for (let j = 0; j < w; j++) {
      const x = features[base + j] as number;
      const d = x - (this.mean[j] as number);
      this.mean[j] = (this.mean[j] as number) + d / n;
      this.m2[j] = (this.m2[j] as number) + d * (x - (this.mean[j] as number));
    }
  }

  /**
   * Folds `size` rows into the statistics one at a time and returns each row standardized with the statistics of
   * the rows up to and including it (as a learner that takes one record at a time sees it); a row with a
   * non-finite value is left out of the statistics and standardized with those before it.
   */
  updateEach(features: Float32Array, size: number): Float32Array {
    const w = this.width;
    const mean = this.mean;
    const m2 = this.m2;
    const out = new Float32Array(size * w);
    for (let r = 0, base = 0; r < size; r++, base += w) {
      this.fold(features, base);
      const n = this.count;
      for (let j = 0; j < w; j++) {
        const sd = n > 0 ? Math.sqrt((m2[j] as number) / n) : 0;
        out[base + j] = ((features[base + j] as number) - (mean[j] as number)) * (sd > 0 ? 1 / sd : 0);
      }
    }
    return out;
  }

  /**
   * The standardized copy of `size` rows for the learner's steps: with the statistics as they stand, before
   * `minSamples` rows too (`transform` maps to 0 until then).
   */
  learningTransform(features: Float32Array, size: number): Float32Array {
    return this.apply(features, size, this.moments());
  }

  /** The standardized copy of `size` rows as scored and served (non-finite values stay non-finite). */
  transform(features: Float32Array, size: number): Float32Array {
    return this.apply(features, size, this.affine());
  }

  /**
   * x' = (x - shift) * scale, per feature: the mean, and 1 / sd (0 while the deviation is 0). Before `minSamples`
   * rows, both are 0.
   */
  affine(): [Float64Array, Float64Array] {
    if (this.count < this.minSamples) return [new Float64Array(this.width), new Float64Array(this.width)];
    return this.moments();
  }

  /** [mean, 1 / sd] of the rows seen so far, whatever their number (both 0 before any row). */
  private moments(): [Float64Array, Float64Array] {
    const scale = new Float64Array(this.width);
    for (let j = 0; j < this.width; j++) {
      const sd = this.count > 0 ? Math.sqrt((this.m2[j] as number) / this.count) : 0;
      scale[j] = sd > 0 ? 1 / sd : 0;
    }
    return [Float64Array.from(this.mean), scale];
  }

  private apply(features: Float32Array, size: number, [shift, scale]: [Float64Array, Float64Array]): Float32Array {
    const w = this.width;
    const out = new Float32Array(size * w);
    for (let r = 0; r < size; r++) for (let j = 0; j < w; j++) out[r * w + j] = ((features[r * w + j] as number) - (shift[j] as number)) * (scale[j] as number);
    return out;
  }

  /** Counts and moments; before `minSamples` rows, an empty state (nothing of those rows leaves the process). */
  state(): StandardizerState {
    if (this.count < this.minSamples) return { count: 0, mean: Array.from({ length: this.width }, () => 0), m2: Array.from({ length: this.width }, () => 0) };
    return { count: this.count, mean: Array.from(this.mean), m2: Array.from(this.m2) };
  }
}

/**
 * Folds a standardization into a first Dense layer, so that the layer applied to raw x gives what the original
 * applied to standardized x gives: kernel'[i][o] = kernel[i][o] * scale[i], bias'[o] = bias[o] - sum_i shift[i] *
 * scale[i] * kernel[i][o]. `kernel` is row-major [inputs, units], as tfjs stores it. Computed in float64.
 */
export function foldIntoDense(
  kernel: Float32Array,
  bias: Float32Array | undefined,
  shift: Float64Array,
  scale: Float64Array,
): { kernel: Float32Array; bias: Float32Array } {
  const inputs = shift.length;
  const units = kernel.length / inputs;
  const k = new Float32Array(kernel.length);
  const b = new Float64Array(units);
  for (let o = 0; o < units; o++) b[o] = bias ? (bias[o] as number) : 0;
  for (let i = 0; i < inputs; i++) {
    for (let o = 0; o < units; o++) {
      const w = (kernel[i * units + o] as number) * (scale[i] as number);
      k[i * units + o] = w;
      b[o] = (b[o] as number) - (shift[i] as number) * w;
    }
  }
  return { kernel: k, bias: Float32Array.from(b) };
}
