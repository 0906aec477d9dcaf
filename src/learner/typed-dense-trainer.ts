import type { OutputKind } from './models.js';
import type { DenseLayer } from './dense-gradients.js';
import { referenceKernel } from './dense-kernel.js';
import { SQUARED_LOSS, type RegressionLoss } from './target-scaler.js';
import { wasmKernel } from './dense-kernel-wasm.js';
import { AdamSchedule, DenseSteps } from './dense-steps.js';
import { alignAdamPowers } from './optimizer.js';
import { StreamtrainError } from '../core/index.js';
import { tf } from './tf.js';
import { adamInternals, optimizerInternals, type AdamInternals } from './tfjs-internals.js';

/**
 * With the reference loops (`TypedDenseTrainer.kernel` 'reference': tanh or sigmoid hidden layers, or no wasm
 * SIMD), a whole-batch step goes through the typed trainer up to this many multiply-adds per forward pass (rows x
 * the model's multiply-adds per row); above it, tfjs' kernels are as fast or faster. Measured on the wasm backend
 * (2 cores), a step with averaging, typed against tfjs: logistic regression (8 features) at batch 256 63 against
 * 278 us, at 1,024 155 against 314 us; an MLP 8-16-1 at 256 (36,864) 409 against 525 us; an MLP 8-64-1 at 32
 * (18,432) 227 against 481 us; the loops cost about 10 us per 1,000 multiply-adds and tfjs 500 to 600 us a step
 * at these sizes, so they cross near 50,000.
 */
export const TYPED_WHOLE_BATCH_MACS = 49_152;

/**
 * With the wasm kernel, a whole-batch step goes through the typed trainer up to this many rows and this many
 * multiply-adds per forward pass. Measured on the tfjs wasm backend (2 shared cores, busy), `OnlineLearner.step()`
 * with the default averaging, samples/s typed against tfjs, whole-batch steps of 256 / 1,024 / 4,096 / 16,384
 * rows: logistic regression 957k/157k, 1,169k/501k, 1,101k/761k, 1,540k/1,519k; MLP 8-16-1 646k/106k, 783k/272k,
 * 1,158k/574k, 629k/441k; 8-64-1 291k/69k, 647k/239k, 793k/337k, 411k/245k; 8-128-1 459k/123k, 380k/130k,
 * 173k/76k, 90k/61k; 8-64-64-1 (4,672 per row, its hidden layer's delta through the general loops) 42k/20k,
 * 40k/32k at 1,024 (4.8M), about even from 2,048 rows (9.6M). The typed step costs about the same per row at any
 * size while tfjs' fixed cost spreads out, so they meet for the linear model near 16,384 rows and for the
 * deeper model near 10M multiply-adds.
 */
export const TYPED_WHOLE_BATCH_ROWS_WASM = 16_384;
export const TYPED_WHOLE_BATCH_MACS_WASM = 8_388_608;

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
  /** The rows the steps learn from, when they differ from the rows scored (`model.standardizeBy: record`). */
  readonly learnFeatures?: Float32Array;
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

const f32 = Math.fround;

/** The kernel for these layers: WebAssembly SIMD where it runs them (relu and linear hidden layers), else the reference loops. */
function kernelFor(layers: readonly DenseLayer[]): DenseSteps['kernel'] {
  const wasm = layers.slice(0, -1).every((l) => l.activation === 'relu' || l.activation === 'linear') ? wasmKernel() : undefined;
  return wasm ?? referenceKernel();
}

