import type {
  BackendChoice,
  DriftConfig,
  InputColumn,
  Logger,
  MetricValues,
  ModelConfig,
  ModelSnapshot,
  StoreConfig,
  StreamtrainConfig,
} from '../core/index.js';
import { inputColumns, inputWidth } from '../core/index.js';
import { AdaptiveStepSize, ModelPool, selectBackend, type LearnInput, type PrequentialMetrics } from '../learner/index.js';
import { ModelManager, type ManagerEvent, type ManagerState } from '../adaptation/index.js';
import { StoreVersions } from './guard-versions.js';

export type MetricsState = ReturnType<PrequentialMetrics['state']>;

/** Everything the learner side needs to build or restore the live model; plain data, so it crosses threads. */
export interface LearnerHostOptions {
  readonly spec: ModelConfig;
  readonly drift: DriftConfig;
  readonly inputWidth: number;
  /** `inputColumns(input.features)`: names of the input positions in data-drift scores. */
  readonly inputColumns: readonly InputColumn[];
  readonly metricsWindow: number;
  /** `learner.updateBatchSize`: `auto` lets AdaptiveStepSize pick each batch's step size from the queue. */
  readonly updateBatchSize: number | 'auto';
  readonly backend: BackendChoice;
  /** `checkpoints.regressionErrors`. */
  readonly regressionErrors: boolean;
  /** The store the forgetting guard reads past versions from (`drift.guard`); absent: the versions this process published. */
  readonly guardStore?: { readonly store: StoreConfig; readonly model: string };
}

/** The learner options a config sets: what a service builds its models with. */
export function learnerHostOptions(config: StreamtrainConfig): LearnerHostOptions {
  return {
    spec: config.model,
    drift: config.drift,
    inputWidth: inputWidth(config.input.features),
    inputColumns: inputColumns(config.input.features),
    metricsWindow: config.learner.metricsWindow,
    updateBatchSize: config.learner.updateBatchSize,
    backend: config.learner.backend,
    regressionErrors: config.checkpoints.regressionErrors,
  };
}

/** The newest valid checkpoint, as the learner needs it. */
export interface RestoredModel {
  readonly snapshot: ModelSnapshot;
  readonly state?: ManagerState;
  readonly metrics?: Partial<MetricsState>;
  readonly version: string;
}

/** What one test-then-train step on a micro-batch tells the service. */
export interface HostStepResult {
  readonly size: number;
  readonly loss: number;
  readonly applied: boolean;
  readonly events: ManagerEvent[];
  /** Seconds the step took where the learner runs (the metrics refresh included), not counting time queued. */
  readonly seconds: number;
  /** Samples per gradient step the batch was learned in (the batch's size: one step for the whole batch). */
  readonly stepSamples: number;
  /** A model pool's other members learned one micro-batch in this many (1: every batch; see AdaptiveStepSize). */
  readonly poolEvery: number;
  /** Fresh metrics when asked for, or when the last ones are older than METRICS_MAX_AGE_MS; else absent. */
  readonly metrics?: MetricValues;
}

/** Live metrics (AUC sorts the window) are recomputed at most this often unless a step asks for them. */
export const METRICS_MAX_AGE_MS = 250;

/** A consistent picture of the learner between two steps: what a checkpoint holds. */
export interface LearnerCapture {
  readonly snapshot: ModelSnapshot;
  readonly state: ManagerState;
  readonly metricsState: MetricsState;
  readonly metrics: MetricValues;
  readonly challengerRunning: boolean;
}

/**
 * The live model and its drift machinery behind one asynchronous interface, so the service does not care
 * whether learning runs on its own thread (LocalLearnerHost) or on a worker thread (WorkerLearnerHost).
 * Calls are answered in order: a capture after a step sees the model after that step.
 */
export interface LearnerHost {
  readonly backend: string;
  /**
   * `wantMetrics`: the caller needs metrics as of this step (a performance trigger); otherwise they may lag by up to
   * METRICS_MAX_AGE_MS. `waiting`: batches handed over before this one and not yet learned (backpressure, for
   * `learner.updateBatchSize: auto`). @default 0
   */
  step(batch: LearnInput, wantMetrics?: boolean, waiting?: number): Promise<HostStepResult>;
  /** Metrics as of the last step that computed them (no round trip), for status and triggers. */
  metrics(): MetricValues;
  capture(): Promise<LearnerCapture>;
  /** The capture taken last became `version`: a `last-version` challenger starts from it. */
  notePublished(version: string): Promise<void>;
  predict(features: Float32Array, size: number): Promise<Float32Array>;
  dispose(): Promise<void>;
}

