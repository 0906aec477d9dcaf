import type { MetricValues, ModelSnapshot } from '../core/index.js';
import type { DetectorSnapshot } from '../drift/index.js';
import type { LearnInput, Learner, StepResult } from '../learner/index.js';
import { Adapt, type HedgeState } from './adapt.js';
import { AverageRestart } from './average-restart.js';
import { ChallengerRace, type ChallengerState } from './challenger-race.js';
import type { DataDriftState } from './data-drift-watch.js';
import { DriftWatch, type Detection } from './drift-watch.js';
import type { ManagerEvent } from './events.js';
import { ForgettingGuard, type GuardState } from './forgetting-guard.js';
import { LiveModels, type ModelManagerOptions } from './live-models.js';
import type { ComparisonState } from './paired-comparison.js';
import { LoggedMetric, type LoggedState } from './logged.js';
import { ServedMetric, type ServedState } from './served.js';
import { PublishedSnapshots } from './version-source.js';

/**
 * Serializable state of the drift machinery, kept in checkpoints so that a restart continues every decision where
 * it stopped: detectors (counters and sketches), the recent per-sample errors the responses consult, a running
 * race (the challenger's weights and optimizer, its metrics, the paired errors so far) and the lag test's block.
 * Per-sample errors are kept for classifiers (0/1), and for regression only on opt-in (see `state()`); never
 * features or labels. The keys are written in this order (test/fixtures/adaptation/manager-state.json).
 */
export interface ManagerState {
  /** Absent for a regression model without `checkpoints.regressionErrors`: the detectors then start fresh. */
  readonly detectors?: DetectorSnapshot[];
  readonly data?: DataDriftState;
  readonly adaptRemaining: number;
  /** The error trend's ring, oldest first. */
  readonly trend?: number[];
  readonly challenger?: ChallengerState;
  readonly lag?: ComparisonState;
  /** A hedged adapt period (`drift.adapt.hedge`). */
  readonly hedge?: HedgeState;
  /** The served metric's counts (absent in checkpoints written before it). */
  readonly served?: ServedState;
  /** The forgetting guard's pool of past versions (`drift.guard`): names only. */
  readonly guard?: GuardState;
  /** The logged metric's counts, once a prediction log's example was scored (`input.format: prediction-log`). */
  readonly logged?: LoggedState;
}

/** What the phases of one step share: the batch, the champion's result on it, the events so far, the detection. */
interface StepContext {
  readonly batch: LearnInput;
  readonly result: StepResult;
  readonly events: ManagerEvent[];
  detection?: Detection;
}

interface Phase {
  readonly name: string;
  run(s: StepContext): void | Promise<void>;
}

/**
 * Owns the live model (the champion) and the drift responses around it. Each batch the champion learns it
 * test-then-train, then the phases below run in their order. When a detection comes with a rise of the error, the
 * configured responses start: `alert` (the service publishes a drift event), `adapt` (Adapt), `challenger`
 * (ChallengerRace); `restartOnDrift` restarts the weight average (AverageRestart). A change for the better is
 * reported but not acted on. Used both by the service and, without Kafka, by the learning-quality benchmark.
 */
export class ModelManager {
  private readonly watch: DriftWatch;
  private readonly averageRestart: AverageRestart;
  private readonly adapt: Adapt;
  private readonly race: ChallengerRace;
  private readonly served: ServedMetric;
  private readonly logged: LoggedMetric;
  private readonly guard: ForgettingGuard;

  /** The phases of a step after the champion learned the batch, in the order they run. */
  private readonly phases: readonly Phase[] = [
    { name: 'average restart on lag', run: (s) => this.averageRestart.step(s.result, s.events) },
    { name: 'adapt period', run: (s) => this.adaptStep(s) },
    { name: 'challenger race', run: (s) => this.raceStep(s) },
    { name: 'forgetting guard', run: (s) => this.guardStep(s) },
    { name: 'detection', run: (s) => this.detect(s) },
    { name: 'responses', run: (s) => this.respond(s) },
  ];

  private constructor(private readonly models: LiveModels) {
    this.watch = new DriftWatch(models);
    this.averageRestart = new AverageRestart(models);
    this.adapt = new Adapt(models);
    this.race = new ChallengerRace(models);
    this.served = new ServedMetric(models.task);
    this.logged = new LoggedMetric(models.task, models.options.metricsWindow);
    this.guard = new ForgettingGuard(models, models.options.versions ?? new PublishedSnapshots());
  }

  static async create(options: ModelManagerOptions, restored?: { snapshot: ModelSnapshot; state?: ManagerState }): Promise<ModelManager> {
    const m = new ModelManager(await LiveModels.create(options, restored?.snapshot));
    if (restored?.state) await m.restore(restored.state);
    return m;
  }

  get learner(): Learner {
    return this.models.champion;
  }

  get challengerRunning(): boolean {
    return this.race.running;
  }

  /** Samples processed by training, champion and the other models together: the compute the benchmark reports. */
  get trainedSamples(): number {
    return this.models.trainedSamples;
  }

  /** The last published version: what a `last-version` challenger starts from. */
  notePublished(snapshot: ModelSnapshot, version: string): void {
    this.models.baseline = { snapshot, version };
    this.guard.published(version, snapshot);
  }

