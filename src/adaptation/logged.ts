import type { LoggedOutputs, MetricValues, ModelConfig } from '../core/index.js';

/** What a checkpoint keeps of the logged metric: samples scored and the sum of their errors. */
export interface LoggedState {
  readonly samples: number;
  readonly errors: number;
}

/**
 * The quality of the predictions a prediction log says were served (`input.format: prediction-log`): each example's
 * logged output, from whichever version served it, scored against the label it was joined with. Unlike the fresh
 * metrics (`accuracy`: the trainer's current model, test-then-train) and `served_*` (the trainer's champion at the
 * time it learned the example), this is what callers actually got. `logged_accuracy` for classifiers (a binary
 * output predicts class 1 above 0.5, a multi-class one its largest; errors are 0/1), `logged_mae` for regression,
 * both since the model's start (kept in checkpoints) and over the last `window` scored examples (`_window`, memory
 * only), with `logged_samples`. Rows with no usable logged output (NaN) are not scored.
 */
export class LoggedMetric {
  private samples = 0;
  private errors = 0;
  private readonly ring: Float32Array;
  private pos = 0;
  private fill = 0;

  constructor(
    private readonly task: ModelConfig['task'],
    window: number,
  ) {
    this.ring = new Float32Array(Math.max(1, window));
  }

  /** Scores a batch's logged outputs against its labels. */
  add(logged: LoggedOutputs, labels: Float32Array): void {
    const { width, values } = logged;
    for (let i = 0; i < labels.length; i++) {
      const first = values[i * width];
      if (first === undefined || Number.isNaN(first)) continue;
      const e = this.errorOf(values, i, width, labels[i] as number);
      if (!Number.isFinite(e)) continue;
      this.samples++;
      this.errors += e;
      this.ring[this.pos] = e;
      this.pos = (this.pos + 1) % this.ring.length;
      if (this.fill < this.ring.length) this.fill++;
    }
  }

  /** Absent until an example from a prediction log is scored (a service without one shows no `logged_*`). */
  values(): MetricValues {
    if (this.samples === 0) return {};
    let w = 0;
    for (let i = 0; i < this.fill; i++) w += this.ring[i] as number;
    const [mean, windowMean] = [this.errors / this.samples, w / this.fill];
    return this.task === 'regression'
      ? { logged_mae: mean, logged_mae_window: windowMean, logged_samples: this.samples }
      : { logged_accuracy: 1 - mean, logged_accuracy_window: 1 - windowMean, logged_samples: this.samples };
  }

  /** Undefined before the first scored example, so checkpoints of services without a prediction log are unchanged. */
  state(): LoggedState | undefined {
    return this.samples > 0 ? { samples: this.samples, errors: this.errors } : undefined;
  }

  /** Continues from a checkpoint's counts; anything unreadable starts over. */
  restore(s: Partial<LoggedState> | undefined): void {
    const ok = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
    if (!s || !ok(s.samples) || !ok(s.errors)) return;
    this.samples = s.samples;
    this.errors = s.errors;
  }

  /** |label - output| for regression; else 1 when the class the output predicts is not the label. */
  private errorOf(values: Float32Array, i: number, width: number, y: number): number {
    const at = i * width;
    if (this.task === 'regression') return Math.abs((values[at] as number) - y);
    if (width === 1) return ((values[at] as number) > 0.5 ? 1 : 0) === (y >= 0.5 ? 1 : 0) ? 0 : 1;
    let best = 0;
    for (let k = 1; k < width; k++) if ((values[at + k] as number) > (values[at + best] as number)) best = k;
    return best === y ? 0 : 1;
  }
}
