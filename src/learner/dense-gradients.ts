import type { OutputKind } from './models.js';
import { SQUARED_LOSS, type RegressionLoss } from './target-scaler.js';
import { tf } from './tf.js';
import { layersOf, variableOf } from './tfjs-internals.js';

/** One Dense layer of a plain stack, with what its gradient needs. */
export interface DenseLayer {
  readonly kernel: tf.Variable;
  readonly bias?: tf.Variable;
  readonly activation: string;
  /** L2 factor of the kernel regularizer (0 without one). */
  readonly l2: number;
}

const HIDDEN: readonly string[] = ['relu', 'linear', 'tanh', 'sigmoid'];
const OUTPUT: Record<OutputKind, string> = { binary: 'sigmoid', multiclass: 'softmax', regression: 'linear' };

/**
 * Gradients of a plain stack of Dense layers, by hand. tfjs' tape records some thirty kernels for one step of a
 * logistic regression (layer bookkeeping, the clipped log loss and its backward pass); for a Dense stack with the
 * canonical output for its task (sigmoid + log loss, softmax + cross-entropy, linear + squared error) the
 * gradient with respect to the logits is simply (p - y) / n, and backpropagation is two matrix products per
 * layer. The loss is computed from the logits (softplus / log-sum-exp), which is exact where the clipped
 * probability loss is not. Any other model (a user's model.json with other layers, L1 penalties, constraints)
 * goes through tf.variableGrads instead: `of()` returns undefined for it.
 */
export class DenseGradients {
  private constructor(
    /** The stack's layers, input first. */
    readonly layers: readonly DenseLayer[],
    private readonly kind: OutputKind,
    /** A regression model's loss (`model.loss`). */
    readonly loss: RegressionLoss,
  ) {}

  static of(model: tf.LayersModel, kind: OutputKind, loss: RegressionLoss = SQUARED_LOSS): DenseGradients | undefined {
    const layers: DenseLayer[] = [];
    const all = layersOf(model);
    for (const [i, layer] of all.entries()) {
      if (layer.getClassName() === 'InputLayer') continue;
      if (layer.getClassName() !== 'Dense') return undefined;
      const c = layer.getConfig();
      const activation = String(c.activation ?? 'linear');
      const last = i === all.length - 1;
      if (last ? activation !== OUTPUT[kind] : !HIDDEN.includes(activation)) return undefined;
      if (c.biasRegularizer || c.activityRegularizer || c.kernelConstraint || c.biasConstraint) return undefined;
      const l2 = l2Of(c.kernelRegularizer);
      if (l2 === undefined) return undefined;
      const weights = layer.trainableWeights.map(variableOf);
      const kernel = weights[0];
      if (!kernel || kernel.rank !== 2 || weights.length > 2) return undefined;
      layers.push({ kernel, bias: weights[1], activation, l2 });
    }
    // Every trainable weight must be one of ours, or the optimizer would skip some.
    if (layers.length === 0 || layers.reduce((n, l) => n + (l.bias ? 2 : 1), 0) !== model.trainableWeights.length) return undefined;
    return new DenseGradients(layers, kind, loss);
  }

  /** Whether the model's first layer with weights is a Dense layer with a bias (what standardization folds into). */
  static firstDense(model: tf.LayersModel): boolean {
    const first = layersOf(model).find((l) => l.getClassName() !== 'InputLayer');
    return first?.getClassName() === 'Dense' && first.getConfig().useBias !== false;
  }

  /** Whether the model's last layer is a Dense layer with a bias and a linear output (what target scaling folds into). */
  static lastDense(model: tf.LayersModel): boolean {
    const last = layersOf(model).at(-1);
    const c = last?.getConfig();
    return last?.getClassName() === 'Dense' && c?.useBias !== false && String(c?.activation ?? 'linear') === 'linear';
  }

