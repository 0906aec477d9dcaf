import type { OutputKind } from './models.js';
import type { DenseLayer } from './dense-gradients.js';
import { SQUARED_LOSS, type RegressionLoss } from './target-scaler.js';
import { adamPowers, alignAdamPowers } from './optimizer.js';
import { StreamtrainError } from '../core/index.js';
import { tf } from './tf.js';
import { adamInternals, optimizerInternals, type AdamInternals, type OptimizerInternals } from './tfjs-internals.js';

/**
 * A whole-batch step goes through the typed trainer up to this many multiply-adds per forward pass (rows x the
 * model's multiply-adds per row); above it, tfjs' kernels are as fast or faster than plain loops. Measured on the
 * wasm backend (2 cores), a step with averaging, typed against tfjs: logistic regression (8 features) at batch 256
 * 63 against 278 us, at 1,024 155 against 314 us; an MLP 8-16-1 at 256 (36,864) 409 against 525 us; an MLP 8-64-1
 * at 32 (18,432) 227 against 481 us; the loops cost about 10 us per 1,000 multiply-adds and tfjs 500 to 600 us
 * a step at these sizes, so they cross near 50,000.
 */
export const TYPED_WHOLE_BATCH_MACS = 49_152;

/** How the average moves after a step (see WeightAverage.advance): 0 nothing, 1 a copy, else the fraction. */
export interface AverageStepper {
  advance(samples: number): number;
}

/** The averages a run moves: each one's variables (same order as the trained weights) and its bookkeeping. */
export interface Serving {
  readonly variables: readonly tf.Variable[];
  readonly stepper: AverageStepper;
}

/** One call of `TypedDenseTrainer.run()`: rows [0, size) of a micro-batch, learned in slices of `chunk` rows. */
export interface TypedRun {
  readonly features: Float32Array;
  readonly labels: Float32Array;
  readonly size: number;
  readonly chunk: number;
  readonly optimizer: tf.Optimizer;
  readonly clipNorm: number;
  /** The averages the steps move; empty without averaging. @default [] */
  readonly servings?: readonly Serving[];
  /** Score the rows before the update; `trained`: also with the trained weights. */
  readonly score?: { readonly trained: boolean };
}

/** One trainable weight: its variable, its values while a step runs, and (Adam) its moments. */
interface Slot {
  readonly variable: tf.Variable;
  readonly value: Float32Array;
  readonly grad: Float32Array;
  m?: Float32Array;
  v?: Float32Array;
}

const f32 = Math.fround;

/**
 * Gradient steps of a plain Dense stack in typed arrays, for a micro-batch learned in small slices (a step per
 * sample, `updateBatchSize` below the batch size). Through tfjs each such step costs some seventy kernel launches
 * (forward, backward, norm, optimizer, average) whatever the model's size: about 280 µs for a logistic regression
 * on the wasm backend, 99% of it fixed cost. Here the state is read out of the tfjs variables, every slice is
 * stepped in plain loops, and the state is held in typed arrays from one micro-batch to the next: reading and
 * writing the variables (weights, Adam's moments, the averages) cost more than the steps themselves for a small
 * model at a small batch. `flush()` writes the held state back into the variables, and the learner calls it before
 * anything else reads or changes them (a snapshot, a prediction through tfjs, the whole-batch tfjs path, the drift
 * responses), so those see exactly what they would have seen.
 *
 * The arithmetic is tfjs': float32 values, the same gradient (`DenseGradients`), the same guard and clipping,
 * and SGD and Adam written op for op as tfjs-core writes them, each op rounded to float32. Two differences, both
 * in the last bits: dot products and the sigmoid/softmax are computed in float64 and rounded once (the wasm kernels
 * round as they go), and Adam's bias correction is beta^t computed from the iteration count (`adamPowers`, which the
 * tfjs path uses too), so that a learner restored from a snapshot continues exactly as the one that wrote it. Other optimizers (momentum, Adagrad, RMSProp) keep the tfjs path: `supports()`.
 */
export class TypedDenseTrainer {
  /** The state between runs, newer than the tfjs variables until `flush()`. */
  private held?: { readonly optimizer: tf.Optimizer; readonly slots: Slot[]; readonly averaged: Float32Array[][]; readonly servings: readonly Serving[] };

  private constructor(
    private readonly layers: readonly DenseLayer[],
    private readonly kind: OutputKind,
    private readonly loss: RegressionLoss = SQUARED_LOSS,
  ) {}