/** Learning on the calling thread. Also what runs inside the worker. */
export class LocalLearnerHost implements LearnerHost {
  private lastMetrics: MetricValues;
  private metricsAt = performance.now();
  private lastCapture?: ModelSnapshot;
  /** Calls run one after another, as on the worker: a capture never sees a step halfway (its async tail). */
  private tail: Promise<unknown> = Promise.resolve();

  /** With `learner.updateBatchSize: auto`. */
  private readonly stepSize?: AdaptiveStepSize;
  /** Samples per step of a batch without `auto` (0: the whole batch). */
  private readonly fixedStep: number;

  private constructor(
    private readonly manager: ModelManager,
    readonly backend: string,
    updateBatchSize: number | 'auto',
    private readonly versions?: StoreVersions,
  ) {
    this.lastMetrics = manager.metrics();
    // Only a model pool (`model.type: auto`) has other members to shed under backpressure.
    if (updateBatchSize === 'auto') this.stepSize = new AdaptiveStepSize(2, 2, manager.learner instanceof ModelPool ? 16 : 1);
    this.fixedStep = updateBatchSize === 'auto' ? 1 : updateBatchSize;
  }

  static async create(options: LearnerHostOptions, logger: Logger, restored?: RestoredModel): Promise<LocalLearnerHost> {
    const backend = await selectBackend(options.backend, logger);
    const versions = options.guardStore ? StoreVersions.open(options.guardStore.store, options.guardStore.model, logger) : undefined;
    const manager = await ModelManager.create(
      {
        spec: options.spec,
        drift: options.drift,
        inputWidth: options.inputWidth,
        inputColumns: options.inputColumns,
        metricsWindow: options.metricsWindow,
        updateBatchSize: options.updateBatchSize,
        regressionErrors: options.regressionErrors,
        logger,
        ...(versions ? { versions } : {}),
      },
      restored ? { snapshot: restored.snapshot, state: restored.state } : undefined,
    );
    if (restored) {
      manager.learner.metrics.restore(restored.metrics);
      manager.notePublished(restored.snapshot, restored.version);
    }
    return new LocalLearnerHost(manager, backend, options.updateBatchSize, versions);
  }

  step(batch: LearnInput, wantMetrics = false, waiting = 0): Promise<HostStepResult> {
    return this.serial(() => this.stepNow(batch, wantMetrics, waiting));
  }

  private async stepNow(input: LearnInput, wantMetrics: boolean, waiting: number): Promise<HostStepResult> {
    const started = performance.now();
    const stepSamples = Math.min(input.size, this.stepSize ? this.stepSize.next(waiting, input.size) : this.fixedStep || input.size);
    const poolEvery = this.stepSize?.poolEvery ?? 1;
    const batch = this.stepSize ? { ...input, stepSamples, poolEvery, behind: stepSamples > 1 || poolEvery > 1 } : input;
    const { result, events } = await this.manager.step(batch);
    const now = performance.now();
    // Drift decisions change what the metrics report (a promoted challenger): refresh with them.
    const fresh = wantMetrics || events.length > 0 || now - this.metricsAt >= METRICS_MAX_AGE_MS;
    if (fresh) {
      this.lastMetrics = this.manager.metrics();
      this.metricsAt = now;
    }
    const seconds = (performance.now() - started) / 1000;
    return {
      size: result.size,
      loss: result.loss,
      applied: result.applied,
      events,
      seconds,
      stepSamples,
      poolEvery,
      ...(fresh ? { metrics: this.lastMetrics } : {}),
    };
  }

  metrics(): MetricValues {
    return this.lastMetrics;
  }

  capture(): Promise<LearnerCapture> {
    return this.serial(() => this.captureNow());
  }

  private async captureNow(): Promise<LearnerCapture> {
    const snapshot = await this.manager.learner.snapshot();
    this.lastCapture = snapshot;
    return {
      snapshot,
      state: await this.manager.state(),
      metricsState: this.manager.learner.metrics.state(),
      metrics: this.manager.metrics(),
      challengerRunning: this.manager.challengerRunning,
    };
  }

  notePublished(version: string): Promise<void> {
    return this.serial(() => {
      if (this.lastCapture) this.manager.notePublished(this.lastCapture, version);
    });
  }

  predict(features: Float32Array, size: number): Promise<Float32Array> {
    return this.serial(() => this.manager.learner.predict(features, size));
  }

  dispose(): Promise<void> {
    return this.serial(async () => {
      this.manager.dispose();
      await this.versions?.close();
    });
  }

  private serial<T>(fn: () => T | Promise<T>): Promise<T> {
    const run = this.tail.then(fn);
    this.tail = run.catch(() => undefined);
    return run;
  }
}
