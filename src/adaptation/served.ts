import type { MetricValues, ModelConfig } from '../core/index.js';

/** What a checkpoint keeps of the served metric: samples scored and the sum of their errors. */
export interface ServedState {
  readonly samples: number;
  readonly errors: number;
}

/**
 * The quality of what was actually served since the model's start: every batch's errors of whichever model predicted
 * it (the champion of the moment: a pool's serving member, a hedged period's leader, a promoted challenger), summed
 * across promotions, pool switches and restarts. `served_accuracy` for classifiers (errors are 0/1), `served_mae` for
 * regression (errors are |label - prediction|), with `served_samples`. A non-finite error (a record the guard
 * refused) is left out.
 */
export class ServedMetric {
  private samples = 0;
  private errors = 0;

  constructor(private readonly task: ModelConfig['task']) {}

  add(errors: Float32Array): void {
    let n = 0;
    let sum = 0;
    for (let i = 0; i < errors.length; i++) {
      const e = errors[i] as number;
      if (!Number.isFinite(e)) continue;
      n++;
      sum += e;
    }
    this.samples += n;
    this.errors += sum;
  }

  values(): MetricValues {
    if (this.samples === 0) return { served_samples: 0 };
    const mean = this.errors / this.samples;
    return { ...(this.task === 'regression' ? { served_mae: mean } : { served_accuracy: 1 - mean }), served_samples: this.samples };
  }

  state(): ServedState {
    return { samples: this.samples, errors: this.errors };
  }

  /** Continues from a checkpoint's counts; anything unreadable starts over. */
  restore(s: Partial<ServedState> | undefined): void {
    const ok = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
    if (!s || !ok(s.samples) || !ok(s.errors)) return;
    this.samples = s.samples;
    this.errors = s.errors;
  }
}