  /** Undefined unless every layer has a bias (a user's Dense layer without one keeps the tfjs path). */
  static of(layers: readonly DenseLayer[] | undefined, kind: OutputKind, loss: RegressionLoss = SQUARED_LOSS): TypedDenseTrainer | undefined {
    return layers && layers.every((l) => l.bias) ? new TypedDenseTrainer(layers, kind, loss) : undefined;
  }

  /** Multiply-adds of one row's forward pass. */
  get macsPerRow(): number {
    return this.layers.reduce((n, l) => n + (l.kernel.shape[0] as number) * (l.kernel.shape[1] as number), 0);
  }

  /** Whether this optimizer's update is implemented here (tfjs SGD and Adam). */
  static supports(optimizer: tf.Optimizer): boolean {
    const name = optimizer.getClassName();
    return name === 'SGD' || name === 'Adam';
  }

  /**
   * Learns rows [0, size) in slices of `chunk` rows, one guarded step each. `servings` are the averages (one, or
   * two with `model.averaging.select`), each its weights in the same order as the trained ones (kernel, bias per
   * layer) with its stepper; empty without averaging. Returns the sample-weighted mean loss and how many slices
   * the guard refused; with `score`, also the pre-update outputs of every row (as the model's predict() gives
   * them): `outputs` of the first average (or of the trained weights without averaging), `servingOutputs` of
   * every average, and with `score.trained` `trainedOutputs` of the trained weights.
   */
  run(run: TypedRun): { loss: number; refused: number; outputs?: Float32Array; servingOutputs?: Float32Array[]; trainedOutputs?: Float32Array } {
    const { features, labels, size, chunk, optimizer, clipNorm, servings = [], score } = run;
    const adam = adamInternals(optimizer);
    const opt = optimizerInternals(optimizer);
    const held = this.held;
    if (
      held &&
      (held.optimizer !== optimizer || held.servings.length !== servings.length || held.servings.some((s, j) => s.variables !== servings[j]?.variables))
    ) {
      throw new StreamtrainError('INTERNAL', 'TypedDenseTrainer: the held state belongs to another optimizer or other averages; flush() before changing them');
    }
    const slots = held?.slots ?? this.readSlots(adam);
    const averaged = held?.averaged ?? servings.map((s) => s.variables.map((v) => Float32Array.from(v.dataSync() as Float32Array)));
    const width = this.layers[0]?.kernel.shape[0] as number;
    const current = slots.map((sl) => sl.value);
    const servingOutputs = score ? averaged.map((a) => this.predictRows(features, size, a)) : undefined;
    const outputs = score ? (servingOutputs?.[0] ?? this.predictRows(features, size, current)) : undefined;
    const trainedOutputs = score?.trained && averaged.length ? this.predictRows(features, size, current) : undefined;
    const acts = this.layers.map((l) => new Float32Array(chunk * (l.kernel.shape[1] as number)));
    const deltas = this.layers.map((l) => new Float32Array(chunk * (l.kernel.shape[1] as number)));
    let lossSum = 0;
    let refused = 0;
    let iterations = opt.iterations;
    for (let at = 0; at < size; at += chunk) {
      const n = Math.min(size, at + chunk) - at;
      const x = features.subarray(at * width, (at + n) * width);
      const loss = this.forwardBackward(x, labels.subarray(at, at + n), n, slots, current, acts, deltas);
      lossSum += loss * n;
      let sq = 0;
      for (const s of slots) for (let k = 0; k < s.grad.length; k++) sq += (s.grad[k] as number) * (s.grad[k] as number);
      const norm = f32(Math.sqrt(f32(sq)));
      if (!Number.isFinite(loss) || !Number.isFinite(norm)) {
        refused += 1;
        continue;
      }
      if (norm > clipNorm) {
        const scale = f32(clipNorm / norm);
        for (const s of slots) for (let k = 0; k < s.grad.length; k++) s.grad[k] = f32((s.grad[k] as number) * scale);
      }
      if (adam) this.adamStep(adam, slots, iterations);
      else this.sgdStep(opt, slots);
      iterations += 1;
      servings.forEach((s, j) => {
        const c = s.stepper.advance(n);
        if (c > 0) this.moveAverage(slots, averaged[j] as Float32Array[], c);
      });
    }
    opt.iterations_ = iterations;
    this.held = { optimizer, slots, averaged, servings };
    return {
      loss: lossSum / size,
      refused,
      ...(outputs ? { outputs } : {}),
      ...(servingOutputs?.length ? { servingOutputs } : {}),
      ...(trainedOutputs ? { trainedOutputs } : {}),
    };
  }

