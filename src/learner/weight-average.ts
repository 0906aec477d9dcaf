import { StreamtrainError } from '../core/index.js';
import { tf } from './tf.js';

/** What tfjs-layers' LayerVariable offers: the current value, and an assignment that keeps the variable. */
export interface WeightVariable {
  read(): tf.Tensor;
  write(value: tf.Tensor): unknown;
}

export interface WeightAverageOptions {
  /** The weights the optimizer moves, in model order. */
  readonly trained: readonly WeightVariable[];
  /** The same shapes, in the same order: the weights that predict. */
  readonly averaged: readonly WeightVariable[];
  readonly horizon: number;
  /** A saved average's bookkeeping (see `mass` and `holdoff`). @default 0 */
  readonly mass?: number;
  /** @default 0 */
  readonly holdoff?: number;
  /** Samples the trained weights predict alone after a `restart()`. @default horizon */
  readonly holdoffLength?: number;
}

/**
 * An exponential moving average of one model's weights, kept in the variables of a second model of the same
 * topology (the one that predicts). Each trained sample discounts the past by (1 - 1/horizon), whatever the size
 * of the step that carried it, so the horizon means the same with a step per sample or a step per batch.
 *
 * The average is bias-corrected: `mass` is the total weight the discounting has left on the samples averaged so
 * far (0 after a restart, tending to 1), and an update with discount r moves the average by
 * (1 - r) / (r * mass + 1 - r) of the way to the trained weights. The first update after a restart therefore
 * copies the trained weights, and the average never mixes in the zeros it started from.
 *
 * After a `restart()` (a detected change), the trained weights predict alone for `holdoffLength` samples (the
 * learner passes `model.averaging.holdoff`; without it, the horizon): an average of the iterates right after a change would still be mostly the old concept's.
 * Then averaging starts over.
 */
export class WeightAverage {
  private readonly perSample: number;

  private readonly trained: readonly WeightVariable[];
  private readonly averaged: readonly WeightVariable[];
  readonly horizon: number;
  readonly holdoffLength: number;
  private massValue: number;
  private holdoffValue: number;

  constructor(o: WeightAverageOptions) {
    if (o.trained.length !== o.averaged.length)
      throw new StreamtrainError('AVERAGE_SHAPE', `weight average: ${o.trained.length} trained weights but ${o.averaged.length} averaged ones`);
    this.trained = o.trained;
    this.averaged = o.averaged;
    this.horizon = o.horizon;
    this.massValue = o.mass ?? 0;
    this.holdoffValue = o.holdoff ?? 0;
    this.holdoffLength = o.holdoffLength ?? o.horizon;
    this.perSample = 1 - 1 / Math.max(1, o.horizon);
  }

  get mass(): number {
    return this.massValue;
  }

  /** Samples left before averaging starts again after a restart. */
  get holdoff(): number {
    return this.holdoffValue;
  }

  /** Folds the trained weights in after a step that learned `samples` samples. */
  update(samples: number): void {
    const c = this.advance(samples);
    if (c === 0) return;
    if (c >= 1) {
      this.copy();
      return;
    }
    tf.tidy(() => {
      for (let i = 0; i < this.trained.length; i++) {
        const a = this.averaged[i] as WeightVariable;
        const w = (this.trained[i] as WeightVariable).read();
        // Integer weights (a custom model's) are copied: an average of them would not be one.
        a.write(w.dtype !== 'float32' ? w.clone() : tf.add(a.read(), tf.mul(tf.sub(w, a.read()), c)));
      }
    });
  }

  /**
   * The bookkeeping of `update()` alone, for a caller that keeps the weights elsewhere during a step (the typed
   * trainer): returns how far the average moves towards the trained weights, average + (trained - average) * c,
   * with 1 meaning a copy (during a hold-off, or the first update after a restart) and 0 nothing to do.
   */
  advance(samples: number): number {
    if (samples <= 0) return 0;
    if (this.holdoffValue > 0) {
      this.holdoffValue = Math.max(0, this.holdoffValue - samples);
      return 1;
    }
    const r = this.perSample ** samples;
    const c = (1 - r) / (r * this.massValue + 1 - r);
    this.massValue = r * this.massValue + 1 - r;
    return c;
  }

  /** Restarts the average: the trained weights predict alone for `holdoffLength` samples, then averaging starts over. */
  restart(): void {
    this.massValue = 0;
    this.holdoffValue = this.holdoffLength;
    this.copy();
  }

  private copy(): void {
    tf.tidy(() => {
      for (let i = 0; i < this.trained.length; i++) (this.averaged[i] as WeightVariable).write((this.trained[i] as WeightVariable).read().clone());
    });
  }
}
