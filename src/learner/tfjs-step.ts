import type { DenseGradients } from './dense-gradients.js';
import type { OutputKind } from './models.js';
import { alignAdamPowers } from './optimizer.js';
import type { RegressionLoss } from './target-scaler.js';
import { tf } from './tf.js';
import { variableOf } from './tfjs-internals.js';

const EPS = 1e-7;

/** A set of weights that can score a batch: its model, and its Dense stack's own forward pass when it has one. */
export interface Scorer {
  readonly model: tf.LayersModel;
  readonly dense: DenseGradients | undefined;
}

/** One guarded gradient step through tfjs: the trained model, its optimizer, and what to score on the way. */
export interface TfjsStep {
  /** The trained weights, with their hand-written gradients when they are a plain Dense stack (else tfjs autodiff). */
  readonly trained: Scorer;
  readonly optimizer: tf.Optimizer;
  readonly kind: OutputKind;
  /** A regression model's loss (`model.loss`) on the autodiff path; the Dense path carries its own. @default squared */
  readonly loss?: RegressionLoss;
  readonly clipNorm: number;
  /** With averaging, the weights that predict: with `wantOutputs`, the outputs are theirs. */
  readonly serving?: Scorer;
  /** Return the pre-update outputs. */
  readonly wantOutputs: boolean;
  /** Return the trained weights' outputs too, when they are not the ones that predict. */
  readonly wantTrained?: boolean;
  /** One more set of weights to score on the same input tensor, before the step (the selector's shorter average). */
  readonly also?: Scorer;
}

export interface TfjsStepResult {
  readonly outputs: Float32Array;
  readonly trainedOutputs?: Float32Array;
  readonly alsoOutputs?: Float32Array;
  readonly loss: number;
  readonly applied: boolean;
}

/**
 * One guarded gradient step on `size` rows: refused (weights untouched) when the loss or the gradient norm is not
 * finite, scaled down when the norm exceeds `clipNorm`. Runs inside `tf.tidy`, one read-back for loss and norm.
 */
export function tfjsStep(features: Float32Array, labels: Float32Array, size: number, width: number, o: TfjsStep): TfjsStepResult {
  const { trained: t, wantOutputs, wantTrained = false, also } = o;
  let loss = Number.NaN;
  let applied = false;
  let outputs: Float32Array = new Float32Array(0);
  let trainedOutputs: Float32Array | undefined;
  let alsoOutputs: Float32Array | undefined;
  tf.tidy(() => {
    const x = tf.tensor2d(features, [size, width]);
    const y = tf.tensor1d(labels);
    let preds: tf.Tensor | undefined;
    let value: tf.Scalar;
    let grads: tf.NamedTensorMap;
    // With averaging the averaged weights predict; they move only after this step, in `average.update()`.
    if (wantOutputs && o.serving) preds = forwardOf(o.serving, x);
    if (also) alsoOutputs = forwardOf(also, x).dataSync() as Float32Array;
    let trainedOut: tf.Tensor | undefined;
    if (t.dense) {
      const r = t.dense.run(x, y);
      ({ loss: value, grads } = r);
      if (wantOutputs && !preds) preds = r.outputs;
      else if (wantTrained) trainedOut = r.outputs;
    } else {
      const vars = t.model.trainableWeights.map(variableOf);
      ({ value, grads } = tf.variableGrads(() => {
        const out = t.model.apply(x, { training: true }) as tf.Tensor;
        if (wantOutputs && !preds) preds = tf.keep(out);
        else if (wantTrained) trainedOut = tf.keep(out);
        return lossOf(t.model, o.kind, out, y, o.loss);
      }, vars));
    }
    const names = Object.keys(grads);
    const sq = names.map((n) => tf.sum(tf.square(grads[n] as tf.Tensor)));
    const norm = tf.sqrt(sq.length ? tf.addN(sq) : tf.scalar(0));
    const stats = tf.stack([value, norm]).dataSync();
    if (preds) {
      outputs = preds.dataSync() as Float32Array;
      // Kept out of variableGrads' own scope; this tidy's scope releases the dense path's.
      preds.dispose();
    }
    if (trainedOut) {
      trainedOutputs = trainedOut.dataSync() as Float32Array;
      trainedOut.dispose();
    }
    loss = stats[0] as number;
    const gradNorm = stats[1] as number;
    if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) return;
    const clip = o.clipNorm;
    const scaled: tf.NamedTensorMap = {};
    for (const n of names) scaled[n] = gradNorm > clip ? tf.mul(grads[n] as tf.Tensor, clip / gradNorm) : (grads[n] as tf.Tensor);
    alignAdamPowers(o.optimizer);
    o.optimizer.applyGradients(scaled);
    applied = true;
  });
  return { outputs, ...(trainedOutputs ? { trainedOutputs } : {}), ...(alsoOutputs ? { alsoOutputs } : {}), loss, applied };
}

/** Pre-update outputs of a set of weights for row-major features. */
export function scoreWith(s: Scorer, features: Float32Array, size: number): Float32Array {
  return tf.tidy(() => forwardOf(s, tf.tensor2d(features, [size, features.length / size])).dataSync() as Float32Array);
}

function forwardOf(s: Scorer, x: tf.Tensor2D): tf.Tensor {
  return s.dense ? s.dense.forward(x) : (s.model.predict(x) as tf.Tensor);
}

/** The training loss of a batch's outputs, with the model's layer regularizers. */
function lossOf(model: tf.LayersModel, kind: OutputKind, out: tf.Tensor, y: tf.Tensor1D, regression?: RegressionLoss): tf.Scalar {
  let loss: tf.Scalar;
  if (kind === 'regression' && regression?.type === 'huber') {
    // e^2 within delta, 2 delta |e| - delta^2 beyond (see target-scaler.ts' lossAndGradient).
    const err = tf.sub(out.reshape([-1]), y);
    const clipped = tf.clipByValue(err, -regression.delta, regression.delta);
    loss = tf.mean(tf.sub(tf.mul(tf.mul(clipped, 2), err), tf.square(clipped))) as tf.Scalar;
  } else if (kind === 'regression') {
    loss = tf.mean(tf.square(tf.sub(out.reshape([-1]), y))) as tf.Scalar;
  } else if (kind === 'binary') {
    const p = tf.clipByValue(out.reshape([-1]), EPS, 1 - EPS);
    loss = tf.neg(tf.mean(tf.add(tf.mul(y, tf.log(p)), tf.mul(tf.sub(1, y), tf.log(tf.sub(1, p)))))) as tf.Scalar;
  } else {
    const units = out.shape[out.shape.length - 1] as number;
    const oneHot = tf.oneHot(tf.cast(y, 'int32'), units);
    loss = tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.log(tf.clipByValue(out, EPS, 1))), -1))) as tf.Scalar;
  }
  // Layer regularizers (the L2 penalty), computed from the current weights. `model.losses` stays empty for
  // weight regularizers in tfjs-layers; each layer's calculateLosses() is what its own fit() adds.
  const penalties = model.layers.flatMap((l) => l.calculateLosses());
  return penalties.length ? (tf.add(loss, tf.addN(penalties)) as tf.Scalar) : loss;
}