  /** Writes the held state into the tfjs variables (weights, Adam's moments and powers, the averages) and lets it go. */
  flush(): void {
    const h = this.held;
    if (!h) return;
    this.held = undefined;
    this.writeSlots(h.slots, h.optimizer);
    if (h.servings.length)
      tf.tidy(() =>
        h.servings.forEach((s, j) => s.variables.forEach((v, i) => v.assign(tf.tensor((h.averaged[j] as Float32Array[])[i] as Float32Array, v.shape)))),
      );
  }

  /** Drops the held state unwritten (the learner is being disposed). */
  release(): void {
    this.held = undefined;
  }

  /** Outputs of `size` rows for the given weights (kernel, bias per layer), as the model's predict() gives them. */
  private predictRows(features: Float32Array, size: number, params: readonly Float32Array[]): Float32Array {
    const acts = this.layers.map((l) => new Float32Array(size * (l.kernel.shape[1] as number)));
    this.forward(features, size, params, acts);
    const z = acts[acts.length - 1] as Float32Array;
    const units = z.length / Math.max(1, size);
    const out = new Float32Array(z.length);
    for (let r = 0; r < size; r++) {
      if (this.kind === 'binary') out[r] = 1 / (1 + Math.exp(-(z[r] as number)));
      else if (this.kind === 'regression') out[r] = z[r] as number;
      else {
        let max = -Infinity;
        for (let o = 0; o < units; o++) max = Math.max(max, z[r * units + o] as number);
        let sum = 0;
        for (let o = 0; o < units; o++) sum += Math.exp((z[r * units + o] as number) - max);
        for (let o = 0; o < units; o++) out[r * units + o] = Math.exp((z[r * units + o] as number) - max) / sum;
      }
    }
    return out;
  }

  /** Each layer's output for n rows into `acts` (hidden layers activated; the last holds the logits). */
  private forward(x: Float32Array, n: number, params: readonly Float32Array[], acts: Float32Array[]): void {
    const last = this.layers.length - 1;
    let input = x;
    for (let li = 0; li <= last; li++) {
      const layer = this.layers[li] as DenseLayer;
      const [inW, outW] = layer.kernel.shape as [number, number];
      const w = params[2 * li] as Float32Array;
      const b = params[2 * li + 1] as Float32Array;
      const a = acts[li] as Float32Array;
      for (let r = 0; r < n; r++) {
        for (let o = 0; o < outW; o++) {
          let z = b[o] as number;
          for (let i = 0; i < inW; i++) z += (input[r * inW + i] as number) * (w[i * outW + o] as number);
          a[r * outW + o] = li < last ? activate(layer.activation, z) : z;
        }
      }
      input = a;
    }
  }