/**
 * Gradient steps of a plain Dense stack outside tfjs, for a micro-batch learned in small slices (a step per
 * sample, `updateBatchSize` below the batch size) or a small one whole. Through tfjs each such step costs some
 * seventy kernel launches (forward, backward, norm, optimizer, average) whatever the model's size: about 280 µs
 * for a logistic regression on the wasm backend, 99% of it fixed cost. Here the state is read out of the tfjs
 * variables into one heap of float32 values (`DenseSteps`), every slice is stepped there, and the state is held
 * from one micro-batch to the next: reading and writing the variables (weights, Adam's moments, the averages)
 * cost more than the steps themselves for a small model at a small batch. `flush()` writes the held state back
 * into the variables, and the learner calls it before anything else reads or changes them (a snapshot, a
 * prediction through tfjs, the whole-batch tfjs path, the drift responses), so those see exactly what they would
 * have seen.
 *
 * The heap is the memory of a small WebAssembly module (`dense-kernel-wasm.ts`) that runs the loops with 128-bit
 * SIMD: a slice's forward pass, its backward pass (gradients and the hidden layers' deltas), the gradient's sum
 * of squares, the clipping scale, and one pass over each weight block that makes the Adam (or SGD) update and
 * moves both averages. Stacks with tanh or sigmoid hidden layers, or a runtime without wasm SIMD, run the same
 * steps through plain loops (`referenceKernel()`), which give the same values.
 *
 * The arithmetic is tfjs': float32 values, the same gradient (`DenseGradients`), the same guard (a slice whose
 * loss or gradient norm is not finite is refused) and global-norm clipping, and SGD and Adam written op for op as
 * tfjs-core writes them, each op rounded to float32. Two differences, both in the last bits: dot products and the
 * sigmoid/softmax are computed in float64 and rounded once (the wasm backend's kernels round as they go), and
 * Adam's bias correction is beta^t computed from the iteration count (`adamPowers`, which the tfjs path uses
 * too), so that a learner restored from a snapshot continues exactly as the one that wrote it. Other optimizers
 * (momentum, Adagrad, RMSProp) keep the tfjs path: `supports()`.
 */
export class TypedDenseTrainer {
  /** The optimizer and averages whose state the heap holds, newer than the tfjs variables until `flush()`. */
  private held?: { readonly optimizer: tf.Optimizer; readonly servings: readonly Serving[] };
  private readonly steps: DenseSteps;
  private readonly schedule = new AdamSchedule();

  private constructor(
    private readonly layers: readonly DenseLayer[],
    kind: OutputKind,
    loss: RegressionLoss,
  ) {
    const shapes = layers.map((l) => ({ inW: l.kernel.shape[0] as number, outW: l.kernel.shape[1] as number, activation: l.activation, l2: l.l2 }));
    this.steps = new DenseSteps(shapes, kind, kernelFor(layers), loss);
  }

  /** Undefined unless every layer has a bias (a user's Dense layer without one keeps the tfjs path). */
  static of(layers: readonly DenseLayer[] | undefined, kind: OutputKind, loss: RegressionLoss = SQUARED_LOSS): TypedDenseTrainer | undefined {
    return layers && layers.every((l) => l.bias) ? new TypedDenseTrainer(layers, kind, loss) : undefined;
  }

  /** Which loops run the steps: `wasm` (SIMD) or `reference`. */
  get kernel(): 'wasm' | 'reference' {
    return this.steps.kernel.name;
  }