  async step(batch: LearnInput): Promise<{ result: StepResult; events: ManagerEvent[] }> {
    const result = this.models.champion.step(batch);
    this.models.trainedSamples += batch.size;
    this.served.add(result.errors);
    if (batch.logged) this.logged.add(batch.logged, batch.labels);
    const s: StepContext = { batch, result, events: [] };
    const change = this.models.champion.takeSwitch?.();
    if (change) s.events.push({ kind: 'pool-switched', ...change });
    for (const phase of this.phases) await phase.run(s);
    return { result, events: s.events };
  }

  /**
   * The checkpointed state. Per-sample errors (the detectors' state, the trend, the race's pairs, the lag block)
   * are kept for classifiers, where they are 0/1. A regression error is |label - prediction|, and a model that still
   * predicts 0 (a new one) makes it the label itself: for regression they are left out unless the user opts in
   * (`checkpoints.regressionErrors`), and after a restart the detectors, the trend and the lag block start empty
   * and the race's window refills (its looks keep their schedule). ADWIN's newest buckets and KSWIN's window hold
   * single errors, and even a running mean is one error right after a detector resets, so no detector's state is
   * kept for regression without the opt-in.
   */
  async state(): Promise<ManagerState> {
    const perSample = this.models.keepsErrors;
    const { detectors, data, trend } = this.watch.state(perSample);
    const challenger = await this.race.state(perSample);
    const lag = this.averageRestart.state(perSample);
    const { adaptRemaining, hedge } = await this.adapt.state(perSample);
    const guard = this.guard.state();
    const logged = this.logged.state();
    return {
      ...(detectors ? { detectors } : {}),
      data,
      adaptRemaining,
      ...(trend ? { trend } : {}),
      ...(challenger ? { challenger } : {}),
      ...(lag ? { lag } : {}),
      ...(hedge ? { hedge } : {}),
      served: this.served.state(),
      ...(guard ? { guard } : {}),
      ...(logged ? { logged } : {}),
    };
  }

  /**
   * Live metrics of the champion, plus the race when a challenger runs, and during an adapt period the samples
   * left in it (`adapt_remaining`) and, hedged, whether the boosted copy predicts (`adapt_boosted_leads`, 1 or 0),
   * the served metric since the start (`served_accuracy` or `served_mae`, `served_samples`: ServedMetric), and with a
   * prediction log the logged one (`logged_accuracy` or `logged_mae`, their `_window`, `logged_samples`: LoggedMetric).
   */
  metrics(): MetricValues {
    return {
      ...this.models.champion.liveMetrics(),
      ...this.adapt.metrics(),
      ...this.race.metrics(),
      ...this.guard.metrics(),
      ...this.served.values(),
      ...this.logged.values(),
    };
  }

  dispose(): void {
    this.models.champion.dispose();
    this.race.dispose();
    this.adapt.dispose();
    this.guard.dispose();
  }

  private async restore(s: ManagerState): Promise<void> {
    this.watch.restore(s);
    this.served.restore(s.served);
    this.logged.restore(s.logged);
    await this.adapt.restore(s);
    this.averageRestart.restore(s.lag);
    await this.race.restore(s.challenger);
    this.guard.restore(s.guard);
  }

  /** A change of the lead in a hedged period changes the champion: the lag block was the other model's. */
  private adaptStep(s: StepContext): void {
    if (this.adapt.step(s.batch, s.result, s.events)) this.averageRestart.reset();
  }

  /** A promotion ends what belonged to the displaced champion: its adapt period, its lag block, its detectors. */
  private raceStep(s: StepContext): void {
    if (!this.race.step(s.batch, s.result, s.events)) return;
    this.averageRestart.reset();
    this.adapt.cancel();
    this.watch.resetDetectors();
  }

  /** A re-activated past version ends what belonged to the displaced live model, as a promotion does. */
  private guardStep(s: StepContext): void {
    if (!this.guard.step(s.batch, s.result, s.events)) return;
    this.averageRestart.reset();
    this.adapt.cancel();
    this.watch.resetDetectors();
  }

  /** The detectors, the data-drift watch and the error trend see the champion's batch. */
  private detect(s: StepContext): void {
    s.detection = this.watch.step(s.batch, s.result);
  }

  /** On a detection: the drift event, and when the error rose, the average restart and the configured responses. */
  private async respond(s: StepContext): Promise<void> {
    const { fired, worse } = s.detection ?? { worse: false };
    if (!fired) return;
    const acted = worse ? fired : { ...fired, responses: fired.responses.filter((r) => r === 'alert') };
    const restart = worse && this.averageRestart.onRise(this.adapt.other);
    s.events.push({ ...acted, scores: { ...acted.scores, error_rose: worse ? 1 : 0, ...(restart ? { average_restarted: 1 } : {}) } });
    this.models.log.info({ detector: acted.detector, signal: acted.signal, responses: acted.responses }, 'drift detected');
    if (acted.responses.includes('adapt')) await this.adapt.start(s.events);
    if (acted.responses.includes('challenger')) await this.race.start(s.events);
    // The guard looks at every detection on the error: a returning concept is often caught after the rise check's window.
    if (fired.signal === 'error') await this.guard.onRise();
  }
}
