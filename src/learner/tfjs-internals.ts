import type { tf } from './tf.js';

/**
 * Every place the learner reaches past the public, typed API of tfjs, in one module: fields that tfjs-core and
 * tfjs-layers 4.x keep on their optimizers and layers without declaring them. The typed trainer reads and writes
 * Adam's moments in place, the drift responses change a live optimizer's learning rate, and the hand-written
 * gradients read each layer's config and variables. A tfjs upgrade that renames one of these breaks it here, and
 * the tests that compare the typed trainer and the learner with tfjs' own steps say so.
 */

/** tfjs Adam's slots, as tfjs-core 4.x keeps them (read and written in place by the typed trainer). */
export interface AdamInternals {
  beta1: number;
  beta2: number;
  epsilon: number;
  learningRate: number;
  iterations_: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: ({ originalName: string; variable: tf.Variable } | undefined)[];
  accumulatedSecondMoment: ({ originalName: string; variable: tf.Variable } | undefined)[];
}

/** What every tfjs optimizer keeps: its learning rate and (settable) iteration count; SGD and momentum a setter. */
export interface OptimizerInternals {
  learningRate: number;
  readonly iterations: number;
  iterations_: number;
  setLearningRate?: (lr: number) => void;
}

/** What the hand-written gradients read of a tfjs-layers layer. */
export interface LayerInternals {
  getClassName(): string;
  getConfig(): Record<string, unknown>;
  readonly trainableWeights: { read(): tf.Tensor; readonly name: string }[];
}

/** Adam's internals; undefined for the other optimizers. */
export function adamInternals(optimizer: tf.Optimizer): AdamInternals | undefined {
  return optimizer.getClassName() === 'Adam' ? (optimizer as unknown as AdamInternals) : undefined;
}

export function optimizerInternals(optimizer: tf.Optimizer): OptimizerInternals {
  return optimizer as unknown as OptimizerInternals;
}

/** A model's layers with the fields the hand-written gradients read. */
export function layersOf(model: tf.LayersModel): LayerInternals[] {
  return model.layers as unknown as LayerInternals[];
}

/** The tf.Variable behind a tfjs-layers weight (a LayerVariable's `read()` returns it, typed as a plain tensor). */
export function variableOf(weight: { read(): tf.Tensor }): tf.Variable {
  return weight.read() as tf.Variable;
}