  /** Forward and backward pass on n rows: fills each slot's gradient (DenseGradients' formulas); returns the mean loss. */
  private forwardBackward(
    x: Float32Array,
    y: Float32Array,
    n: number,
    slots: readonly Slot[],
    params: readonly Float32Array[],
    acts: Float32Array[],
    deltas: Float32Array[],
  ): number {
    const last = this.layers.length - 1;
    this.forward(x, n, params, acts);
    // Output: probabilities or values, the loss from the logits, and dL/dz = (output - target) / n (x2 for squares).
    const outLayer = this.layers[last] as DenseLayer;
    const units = outLayer.kernel.shape[1] as number;
    const z = acts[last] as Float32Array;
    const dz = deltas[last] as Float32Array;
    let loss = 0;
    for (let r = 0; r < n; r++) {
      const target = y[r] as number;
      if (this.kind === 'binary') {
        const zr = z[r] as number;
        loss += softplus(zr) - target * zr;
        dz[r] = f32((f32(1 / (1 + Math.exp(-zr))) - target) / n);
      } else if (this.kind === 'multiclass') {
        let max = -Infinity;
        for (let o = 0; o < units; o++) max = Math.max(max, z[r * units + o] as number);
        let sum = 0;
        for (let o = 0; o < units; o++) sum += Math.exp((z[r * units + o] as number) - max);
        loss += max + Math.log(sum) - (z[r * units + target] as number);
        for (let o = 0; o < units; o++) dz[r * units + o] = f32((f32(Math.exp((z[r * units + o] as number) - max) / sum) - (o === target ? 1 : 0)) / n);
      } else {
        const err = f32((z[r] as number) - target);
        // Huber beyond delta (DenseGradients' formulas): the error clipped to +-delta in the gradient.
        const c = this.loss.type === 'huber' ? Math.max(-f32(this.loss.delta), Math.min(f32(this.loss.delta), err)) : err;
        loss += c === err ? err * err : 2 * c * err - c * c;
        dz[r] = f32(c * (2 / n));
      }
    }
    loss /= n;
    for (let li = last; li >= 0; li--) {
      const layer = this.layers[li] as DenseLayer;
      const [inW, outW] = layer.kernel.shape as [number, number];
      const a = li === 0 ? x : (acts[li - 1] as Float32Array);
      const d = deltas[li] as Float32Array;
      const ws = slots[2 * li] as Slot;
      for (let i = 0; i < inW; i++) {
        for (let o = 0; o < outW; o++) {
          let g = 0;
          for (let r = 0; r < n; r++) g += (a[r * inW + i] as number) * (d[r * outW + o] as number);
          ws.grad[i * outW + o] = layer.l2 > 0 ? f32(f32(g) + f32((ws.value[i * outW + o] as number) * f32(2 * layer.l2))) : g;
        }
      }
      if (layer.l2 > 0) {
        let p = 0;
        for (let k = 0; k < ws.value.length; k++) p += (ws.value[k] as number) * (ws.value[k] as number);
        loss += p * layer.l2;
      }
      if (layer.bias) {
        const bs = slots[2 * li + 1] as Slot;
        for (let o = 0; o < outW; o++) {
          let g = 0;
          for (let r = 0; r < n; r++) g += d[r * outW + o] as number;
          bs.grad[o] = g;
        }
      }
      if (li > 0) {
        const prev = deltas[li - 1] as Float32Array;
        const act = (this.layers[li - 1] as DenseLayer).activation;
        for (let r = 0; r < n; r++) {
          for (let i = 0; i < inW; i++) {
            let da = 0;
            for (let o = 0; o < outW; o++) da += (d[r * outW + o] as number) * (ws.value[i * outW + o] as number);
            const out = a[r * inW + i] as number;
            prev[r * inW + i] = act === 'relu' ? (out > 0 ? da : 0) : act === 'tanh' ? da * (1 - out * out) : act === 'sigmoid' ? da * out * (1 - out) : da;
          }
        }
      }
    }
    return loss;
  }

  /** tfjs SGD: value + (-lr) * gradient. */
  private sgdStep(opt: OptimizerInternals, slots: readonly Slot[]): void {
    const c = f32(-opt.learningRate);
    for (const s of slots) for (let k = 0; k < s.value.length; k++) s.value[k] = f32(f32(c * (s.grad[k] as number)) + (s.value[k] as number));
  }

  /** tfjs Adam, op for op; beta^t from the iteration count (see the class doc). */
  private adamStep(adam: AdamInternals, slots: readonly Slot[], iterations: number): void {
    const b1 = f32(adam.beta1);
    const b2 = f32(adam.beta2);
    const c1 = f32(1 - adam.beta1);
    const c2 = f32(1 - adam.beta2);
    const eps = f32(adam.epsilon);
    const lr = f32(-adam.learningRate);
    const [p1, p2] = adamPowers(adam.beta1, adam.beta2, iterations);
    const oneMinusAcc1 = f32(1 - p1);
    const oneMinusAcc2 = f32(1 - p2);
    for (const s of slots) {
      const m = s.m as Float32Array;
      const v = s.v as Float32Array;
      for (let k = 0; k < s.value.length; k++) {
        const g = s.grad[k] as number;
        const mk = f32(f32((m[k] as number) * b1) + f32(g * c1));
        const vk = f32(f32((v[k] as number) * b2) + f32(f32(g * g) * c2));
        m[k] = mk;
        v[k] = vk;
        const mHat = f32(mk / oneMinusAcc1);
        const vHat = f32(vk / oneMinusAcc2);
        s.value[k] = f32(f32(f32(mHat / f32(f32(Math.sqrt(vHat)) + eps)) * lr) + (s.value[k] as number));
      }
    }
  }

