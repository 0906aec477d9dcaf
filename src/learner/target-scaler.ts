import type { ModelConfig } from '../core/index.js';
import { STANDARDIZER_MIN_SAMPLES } from './standardizer.js';

/** What a checkpoint keeps of a target scaler: the count and moments of the labels, never a label. */
export interface TargetScalerState {
  readonly count: number;
  readonly mean: number;
  /** Sum of squared deviations from the mean (Welford's M2). */
  readonly m2: number;
}

/** The regression loss (`model.loss`): squared error, or Huber's with `delta` in standardized target units. */
export interface RegressionLoss {
  readonly type: 'squared' | 'huber';
  readonly delta: number;
}

export const SQUARED_LOSS: RegressionLoss = { type: 'squared', delta: 1 };

/** The loss a spec asks for; classifiers always learn with their log loss (this is then unused). */
export function regressionLossOf(spec: Pick<ModelConfig, 'loss' | 'huberDelta'>): RegressionLoss {
  return spec.loss === 'huber' ? { type: 'huber', delta: spec.huberDelta ?? 1 } : SQUARED_LOSS;
}

/** Whether a spec learns on a standardized target: `model.targetScaling`, on by default for regression. */
export function targetScalingOf(spec: Pick<ModelConfig, 'task' | 'targetScaling'>): boolean {
  return spec.task === 'regression' && spec.targetScaling !== false;
}

/**
 * Loss and gradient of one error e = output - target, summed over rows by the caller. Squared: e^2, gradient 2e.
 * Huber at delta, scaled to agree with the squared loss inside |e| <= delta: e^2 there, 2 delta |e| - delta^2
 * outside, gradient 2 clip(e, -delta, delta), so a heavy-tailed target's outliers pull with a bounded force.
 */
export function lossAndGradient(e: number, loss: RegressionLoss): [number, number] {
  if (loss.type === 'squared' || Math.abs(e) <= loss.delta) return [e * e, 2 * e];
  const d = loss.delta;
  return [2 * d * Math.abs(e) - d * d, e > 0 ? 2 * d : -2 * d];
}

/**
 * Running standardization of a regression target (`model.targetScaling`): the model learns on (y - mean) / sd,
 * with the mean and the population standard deviation of every label seen so far (Welford, float64), and its
 * outputs are mapped back by z * sd + mean, which the published weights carry folded into their last Dense layer
 * (`foldIntoOutput`). The learner updates the statistics with a batch's labels only after the batch is scored.
 * Before `minSamples` labels, and while the deviation is 0, the scaling is the identity (mean 0, sd 1), and a
 * checkpoint keeps no statistics (as the input standardizer does). Non-finite labels are left out: the learner's
 * guard refuses their update, and one bad record must not poison every later target.
 */
export class TargetScaler {
  private count: number;
  private mean: number;
  private m2: number;

  constructor(
    state?: TargetScalerState,
    readonly minSamples = STANDARDIZER_MIN_SAMPLES,
  ) {
    const fits = TargetScaler.fits(state);
    this.count = fits ? state.count : 0;
    this.mean = fits ? state.mean : 0;
    this.m2 = fits ? state.m2 : 0;
  }

  /** Whether a saved state holds sane numbers (else the learner starts the statistics over). */
  static fits(state: unknown): state is TargetScalerState {
    const s = state as Partial<TargetScalerState> | undefined;
    const ok = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
    return ok(s?.count) && ok(s?.mean) && ok(s?.m2) && (s?.count as number) >= 0 && (s?.m2 as number) >= 0;
  }

  get samples(): number {
    return this.count;
  }

  /** Folds the finite labels into the statistics. */
  update(labels: Float32Array): void {
    for (const y of labels) {
      if (!Number.isFinite(y)) continue;
      this.count += 1;
      const d = y - this.mean;
      this.mean += d / this.count;
      this.m2 += d * (y - this.mean);
    }
  }

  /** [mean, sd] of the current scaling: y = z * sd + mean. The identity [0, 1] before `minSamples` or at sd 0. */
  affine(): [number, number] {
    const sd = this.count > 0 ? Math.sqrt(this.m2 / this.count) : 0;
    return this.count < this.minSamples || !(sd > 0) ? [0, 1] : [this.mean, sd];
  }

  /** The labels on the model's scale, (y - mean) / sd (non-finite ones stay non-finite). */
  scale(labels: Float32Array): Float32Array {
    const [mean, sd] = this.affine();
    const out = new Float32Array(labels.length);
    for (let i = 0; i < labels.length; i++) out[i] = ((labels[i] as number) - mean) / sd;
    return out;
  }

  /** Counts and moments; before `minSamples` labels, an empty state. */
  state(): TargetScalerState {
    return this.count < this.minSamples ? { count: 0, mean: 0, m2: 0 } : { count: this.count, mean: this.mean, m2: this.m2 };
  }
}

/** Model outputs in target units, z * sd + mean for `affine` = [mean, sd], computed in float64, in place. */
export function unscale(outputs: Float32Array, affine: readonly [number, number]): Float32Array {
  const [mean, sd] = affine;
  if (mean === 0 && sd === 1) return outputs;
  for (let i = 0; i < outputs.length; i++) outputs[i] = (outputs[i] as number) * sd + mean;
  return outputs;
}

/**
 * Folds z * sd + mean into a last Dense layer (linear activation), so that the layer gives target units:
 * kernel' = kernel * sd, bias' = bias * sd + mean, computed in float64.
 */
export function foldIntoOutput(kernel: Float32Array, bias: Float32Array, affine: readonly [number, number]): { kernel: Float32Array; bias: Float32Array } {
  const [mean, sd] = affine;
  const k = new Float32Array(kernel.length);
  for (let i = 0; i < kernel.length; i++) k[i] = (kernel[i] as number) * sd;
  const b = new Float32Array(bias.length);
  for (let o = 0; o < bias.length; o++) b[o] = (bias[o] as number) * sd + mean;
  return { kernel: k, bias: b };
}