  /** Whether a whole-batch step of `size` rows is as fast or faster here than through tfjs, for the kernel that runs. */
  wholeBatch(size: number): boolean {
    const macs = size * this.macsPerRow;
    return this.kernel === 'wasm' ? size <= TYPED_WHOLE_BATCH_ROWS_WASM && macs <= TYPED_WHOLE_BATCH_MACS_WASM : macs <= TYPED_WHOLE_BATCH_MACS;
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
    if (servings.length > 2) throw new StreamtrainError('INTERNAL', 'TypedDenseTrainer: at most two averages');
    const steps = this.steps;
    if (!held) this.readState(adam, servings);
    steps.load(features, labels, size, chunk);
    const servingOutputs = score ? servings.map((_, j) => steps.score(4 + j, size)) : undefined;
    const outputs = score ? (servingOutputs?.[0] ?? steps.score(0, size)) : undefined;
    const trainedOutputs = score?.trained && servings.length ? steps.score(0, size) : undefined;
    // Scored as loaded; learned from other rows when given (see TypedRun.learnFeatures).
    if (run.learnFeatures) steps.reload(run.learnFeatures, size);
    const moves = servings.map(() => 0);
    const sgdRate = f32(-opt.learningRate);
    let lossSum = 0;
    let refused = 0;
    let iterations = opt.iterations;
    for (let at = 0; at < size; at += chunk) {
      const n = Math.min(size, at + chunk) - at;
      const loss = steps.gradient(at, n);
      lossSum += loss * n;
      if (!Number.isFinite(loss)) {
        refused += 1;
        continue;
      }
      // A one-row step's norm is bounded from its layers' inputs and deltas (`normBelow`); the sum over every
      // weight runs only when that bound does not show the norm finite and below the clipping norm.
      if (!steps.normBelow(at, n, clipNorm)) {
        const norm = f32(Math.sqrt(f32(steps.gradientSquares())));
        if (!Number.isFinite(norm)) {
          refused += 1;
          continue;
        }
        if (norm > clipNorm) steps.scaleGradient(f32(clipNorm / norm));
      }
      for (let j = 0; j < servings.length; j++) moves[j] = (servings[j] as Serving).stepper.advance(n);
      steps.update(adam ? this.schedule.constants(adam, iterations) : undefined, sgdRate, moves);
      iterations += 1;
    }
    opt.iterations_ = iterations;
    this.held = { optimizer, servings };
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
    const adam = adamInternals(h.optimizer);
    const opt = optimizerInternals(h.optimizer);
    const iterations = opt.iterations;
    tf.tidy(() => {
      this.weights().forEach(({ variable, at }, i) => {
        variable.assign(this.tensorAt(at, variable));
        if (adam) {
          const k = this.gradientIndex(i);
          (adam.accumulatedFirstMoment[k] as { variable: tf.Variable }).variable.assign(this.tensorAt(this.steps.block(2) + at, variable));
          (adam.accumulatedSecondMoment[k] as { variable: tf.Variable }).variable.assign(this.tensorAt(this.steps.block(3) + at, variable));
        }
        h.servings.forEach((s, j) => (s.variables[i] as tf.Variable).assign(this.tensorAt(this.steps.block(4 + j) + at, variable)));
      });
    });
    opt.iterations_ = iterations;
    alignAdamPowers(h.optimizer, iterations);
  }

  /** Drops the held state unwritten (the learner is being disposed). */
  release(): void {
    this.held = undefined;
  }

  /** Every trained variable (kernel, bias per layer, input layer first) with its offset in a block of the heap. */
  private weights(): { variable: tf.Variable; at: number }[] {
    return this.layers.flatMap((l, li) => [
      { variable: l.kernel, at: this.steps.kernelAt[li] as number },
      { variable: l.bias as tf.Variable, at: this.steps.biasAt[li] as number },
    ]);
  }

  /** A copy of the heap's values at `at` as a tensor of the variable's shape (the heap keeps changing). */
  private tensorAt(at: number, variable: tf.Variable): tf.Tensor {
    return tf.tensor(this.steps.kernel.heap.slice(at, at + variable.size), variable.shape);
  }

  /**
   * The position of weight i (kernel, bias per layer, input layer first) in the order the tfjs path hands
   * gradients to the optimizer (DenseGradients: last layer first, kernel then bias), which is the order of tfjs
   * Adam's slot arrays.
   */
  private gradientIndex(i: number): number {
    return 2 * (this.layers.length - 1 - (i >> 1)) + (i & 1);
  }

  /** Reads the trained weights, Adam's moments (created as tfjs creates them) and the averages into the heap. */
  private readState(adam: AdamInternals | undefined, servings: readonly Serving[]): void {
    const heap = this.steps.kernel.heap;
    this.weights().forEach(({ variable, at }, i) => {
      heap.set(variable.dataSync() as Float32Array, at);
      if (adam) {
        const k = this.gradientIndex(i);
        const name = variable.name;
        adam.accumulatedFirstMoment[k] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(variable).variable(false)) };
        adam.accumulatedSecondMoment[k] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(variable).variable(false)) };
        heap.set((adam.accumulatedFirstMoment[k] as { variable: tf.Variable }).variable.dataSync() as Float32Array, this.steps.block(2) + at);
        heap.set((adam.accumulatedSecondMoment[k] as { variable: tf.Variable }).variable.dataSync() as Float32Array, this.steps.block(3) + at);
      }
      servings.forEach((s, j) => heap.set((s.variables[i] as tf.Variable).dataSync() as Float32Array, this.steps.block(4 + j) + at));
    });
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
