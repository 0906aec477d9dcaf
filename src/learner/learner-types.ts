import type { Logger, LoggedOutputs, MetricValues, ModelConfig, ModelSnapshot } from '../core/index.js';
import type { LearnerState } from './learner-state.js';
import type { PrequentialMetrics } from './metrics.js';
import type { OutputKind } from './models.js';

/** Rows of one micro-batch, row-major. */
export interface LearnInput {
  readonly size: number;
  readonly width: number;
  readonly features: Float32Array;
  readonly labels: Float32Array;
  /**
   * Samples per gradient step for this batch (`learner.updateBatchSize: auto`, chosen by AdaptiveStepSize); absent:
   * the learner's own `updateBatchSize`.
   */
  readonly stepSamples?: number;
  /**
   * A model pool's members other than the serving one learn one micro-batch in this many (AdaptiveStepSize's
   * `poolEvery`, under backpressure); absent or 1: every member learns every batch. A single model ignores it.
   */
  readonly poolEvery?: number;
  /**
   * The learner is behind its input (AdaptiveStepSize has coarsened the step or set `poolEvery` above 1): a model
   * pool keeps its serving member until it catches up. Absent: not behind (a fixed step is not backpressure).
   */
  readonly behind?: boolean;
  /** With a prediction log: the outputs served for the rows (scored against the labels as `logged_*` metrics). */
  readonly logged?: LoggedOutputs;
}

export interface StepResult {
  readonly size: number;
  /** Mean training loss of the batch before the update. */
  readonly loss: number;
  /** False when the guard refused the update (non-finite loss or gradients); the batch was still scored. */
  readonly applied: boolean;
  /** Per sample, scored before the update: 1 = error / 0 = correct for classifiers, |error| for regression. */
  readonly errors: Float32Array;
  /** Per sample, pre-update output: P(class 1) for binary, P(true class) for multiclass, value for regression. */
  readonly scores: Float32Array;
  /**
   * With weight averaging and `model.averaging.restartOnLag`, outside a hold-off: the errors the trained weights
   * would have made on the same samples (same convention as `errors`), to tell whether the average lags.
   */
  readonly trainedErrors?: Float32Array;
  /** The pre-update outputs of the weights that predicted, as the model's predict() gives them (row-major). */
  readonly outputs?: Float32Array;
}

export interface OnlineLearnerOptions {
  readonly spec: ModelConfig;
  /**
   * Samples per gradient step when a batch does not say (`LearnInput.stepSamples`); a larger micro-batch is scored
   * whole, then learned in steps of this size. @default the whole batch
   */
  readonly updateBatchSize?: number;
  readonly inputWidth: number;
  readonly metricsWindow: number;
  readonly logger: Logger;
  /**
   * Score and step in typed arrays (TypedDenseTrainer) when the model is a plain Dense stack with biases and the
   * optimizer SGD or Adam: always for slices of a micro-batch (`updateBatchSize` below its size), and for a
   * whole-batch step within the bounds of the kernel that runs it (`TypedDenseTrainer.wholeBatch`: rows and
   * multiply-adds for the WebAssembly kernel, TYPED_WHOLE_BATCH_MACS for the reference loops); false keeps every
   * step on tfjs (a reference for tests and benchmarks). @default true
   */
  readonly typedSteps?: boolean;
  /**
   * Keep a regression model's per-sample errors (the horizon selector's window) in snapshots
   * (`checkpoints.regressionErrors`); a classifier's 0/1 errors are always kept. @default false
   */
  readonly regressionErrors?: boolean;
}

/** A change of the member that serves in a `model.type: auto` pool, with the recent errors that decided it. */
export interface PoolSwitch {
  readonly from: string;
  readonly to: string;
  /** Each member's errors over the pool's window, by member name. */
  readonly errors: Readonly<Record<string, number>>;
}

/**
 * What the drift responses and the pipeline ask of a live model: one `OnlineLearner`, or a pool of them
 * (`model.type: auto`, ModelPool) that presents itself as one.
 */
export interface Learner {
  readonly spec: ModelConfig;
  readonly outputKind: OutputKind;
  /** Prequential metrics of what this learner served. */
  readonly metrics: PrequentialMetrics;
  step(input: LearnInput): StepResult;
  predict(raw: Float32Array, size: number): Float32Array;
  snapshot(options?: { inMemory?: boolean }): Promise<ModelSnapshot & { learner: LearnerState | unknown }>;
  liveMetrics(): MetricValues;
  readonly rejectedUpdates: number;
  readonly learningRate: number;
  boostLearningRate(factor: number): void;
  restoreLearningRate(): void;
  resetOptimizer(): void;
  readonly averaging: boolean;
  readonly averageHoldoff: number;
  restartAverage(): void;
  /** A pool's switch of its serving member since the last call (once), for the manager to publish; else undefined. */
  takeSwitch?(): PoolSwitch | undefined;
  dispose(): void;
}