  /** WeightAverage's update on the arrays: a copy, or average + (trained - average) * c. */
  private moveAverage(slots: readonly Slot[], averaged: Float32Array[], c: number): void {
    const c32 = f32(c);
    slots.forEach((s, i) => {
      const a = averaged[i] as Float32Array;
      if (c >= 1) a.set(s.value);
      else for (let k = 0; k < a.length; k++) a[k] = f32((a[k] as number) + f32(f32((s.value[k] as number) - (a[k] as number)) * c32));
    });
  }

  /** The trained weights (kernel, bias per layer) and, for Adam, their moments, created as tfjs creates them. */
  private readSlots(adam: AdamInternals | undefined): Slot[] {
    const slots: Slot[] = [];
    // Every layer has a bias (`of()`): kernel and bias per layer, input layer first.
    for (const l of this.layers)
      for (const variable of [l.kernel, l.bias as tf.Variable])
        slots.push({ variable, value: Float32Array.from(variable.dataSync() as Float32Array), grad: new Float32Array(variable.size) });
    if (adam) {
      const order = this.gradientOrder(slots);
      order.forEach((s, i) => {
        const name = s.variable.name;
        adam.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(s.variable).variable(false)) };
        adam.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(s.variable).variable(false)) };
        s.m = Float32Array.from((adam.accumulatedFirstMoment[i] as { variable: tf.Variable }).variable.dataSync() as Float32Array);
        s.v = Float32Array.from((adam.accumulatedSecondMoment[i] as { variable: tf.Variable }).variable.dataSync() as Float32Array);
      });
    }
    return slots;
  }

  private writeSlots(slots: readonly Slot[], optimizer: tf.Optimizer): void {
    const adam = adamInternals(optimizer);
    const opt = optimizerInternals(optimizer);
    const iterations = opt.iterations;
    tf.tidy(() => {
      for (const s of slots) s.variable.assign(tf.tensor(s.value, s.variable.shape));
      if (adam) {
        this.gradientOrder(slots).forEach((s, i) => {
          (adam.accumulatedFirstMoment[i] as { variable: tf.Variable }).variable.assign(tf.tensor(s.m as Float32Array, s.variable.shape));
          (adam.accumulatedSecondMoment[i] as { variable: tf.Variable }).variable.assign(tf.tensor(s.v as Float32Array, s.variable.shape));
        });
      }
    });
    opt.iterations_ = iterations;
    alignAdamPowers(optimizer, iterations);
  }

  /**
   * The order in which the tfjs path hands gradients to the optimizer (DenseGradients: last layer first, kernel
   * then bias), which is the order of tfjs Adam's slot arrays.
   */
  private gradientOrder(slots: readonly Slot[]): Slot[] {
    const order: Slot[] = [];
    for (let li = this.layers.length - 1; li >= 0; li--) order.push(slots[2 * li] as Slot, slots[2 * li + 1] as Slot);
    return order;
  }

  /**
   * Whether the optimizer's existing slots are the ones this trainer reads and writes: tfjs Adam keeps its moments
   * by position in the order gradients are applied (a restored optimizer's names are the writer's), so the check
   * is their count and shapes. None yet (a new or reset optimizer) is fine: they are created as tfjs would.
   */
  static slotsMatch(optimizer: tf.Optimizer, layers: readonly DenseLayer[]): boolean {
    const adam = adamInternals(optimizer);
    if (!adam) return true;
    if (!Array.isArray(adam.accumulatedFirstMoment) || !Array.isArray(adam.accumulatedSecondMoment) || !adam.accBeta1 || !adam.accBeta2) return false;
    const shapes: string[] = [];
    for (let li = layers.length - 1; li >= 0; li--) {
      const l = layers[li] as DenseLayer;
      shapes.push(String(l.kernel.shape), ...(l.bias ? [String(l.bias.shape)] : []));
    }
    const first = adam.accumulatedFirstMoment;
    const second = adam.accumulatedSecondMoment;
    if (first.length === 0 && second.length === 0) return true;
    return (
      first.length === shapes.length &&
      second.length === shapes.length &&
      shapes.every((sh, i) => String(first[i]?.variable.shape) === sh && String(second[i]?.variable.shape) === sh)
    );
  }
}

function activate(kind: string, z: number): number {
  if (kind === 'relu') return z > 0 ? z : 0;
  if (kind === 'tanh') return Math.tanh(z);
  if (kind === 'sigmoid') return 1 / (1 + Math.exp(-z));
  return z;
}

/** log(1 + e^z) without overflow. */
function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}