  /**
   * Forward and backward pass on one batch, inside the caller's tf.tidy. Returns the outputs (probabilities or
   * values, as the model's predict() gives them), the mean loss including the L2 penalty, and the gradients
   * keyed by variable name, as tf.variableGrads would.
   */
  run(x: tf.Tensor2D, y: tf.Tensor1D): { outputs: tf.Tensor; loss: tf.Scalar; grads: tf.NamedTensorMap } {
    const n = x.shape[0];
    const inputs: tf.Tensor2D[] = [];
    const logits = this.logits(x, inputs);
    const last = this.layers.length - 1;
    let outputs: tf.Tensor;
    let loss: tf.Scalar;
    let dz: tf.Tensor2D;
    if (this.kind === 'binary') {
      const z = logits.reshape([-1]) as tf.Tensor1D;
      outputs = tf.sigmoid(logits);
      loss = tf.mean(tf.sub(tf.softplus(z), tf.mul(y, z)));
      dz = tf.div(tf.sub(outputs, y.reshape([-1, 1])), n) as tf.Tensor2D;
    } else if (this.kind === 'multiclass') {
      const units = logits.shape[1];
      const oneHot = tf.oneHot(tf.cast(y, 'int32'), units) as tf.Tensor2D;
      outputs = tf.softmax(logits);
      loss = tf.mean(tf.sub(tf.logSumExp(logits, 1), tf.sum(tf.mul(oneHot, logits), 1)));
      dz = tf.div(tf.sub(outputs, oneHot), n) as tf.Tensor2D;
    } else {
      outputs = logits;
      const err = tf.sub(logits, y.reshape([-1, 1])) as tf.Tensor2D;
      if (this.loss.type === 'huber') {
        // e^2 within delta, 2 delta |e| - delta^2 beyond (target-scaler.ts' lossAndGradient); gradient 2 clip(e).
        const d = this.loss.delta;
        const clipped = tf.clipByValue(err, -d, d);
        loss = tf.mean(tf.sub(tf.mul(tf.mul(clipped, 2), err), tf.square(clipped)));
        dz = tf.mul(clipped, 2 / n) as tf.Tensor2D;
      } else {
        loss = tf.mean(tf.square(err));
        dz = tf.mul(err, 2 / n) as tf.Tensor2D;
      }
    }
    const grads: tf.NamedTensorMap = {};
    let penalty: tf.Scalar | undefined;
    for (let i = last; i >= 0; i--) {
      const l = this.layers[i] as DenseLayer;
      const input = inputs[i] as tf.Tensor2D;
      let dW: tf.Tensor = tf.matMul(input, dz, true, false);
      if (l.l2 > 0) {
        dW = tf.add(dW, tf.mul(l.kernel, 2 * l.l2));
        const p = tf.mul(tf.sum(tf.square(l.kernel)), l.l2) as tf.Scalar;
        penalty = penalty ? (tf.add(penalty, p) as tf.Scalar) : p;
      }
      grads[l.kernel.name] = dW;
      if (l.bias) grads[l.bias.name] = tf.sum(dz, 0);
      if (i > 0) {
        // `input` is the previous layer's activation a; its derivative is written in terms of a.
        const da = tf.matMul(dz, l.kernel as tf.Tensor2D, false, true);
        const act = (this.layers[i - 1] as DenseLayer).activation;
        if (act === 'relu') dz = tf.mul(da, tf.step(input)) as tf.Tensor2D;
        else if (act === 'tanh') dz = tf.mul(da, tf.sub(1, tf.square(input))) as tf.Tensor2D;
        else if (act === 'sigmoid') dz = tf.mul(da, tf.mul(input, tf.sub(1, input))) as tf.Tensor2D;
        else dz = da as tf.Tensor2D;
      }
    }
    return { outputs, loss: penalty ? (tf.add(loss, penalty) as tf.Scalar) : loss, grads };
  }

  /** The outputs alone (what the model's predict() gives), inside the caller's tf.tidy: a few kernels per layer. */
  forward(x: tf.Tensor2D): tf.Tensor {
    const logits = this.logits(x);
    return this.kind === 'binary' ? tf.sigmoid(logits) : this.kind === 'multiclass' ? tf.softmax(logits) : logits;
  }

  /** The last layer's pre-activation; each layer's input is pushed to `inputs` when given (for the backward pass). */
  private logits(x: tf.Tensor2D, inputs?: tf.Tensor2D[]): tf.Tensor2D {
    let a: tf.Tensor2D = x;
    const last = this.layers.length - 1;
    this.layers.forEach((l, i) => {
      inputs?.push(a);
      const fused = i < last && (l.activation === 'relu' || l.activation === 'linear') ? l.activation : 'linear';
      let z = tf.fused.matMul({ a, b: l.kernel as tf.Tensor2D, bias: l.bias, activation: fused }) as tf.Tensor2D;
      if (i < last && fused !== l.activation) z = (l.activation === 'tanh' ? tf.tanh(z) : tf.sigmoid(z)) as tf.Tensor2D;
      a = z;
    });
    return a;
  }
}

/** The L2 factor of a serialized kernel regularizer; undefined for anything else (an L1 part, a custom one). */
function l2Of(reg: unknown): number | undefined {
  if (reg === null || reg === undefined) return 0;
  const r = reg as { className?: string; config?: { l1?: number; l2?: number } };
  if (r.className !== 'L1L2') return undefined;
  if ((r.config?.l1 ?? 0) !== 0) return undefined;
  return r.config?.l2 ?? 0;
}
