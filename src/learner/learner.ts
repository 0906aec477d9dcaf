import type { MetricValues, ModelConfig, ModelSnapshot } from '../core/index.js';
import type { LearnerState } from './learner-state.js';
import type { LearnInput, OnlineLearnerOptions, StepResult } from './learner-types.js';
import type { PrequentialMetrics } from './metrics.js';
import { ModelPool } from './model-pool.js';
import type { OutputKind } from './models.js';
import { OnlineLearner } from './online-learner.js';

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

/** The live model a spec asks for: a pool for `model.type: auto`, else one learner; new, or from a snapshot. */
export function createLearner(opts: OnlineLearnerOptions, snapshot?: ModelSnapshot): Promise<Learner> {
  return opts.spec.type === 'auto' ? ModelPool.create(opts, snapshot) : OnlineLearner.create(opts, snapshot);
}
