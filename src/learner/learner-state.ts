import type { ModelSnapshot } from '../core/index.js';
import { CheckpointIntegrityError } from '../core/index.js';
import type { HorizonSelectorState } from './horizon-selector.js';
import type { StandardizerState } from './standardizer.js';
import type { TargetScalerState } from './target-scaler.js';
import { tf } from './tf.js';

/** The format of `LearnerState` this version writes; `readLearnerState` also reads the format before it (1). */
export const LEARNER_STATE_FORMAT = 2;

/** One weight of a saved set: shape, dtype and its little-endian bytes in base64. */
export interface SavedTensor {
  readonly shape: readonly number[];
  readonly dtype: 'float32' | 'int32';
  readonly data: string;
}

/** A set of weights in model order (per layer, as `model.weights` lists them). */
export type SavedWeights = readonly SavedTensor[];

/** A weight average's bookkeeping (see WeightAverage), and with `model.averaging.select` its weights. */
export interface SavedAverage {
  readonly mass: number;
  readonly holdoff: number;
  readonly weights?: SavedWeights;
}

/**
 * What the learner keeps beyond the published weights and the optimizer's slots, so that a restored learner
 * continues exactly: a snapshot's `learner`, written into state.bin next to the optimizer and the manager state.
 * Every field is absent when its feature is off. Format 1 had no such object: the same content sat inside the
 * optimizer snapshot under `streamtrain.*` tensor names and extra config keys (see legacy-state.ts).
 */
export interface LearnerState {
  readonly formatVersion: typeof LEARNER_STATE_FORMAT;
  /** With averaging: the weights the optimizer moves (the published ones are the average, or the chosen candidate). */
  readonly trained?: SavedWeights;
  /**
   * With `model.standardize` or `model.targetScaling`: the weights that predicted, on standardized features and
   * target (the published ones take raw features and give target units).
   */
  readonly unfolded?: SavedWeights;
  /** With averaging: the average's bookkeeping; with `model.averaging.select` also its weights. */
  readonly average?: SavedAverage;
  /** With `model.averaging.select`: the shorter average. */
  readonly short?: SavedAverage;
  /** With `model.averaging.select`: the selector's window (a regression model's only with `checkpoints.regressionErrors`). */
  readonly selector?: HorizonSelectorState;
  /** With `model.standardize`: counts and moments of the inputs. */
  readonly standardizer?: StandardizerState;
  /** With `model.targetScaling`: count and moments of the regression target. */
  readonly targetScaler?: TargetScalerState;
}

/** A snapshot's learner state and the optimizer's own slots, whatever the format the snapshot was written in. */
export interface ReadLearnerState {
  readonly learner: LearnerState;
  readonly optimizer: ModelSnapshot['optimizer'];
}

/** A saved weight set from the weights (in model order). */
export function saveWeights(weights: readonly { read(): tf.Tensor }[]): SavedTensor[] {
  return weights.map((w) => saveTensor(w.read()));
}

export function saveTensor(t: tf.Tensor): SavedTensor {
  const dtype = t.dtype === 'int32' ? 'int32' : 'float32';
  const values = dtype === 'int32' ? Int32Array.from(t.dataSync()) : Float32Array.from(t.dataSync());
  return { shape: [...t.shape], dtype, data: Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64') };
}

/** The tensors of a saved set (empty when absent); the caller disposes them. */
export function loadWeights(saved: SavedWeights | undefined): tf.Tensor[] {
  return (saved ?? []).map((s) => {
    const bytes = Buffer.from(s.data, 'base64');
    const count = s.shape.reduce((a, b) => a * b, 1);
    if (bytes.byteLength !== count * 4)
      throw new CheckpointIntegrityError(`learner state: a tensor of shape [${s.shape.join(', ')}] holds ${bytes.byteLength} bytes`);
    const copy = new Uint8Array(bytes);
    return tf.tensor(s.dtype === 'int32' ? new Int32Array(copy.buffer) : new Float32Array(copy.buffer), [...s.shape], s.dtype);
  });
}

/** An average's bookkeeping as saved; anything unreadable restarts it (mass 0, no hold-off). */
export function averageBookkeeping(saved: { readonly mass?: unknown; readonly holdoff?: unknown } | undefined): { mass: number; holdoff: number } {
  const m = saved?.mass;
  const h = saved?.holdoff;
  return {
    mass: typeof m === 'number' && Number.isFinite(m) && m >= 0 && m <= 1 ? m : 0,
    holdoff: typeof h === 'number' && Number.isFinite(h) && h >= 0 ? h : 0,
  };
}
