import type { Logger, MetricValues, StreamtrainConfig } from '../core/index.js';
import { selectBackend, type LearnInput } from '../learner/index.js';
import { ModelManager } from '../adaptation/index.js';
import type { CheckpointContent } from './checkpointer.js';
import { learnerHostOptions } from './learner-host.js';

/**
 * The model a retrain trains from scratch: the new config's learner and drift machinery (a ModelManager, as the
 * service builds it), stepped test-then-train on the calling thread. Its steps return the per-sample errors the
 * race pairs with the live model's.
 */
export class Candidate {
  samples = 0;

  private constructor(
    private readonly manager: ModelManager,
    readonly backend: string,
    private readonly config: StreamtrainConfig,
  ) {}

  static async create(config: StreamtrainConfig, logger: Logger): Promise<Candidate> {
    const o = learnerHostOptions(config);
    const backend = await selectBackend(o.backend, logger);
    const manager = await ModelManager.create({
      spec: o.spec,
      drift: o.drift,
      inputWidth: o.inputWidth,
      inputColumns: o.inputColumns,
      metricsWindow: o.metricsWindow,
      updateBatchSize: o.updateBatchSize,
      regressionErrors: o.regressionErrors,
      logger,
    });
    return new Candidate(manager, backend, config);
  }

  /** Scores the batch, then learns it; returns the per-sample errors of the model that predicted. */
  async step(batch: LearnInput): Promise<Float32Array> {
    const { result } = await this.manager.step(batch);
    this.samples += batch.size;
    return result.errors;
  }

  metrics(): MetricValues {
    return this.manager.metrics();
  }

  /** What a checkpoint of the candidate holds, in the shape the service writes (so `run` restores it). */
  async capture(): Promise<CheckpointContent> {
    const drift = this.config.drift;
    return {
      snapshot: await this.manager.learner.snapshot(),
      state: { metrics: this.manager.learner.metrics.state(), manager: await this.manager.state() },
      metrics: this.manager.metrics(),
      drift: { detectors: drift.detectors.map((d) => d.kind), responses: drift.responses, challengerRunning: this.manager.challengerRunning, decisions: [] },
    };
  }

  dispose(): void {
    this.manager.dispose();
  }
}
