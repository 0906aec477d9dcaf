import type { ModelConfig } from '../core/index.js';
import { tf } from './tf.js';

/** How the last layer's output is read: probabilities for classifiers, a value for regression. */
export type OutputKind = 'binary' | 'multiclass' | 'regression';

/**
 * Builds the tfjs LayersModel of a built-in model type. Outputs are probabilities (sigmoid or softmax) or a
 * value, so a downstream service can run the saved model.json with any tfjs loader, no streamtrain code needed.
 * Single-layer models (`logistic`, `softmax`, `linear`: convex generalized linear models) start from zero
 * weights, like River's and scikit-learn's linear models: a random start only breaks the symmetry of hidden
 * units, and for a linear model it is a random, confidently wrong first model (measured on the SEA stream of
 * the quality benchmark: 0.0027 of prequential accuracy lost to the first concept). `mlp` layers are seeded
 * Glorot-uniform, so the same config and stream give the same model.
 */
export function buildModel(spec: ModelConfig, inputWidth: number): tf.LayersModel {
  const seed = spec.seed;
  const regularizer = spec.l2 > 0 ? tf.regularizers.l2({ l2: spec.l2 }) : undefined;
  const linear = spec.type !== 'mlp';
  const dense = (units: number, activation: 'relu' | 'sigmoid' | 'softmax' | 'linear', i: number, inputShape?: number[]) =>
    tf.layers.dense({
      units,
      activation,
      inputShape,
      kernelInitializer: linear ? 'zeros' : tf.initializers.glorotUniform({ seed: seed + i }),
      biasInitializer: 'zeros',
      kernelRegularizer: regularizer,
      name: `${activation === 'relu' ? 'hidden' : 'output'}_${i}`,
    });
  const model = tf.sequential({ name: spec.name.replace(/[^A-Za-z0-9_]/g, '_') });
  const outUnits = outputUnits(spec);
  const outActivation = spec.type === 'linear' ? 'linear' : outUnits === 1 ? 'sigmoid' : 'softmax';
  if (spec.type === 'mlp') {
    spec.hiddenUnits.forEach((units, i) => model.add(dense(units, 'relu', i, i === 0 ? [inputWidth] : undefined)));
    model.add(dense(outUnits, spec.task === 'regression' ? 'linear' : outActivation, spec.hiddenUnits.length));
  } else {
    model.add(dense(outUnits, outActivation, 0, [inputWidth]));
  }
  return model;
}

/** The output units a built-in model of this spec has (a custom model's own file may differ: outputKindOf). */
export function outputUnits(spec: ModelConfig): number {
  if (spec.type === 'linear' || spec.task === 'regression') return 1;
  if (spec.type === 'logistic') return 1;
  if (spec.type === 'softmax') return spec.classes;
  return spec.classes === 2 ? 1 : spec.classes;
}

/** Reads how to interpret a model's output from its last layer, so user models work like built-in ones. */
export function outputKindOf(model: tf.LayersModel, task: 'classification' | 'regression'): OutputKind {
  if (task === 'regression') return 'regression';
  const shape = model.outputs[0]?.shape ?? [];
  const units = shape[shape.length - 1] ?? 1;
  return units === 1 ? 'binary' : 'multiclass';
}

/** Input width a model expects (last dimension of its first input). */
export function inputWidthOf(model: tf.LayersModel): number {
  const shape = model.inputs[0]?.shape ?? [];
  return shape[shape.length - 1] ?? 0;
}
