import type { DriftConfig, InputColumn, Logger, ModelConfig, ModelSnapshot } from '../core/index.js';
import { createLearner, type Learner } from '../learner/index.js';
import type { ErrorTrendOptions } from './error-trend.js';
import type { VersionSource } from './version-source.js';

export interface ModelManagerOptions {
  readonly spec: ModelConfig;
  readonly drift: DriftConfig;
  readonly inputWidth: number;
  /** Names of the input positions, for data-drift scores (`inputColumns(input.features)`). @default x0, x1, ... */
  readonly inputColumns?: readonly InputColumn[];
  readonly metricsWindow: number;
  /**
   * Samples per gradient step (0 or absent: one step per micro-batch); `auto`: a step per sample unless a batch
   * says otherwise (`LearnInput.stepSamples`, set by the pipeline under backpressure).
   */
  readonly updateBatchSize?: number | 'auto';
  /** Checkpoint a regression model's per-sample errors (`checkpoints.regressionErrors`). @default false */
  readonly regressionErrors?: boolean;
  readonly logger: Logger;
  /** The rise check's rule (studies rerun earlier rules with it). @default the current rule */
  readonly errorTrend?: ErrorTrendOptions;
  /**
   * `restartOnDrift` also during the hold-off of an earlier restart, which the restart then re-arms: the behaviour
   * before part 3 of studies/dev-responses.ts, which its earlier parts rerun with. @default false
   */
  readonly restartDuringHoldoff?: boolean;
  /** Where the forgetting guard reads past versions (`drift.guard`). @default the snapshots this process published */
  readonly versions?: VersionSource;
}

/**
 * What the drift responses share: the champion (the model that predicts and is published; adapt's hedge and the
 * challenger race replace it, so it lives here, once), the last published version, the options, and the count of
 * samples trained by all models together.
 */
export class LiveModels {
  /** Samples processed by training, champion and the other models together: the compute the benchmark reports. */
  trainedSamples = 0;
  /** The last published version: what a `last-version` challenger starts from. */
  baseline?: { readonly snapshot: ModelSnapshot; readonly version: string };

  constructor(
    public champion: Learner,
    readonly options: ModelManagerOptions,
    readonly log: Logger,
  ) {}

  static async create(options: ModelManagerOptions, snapshot?: ModelSnapshot): Promise<LiveModels> {
    return new LiveModels(await createLearner(learnerOptions(options), snapshot), options, options.logger.child({ module: 'drift' }));
  }

  get task(): ModelConfig['task'] {
    return this.options.spec.task;
  }

  /** Whether checkpoints keep per-sample errors: always for classifiers, on opt-in for regression. */
  get keepsErrors(): boolean {
    return this.options.spec.task === 'classification' || this.options.regressionErrors === true;
  }

  /** A new model with the champion's settings, from a snapshot or from scratch. */
  learner(snapshot?: ModelSnapshot): Promise<Learner> {
    return createLearner(learnerOptions(this.options), snapshot);
  }
}

function learnerOptions(o: ModelManagerOptions) {
  return {
    spec: o.spec,
    inputWidth: o.inputWidth,
    metricsWindow: o.metricsWindow,
    logger: o.logger,
    updateBatchSize: o.updateBatchSize === 'auto' ? 1 : o.updateBatchSize || undefined,
    regressionErrors: o.regressionErrors === true,
  };
}
