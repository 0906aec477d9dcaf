import type { DriftConfig, DriftResponse, InputColumn, Logger, MetricValues, ModelConfig, ModelSnapshot } from '../core/index.js';
import { OnlineLearner, type LearnInput, type StepResult } from '../learner/index.js';
import { createDetector, restoreDetector, type DetectorSnapshot, type DriftDetector } from '../drift/index.js';
import { DataDriftWatch, type DataDriftState } from './data-drift-watch.js';
import { erfc, PairedComparison, Race, studentTUpperQuantile, type ComparisonResult, type ComparisonState, type DropReason, type RaceState } from './paired-comparison.js';
import { snapshotFromJson, snapshotToJson, type SnapshotJson } from './snapshot-json.js';

/** What happened while learning one batch, for the service to log, publish and checkpoint. */
export type ManagerEvent =
  | { readonly kind: 'drift'; readonly detector: string; readonly signal: 'error' | 'prediction' | 'input'; readonly scores: Record<string, number>; readonly responses: readonly DriftResponse[] }
  | { readonly kind: 'challenger-started'; readonly from: 'scratch' | string; readonly rollback?: boolean }
  | { readonly kind: 'challenger-promoted'; readonly comparison: ComparisonResult; readonly branchedFrom?: string; readonly rollback?: boolean }
  | { readonly kind: 'challenger-dropped'; readonly comparison: ComparisonResult; readonly reason: DropReason }
  | { readonly kind: 'adapt-started'; readonly learningRate: number; readonly hedged?: boolean }
  /** With `drift.adapt.hedge`: which model continues, the errors each made in the period, and how often the lead changed. */
  | { readonly kind: 'adapt-ended'; readonly kept?: 'boosted' | 'unchanged'; readonly boostedErrors?: number; readonly unchangedErrors?: number; readonly switches?: number }
  | { readonly kind: 'average-restarted'; readonly comparison: ComparisonResult };

/** Level of the paired test that restarts a lagging weight average (`model.averaging.restartOnLag`). */
const LAG_ALPHA = 0.01;

export interface ModelManagerOptions {
  readonly spec: ModelConfig;
  readonly drift: DriftConfig;
  readonly inputWidth: number;
  /** Names of the input positions, for data-drift scores (`inputColumns(input.features)`). @default x0, x1, ... */
  readonly inputColumns?: readonly InputColumn[];
  readonly metricsWindow: number;
  /** Samples per gradient step (0 or absent: one step per micro-batch). */
  readonly updateBatchSize?: number;
  /** Checkpoint a regression model's per-sample errors (`checkpoints.regressionErrors`). @default false */
  readonly regressionErrors?: boolean;
  readonly logger: Logger;
}

/**
 * Serializable state of the drift machinery, kept in checkpoints so that a restart continues every decision where
 * it stopped: detectors (counters and sketches), the recent per-sample errors the responses consult, a running
 * race (the challenger's weights and optimizer, its metrics, the paired errors so far) and the lag test's block.
 * Per-sample errors are kept for classifiers (0/1), and for regression only on opt-in (see `state()`); never
 * features or labels.
 */
export interface ManagerState {
  /** Absent for a regression model without `checkpoints.regressionErrors`: the detectors then start fresh. */
  readonly detectors?: DetectorSnapshot[];
  readonly data?: DataDriftState;
  readonly adaptRemaining: number;
  /** The error trend's ring, oldest first. */
  readonly trend?: number[];
  readonly challenger?: {
    readonly snapshot: SnapshotJson;
    readonly metrics: ReturnType<OnlineLearner['metrics']['state']>;
    readonly race: RaceState;
    readonly branchedFrom?: string;
    readonly rollback?: boolean;
  };
  readonly lag?: ComparisonState;
  /**
   * A hedged adapt period (`drift.adapt.hedge`): the model that was not predicting (the champion's snapshot is the
   * one that was), which of the two is the boosted copy, and the errors each made since the period began (for a
   * regression model without `checkpoints.regressionErrors`, 0: the count restarts).
   */
  readonly hedge?: { readonly other: SnapshotJson; readonly boostedLeads: boolean; readonly boostedErrors: number; readonly unchangedErrors: number; readonly switches: number };
}

/** Errors in the recent window and in the window before it that `ErrorTrend.rose()` compares. */
const RISE_RECENT = 200;
const RISE_BEFORE = 1000;
/** Block length for the dependence-robust variance, and the errors before the recent window it needs. */
const RISE_BLOCK = 100;
const RISE_MIN_BEFORE = 500;
/** One-sided level of two standard errors, P(Z > 2); the block check's t quantile is taken at the same level. */
const RISE_LEVEL = 0.5 * erfc(2 / Math.SQRT2);
const riseQuantiles = new Map<number, number>();

/**
 * Recent errors, to tell a degradation from an improvement: ADWIN (like River's) flags any change of the mean,
 * including the error *falling* while a model learns or recovers, and responding to that only costs compute. Adapt,
 * the challenger and the average restart act on a detection only when `rose()`. Exported for the development study
 * (bench/quality/dev-responses.ts), which simulates it.
 */
export class ErrorTrend {
  private readonly ring = new Float32Array(RISE_RECENT + RISE_BEFORE);
  private pos = 0;
  private fill = 0;

  /** The ring's errors, oldest first. */
  state(): number[] {
    const out: number[] = [];
    for (let k = this.fill; k >= 1; k--) out.push(this.at(k));
    return out;
  }

  restore(errors: readonly number[]): void {
    this.pos = 0;
    this.fill = 0;
    this.add(Float32Array.from(errors.slice(-this.ring.length)), 0, Math.min(errors.length, this.ring.length));
  }

  /** Adds errors[from, to). */
  add(errors: Float32Array, from: number, to: number): void {
    for (let i = from; i < to; i++) {
      this.ring[this.pos] = errors[i] as number;
      this.pos = (this.pos + 1) % this.ring.length;
      if (this.fill < this.ring.length) this.fill++;
    }
  }

  /**
   * Whether the mean error of the last 200 samples exceeds that of the (up to) 1,000 before them, by both:
   * - two standard errors from the pooled per-sample variance (the two-proportion test for 0/1 errors), which
   *   assumes independent errors; and, once at least 500 errors precede the recent 200,
   * - t standard errors from the variance of the window before's means in blocks of 100 (batch means: errors that
   *   come in runs, as in real streams, make that variance larger than the per-sample one), t being Student's
   *   quantile with (blocks - 1) degrees of freedom at the level of two standard errors. The variance comes from
   *   the window before alone, where the concept held: a change just before the check does not inflate it.
   * Under errors in runs of 10 and 50 the first check alone says "rose" for 14% and 30% of unchanged streams, both
   * together for 2.5% and 3.8% (bench/quality/dev-responses.ts part 23). True when there are too few samples to tell.
   */
  rose(): boolean {
    if (this.fill < 2 * RISE_RECENT) return true;
    const beforeN = this.fill - RISE_RECENT;
    let recent = 0;
    let before = 0;
    let sumSq = 0;
    for (let k = 1; k <= this.fill; k++) {
      const v = this.at(k);
      if (k <= RISE_RECENT) recent += v;
      else before += v;
      sumSq += v * v;
    }
    const mean = (recent + before) / this.fill;
    const variance = Math.max(0, sumSq / this.fill - mean * mean);
    const rise = recent / RISE_RECENT - before / beforeN;
    if (!(rise > 2 * Math.sqrt(variance * (1 / RISE_RECENT + 1 / beforeN)))) return false;
    if (beforeN < RISE_MIN_BEFORE) return true;
    // Block means of the window before, the newest block ending where the recent window starts.
    const blocks = Math.floor(beforeN / RISE_BLOCK);
    const means = new Float64Array(blocks);
    for (let b = 0; b < blocks; b++) {
      let sum = 0;
      for (let k = RISE_RECENT + b * RISE_BLOCK + 1; k <= RISE_RECENT + (b + 1) * RISE_BLOCK; k++) sum += this.at(k);
      means[b] = sum / RISE_BLOCK;
    }
    const meanOfMeans = means.reduce((a, m) => a + m, 0) / blocks;
    const blockVariance = (RISE_BLOCK * means.reduce((a, m) => a + (m - meanOfMeans) ** 2, 0)) / (blocks - 1);
    let t = riseQuantiles.get(blocks - 1);
    if (t === undefined) riseQuantiles.set(blocks - 1, (t = studentTUpperQuantile(RISE_LEVEL, blocks - 1)));
    return rise > t * Math.sqrt(blockVariance * (1 / RISE_RECENT + 1 / beforeN));
  }

  /** The k-th newest error (k = 1: the newest). */
  private at(k: number): number {
    return this.ring[(this.pos - k + this.ring.length) % this.ring.length] as number;
  }
}

/**
 * A hedged adapt period: the boosted copy and the unchanged model both learn every batch; the champion is whichever
 * made fewer errors since the period began (a tie: the unchanged one), and `other` is the one that does not predict.
 */
interface Hedge {
  other: OnlineLearner;
  /** Whether the champion is the boosted copy. */
  boostedLeads: boolean;
  boostedErrors: number;
  unchangedErrors: number;
  /** Changes of the lead so far. */
  switches: number;
}

interface Challenger {
  readonly learner: OnlineLearner;
  readonly race: Race;
  readonly branchedFrom?: string;
  /** A displaced champion racing the challenger that replaced it (`drift.challenger.rollback`). */
  readonly rollback?: boolean;
}

/**
 * Owns the live model (the champion) and the drift response around it. Each batch: the champion learns it
 * test-then-train; its per-sample errors feed the concept-drift detectors; inputs and predictions feed the
 * data-drift watch. When a detector fires, the configured responses run:
 * - `alert`: the service publishes a drift event;
 * - `adapt`: optimizer moments are forgotten and the learning rate can be raised for a while (each optional);
 * - `challenger`: a second model (from scratch, or from the last published version) learns the same batches;
 *   both are scored on every batch. Every `minSamples` pairs the race looks at a paired test on the last
 *   `minSamples` pairs, at a Bonferroni-corrected level (see `Race`): the challenger replaces the champion when
 *   it is better by the margin, is dropped early (from the second look) when it is behind by the margin or
 *   significantly worse, and is dropped after `maxSamples` otherwise. With `rollback`, the displaced champion then
 *   takes the challenger slot and races the new champion under the same rules, and is reinstated if it wins.
 * Used both by the service and, without Kafka, by the learning-quality benchmark.
 */
export class ModelManager {
  private detectors: DriftDetector[];
  private readonly data?: DataDriftWatch;
  private challenger?: Challenger;
  private adaptRemaining = 0;
  private hedge?: Hedge;
  private baseline?: { snapshot: ModelSnapshot; version: string };
  private readonly trend = new ErrorTrend();
  /** The current block of paired errors (average, trained weights) for `restartOnLag`. */
  private lag?: PairedComparison;
  private readonly log: Logger;
  /** Samples processed by training, champion and challenger together: the compute the benchmark reports. */
  trainedSamples = 0;

  private constructor(
    private champion: OnlineLearner,
    private readonly options: ModelManagerOptions,
  ) {
    this.log = options.logger.child({ module: 'drift' });
    this.detectors = options.drift.detectors.map((d) => createDetector(d.kind, d.params));
    const { data } = options.drift;
    const named = options.inputColumns?.length === options.inputWidth ? options.inputColumns : undefined;
    const columns = named ?? Array.from({ length: options.inputWidth }, (_, i) => ({ name: `x${i}`, field: `x${i}` }));
    if (data.inputs || data.predictions) this.data = new DataDriftWatch(data, columns);
  }

  static async create(options: ModelManagerOptions, restored?: { snapshot: ModelSnapshot; state?: ManagerState }): Promise<ModelManager> {
    const champion = await OnlineLearner.create(learnerOptions(options), restored?.snapshot);
    const m = new ModelManager(champion, options);
    if (restored?.state) await m.restore(restored.state);
    return m;
  }

  get learner(): OnlineLearner {
    return this.champion;
  }

  get challengerRunning(): boolean {
    return this.challenger !== undefined;
  }

  /** The last published version: what a `last-version` challenger starts from. */
  notePublished(snapshot: ModelSnapshot, version: string): void {
    this.baseline = { snapshot, version };
  }

  async step(batch: LearnInput): Promise<{ result: StepResult; events: ManagerEvent[] }> {
    const events: ManagerEvent[] = [];
    const result = this.champion.step(batch);
    this.trainedSamples += batch.size;
    this.checkLag(result, events);
    if (this.hedge) this.hedgeStep(this.hedge, batch, result);
    if (this.adaptRemaining > 0) {
      this.adaptRemaining -= batch.size;
      if (this.adaptRemaining <= 0) this.endAdapt(events);
    }
    if (this.challenger) await this.raceStep(batch, result, events);

    const fired = this.watch(batch, result);
    const n = result.errors.length;
    const at = fired?.signal === 'error' ? (fired.scores.sample_in_batch as number) + 1 : n;
    this.trend.add(result.errors, 0, at);
    // Adapt and challenger answer a degradation; a change for the better is reported but not acted on.
    const worse = fired ? fired.signal !== 'error' || this.trend.rose() : false;
    this.trend.add(result.errors, at, n);
    if (fired) {
      const acted = worse ? fired : { ...fired, responses: fired.responses.filter((r) => r === 'alert') };
      // The weight average assumes the concept holds; once the error rose it would only lag, so it starts over.
      // A rise during the hold-off of an earlier restart does not extend it (the trained weights already predict),
      // so a stream whose detector fires every few hundred samples still gets averaging between the hold-offs.
      const restart = worse && this.champion.averaging && this.options.spec.averaging?.restartOnDrift !== false && this.champion.averageHoldoff === 0;
      if (restart) {
        this.champion.restartAverage();
        this.hedge?.other.restartAverage();
      }
      events.push({ ...acted, scores: { ...acted.scores, error_rose: worse ? 1 : 0, ...(restart ? { average_restarted: 1 } : {}) } });
      await this.respond(acted, events);
    }
    return { result, events };
  }

  /**
   * `model.averaging.restartOnLag`: in disjoint blocks of horizon / 2 samples, a paired test (the race's, margin 0,
   * alpha 0.01) of the trained weights against the average that predicted; when the trained weights were
   * significantly better, the average lags behind a change and restarts. One test per block keeps false restarts
   * at about alpha / 2 per block. A hold-off (the trained weights predict) ends the block.
   */
  private checkLag(result: StepResult, events: ManagerEvent[]): void {
    const trained = result.trainedErrors;
    if (!trained) {
      this.lag = undefined;
      return;
    }
    const block = this.lagBlock();
    this.lag ??= new PairedComparison(this.options.spec.task, block, 0, LAG_ALPHA, this.options.drift.challenger.test);
    this.lag.add(result.errors, trained);
    if (this.lag.total < block) return;
    const r = this.lag.result();
    this.lag = undefined;
    if (!r.challengerWins || r.lead <= 0) return;
    this.champion.restartAverage();
    events.push({ kind: 'average-restarted', comparison: r });
  }

  /**
   * A hedged period's batch: the model that did not predict learns the batch too, both errors are counted, the
   * live metrics keep what was served, and the one with fewer errors since the period began predicts the next batch.
   */
  private hedgeStep(h: Hedge, batch: LearnInput, served: StepResult): void {
    const r = h.other.step(batch);
    this.trainedSamples += batch.size;
    const [mine, theirs] = [sum(served.errors), sum(r.errors)];
    if (h.boostedLeads) {
      h.boostedErrors += mine;
      h.unchangedErrors += theirs;
    } else {
      h.unchangedErrors += mine;
      h.boostedErrors += theirs;
    }
    h.other.metrics.copyFrom(this.champion.metrics);
    const boostedLeads = h.boostedErrors < h.unchangedErrors;
    if (boostedLeads === h.boostedLeads) return;
    [this.champion, h.other] = [h.other, this.champion];
    h.boostedLeads = boostedLeads;
    h.switches++;
    // The lag test compares one model's average with its own trained weights.
    this.lag = undefined;
  }

  /** The end of an adapt period: the learning rate returns to its base; a hedge keeps its leader. */
  private endAdapt(events: ManagerEvent[]): void {
    this.adaptRemaining = 0;
    this.champion.restoreLearningRate();
    const h = this.hedge;
    if (!h) {
      events.push({ kind: 'adapt-ended' });
      return;
    }
    this.hedge = undefined;
    h.other.dispose();
    const kept = h.boostedLeads ? 'boosted' : 'unchanged';
    this.log.info({ kept, boostedErrors: h.boostedErrors, unchangedErrors: h.unchangedErrors, switches: h.switches }, 'hedged adapt period ended');
    events.push({ kind: 'adapt-ended', kept, boostedErrors: h.boostedErrors, unchangedErrors: h.unchangedErrors, switches: h.switches });
  }

  private lagBlock(): number {
    return Math.max(1, Math.floor((this.options.spec.averaging?.horizon ?? 0) / 2));
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
    const ch = this.challenger;
    const perSample = this.keepsErrors;
    const race = (r: Race) => {
      const s = r.state();
      return perSample ? s : { ...s, comparison: { champion: [], challenger: [], total: s.comparison.total } };
    };
    return {
      ...(perSample ? { detectors: this.detectors.map((d) => d.snapshot()) } : {}),
      data: this.data?.state(),
      adaptRemaining: Math.max(0, this.adaptRemaining),
      ...(perSample ? { trend: this.trend.state() } : {}),
      ...(ch
        ? {
            challenger: {
              snapshot: snapshotToJson(await ch.learner.snapshot()),
              metrics: ch.learner.metrics.state(),
              race: race(ch.race),
              ...(ch.branchedFrom !== undefined ? { branchedFrom: ch.branchedFrom } : {}),
              ...(ch.rollback ? { rollback: true } : {}),
            },
          }
        : {}),
      ...(this.lag && perSample ? { lag: this.lag.state() } : {}),
      ...(this.hedge
        ? {
            hedge: {
              other: snapshotToJson(await this.hedge.other.snapshot()),
              boostedLeads: this.hedge.boostedLeads,
              boostedErrors: perSample ? this.hedge.boostedErrors : 0,
              unchangedErrors: perSample ? this.hedge.unchangedErrors : 0,
              switches: this.hedge.switches,
            },
          }
        : {}),
    };
  }

  /**
   * Live metrics of the champion, plus the race when a challenger runs, and during an adapt period the samples
   * left in it (`adapt_remaining`) and, hedged, whether the boosted copy predicts (`adapt_boosted_leads`, 1 or 0).
   */
  metrics(): MetricValues {
    const adapt = this.adaptRemaining > 0 ? { adapt_remaining: this.adaptRemaining, ...(this.hedge ? { adapt_boosted_leads: this.hedge.boostedLeads ? 1 : 0 } : {}) } : {};
    const m = { ...this.champion.liveMetrics(), ...adapt };
    if (!this.challenger) return m;
    const c = this.challenger.race.comparison;
    const r = c.result();
    return { ...m, challenger_samples: c.total, challenger_lead: r.lead, challenger_p: r.pValue };
  }

  dispose(): void {
    this.champion.dispose();
    this.challenger?.learner.dispose();
    this.hedge?.other.dispose();
  }

  /** Whether checkpoints keep per-sample errors: always for classifiers, on opt-in for regression. */
  private get keepsErrors(): boolean {
    return this.options.spec.task === 'classification' || this.options.regressionErrors === true;
  }

  private async restore(s: ManagerState): Promise<void> {
    if (s.detectors === undefined && this.detectors.length > 0) this.log.info('the checkpoint holds no error-detector state (a regression model without `checkpoints.regressionErrors`): the detectors start fresh');
    if (Array.isArray(s.detectors) && s.detectors.length === this.detectors.length) {
      try {
        this.detectors = s.detectors.map((d) => restoreDetector(d));
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'detector state in the checkpoint does not fit the config: detectors start fresh');
      }
    }
    const fresh = s.data && this.data ? this.data.restore(s.data) : [];
    if (fresh.length) this.log.info({ monitors: fresh }, 'data-drift monitors in the checkpoint watched other columns or settings than the config asks for: they start fresh');
    this.adaptRemaining = Math.max(0, s.adaptRemaining ?? 0);
    if (this.adaptRemaining > 0) await this.restoreAdapt(s.hedge);
    if (Array.isArray(s.trend)) this.trend.restore(s.trend);
    if (s.lag && this.options.spec.averaging?.restartOnLag) {
      this.lag = new PairedComparison(this.options.spec.task, this.lagBlock(), 0, LAG_ALPHA, this.options.drift.challenger.test);
      this.lag.restore(s.lag);
    }
    if (s.challenger) await this.restoreChallenger(s.challenger);
  }

  /**
   * Resumes an adapt period: a hedge with both models when the checkpoint holds one and the config still asks for
   * it; otherwise the period continues unhedged on the model that predicted.
   */
  private async restoreAdapt(h: ManagerState['hedge']): Promise<void> {
    const { adapt } = this.options.drift;
    if (h && adapt.hedge) {
      try {
        const other = await OnlineLearner.create(learnerOptions(this.options), snapshotFromJson(h.other));
        (h.boostedLeads ? this.champion : other).boostLearningRate(adapt.learningRateFactor);
        const count = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0);
        this.hedge = { other, boostedLeads: h.boostedLeads === true, boostedErrors: count(h.boostedErrors), unchangedErrors: count(h.unchangedErrors), switches: count(h.switches) };
        return;
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'the hedged adapt copy in the checkpoint does not fit the config: the period continues unhedged');
      }
    } else if (h) this.log.info('a hedged adapt period ran at the checkpoint, but `drift.adapt.hedge` is off: the period continues unhedged on the model that predicted');
    this.champion.boostLearningRate(adapt.learningRateFactor);
  }

  /** Resumes the race that ran at the checkpoint, unless the config no longer asks for challengers. */
  private async restoreChallenger(c: NonNullable<ManagerState['challenger']>): Promise<void> {
    if (!this.options.drift.responses.includes('challenger')) {
      this.log.warn('a challenger was racing at the checkpoint, but `drift.responses` no longer lists `challenger`: it is dropped');
      return;
    }
    try {
      const learner = await OnlineLearner.create(learnerOptions(this.options), snapshotFromJson(c.snapshot));
      learner.metrics.restore(c.metrics);
      const race = new Race(this.options.spec.task, this.options.drift.challenger);
      race.restore(c.race);
      this.challenger = { learner, race, ...(c.branchedFrom !== undefined ? { branchedFrom: c.branchedFrom } : {}), ...(c.rollback ? { rollback: true } : {}) };
      this.log.info({ samples: race.comparison.total, rollback: c.rollback === true }, 'challenger race resumed from the checkpoint');
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'the challenger in the checkpoint does not fit the config: it is dropped');
    }
  }

  /** Feeds the detectors; returns the first drift signal of this batch, if any. */
  private watch(batch: LearnInput, result: StepResult): Extract<ManagerEvent, { kind: 'drift' }> | undefined {
    const responses = this.options.drift.responses;
    let fired: Extract<ManagerEvent, { kind: 'drift' }> | undefined;
    for (let i = 0; i < result.errors.length; i++) {
      const e = result.errors[i] as number;
      for (let d = 0; d < this.detectors.length; d++) {
        const det = this.detectors[d] as DriftDetector;
        if (det.update(e).drift && !fired) fired = { kind: 'drift', detector: det.kind, signal: 'error', scores: { sample_in_batch: i, detector_samples: det.samples }, responses };
      }
    }
    const dataDrift = this.data?.update(batch.features, batch.size, result.scores);
    if (!fired && dataDrift) fired = { kind: 'drift', detector: dataDrift.detector, signal: dataDrift.signal, scores: dataDrift.scores, responses };
    return fired;
  }

  private async respond(fired: Extract<ManagerEvent, { kind: 'drift' }>, events: ManagerEvent[]): Promise<void> {
    const { adapt, challenger } = this.options.drift;
    this.log.info({ detector: fired.detector, signal: fired.signal, responses: fired.responses }, 'drift detected');
    // An adapt period in progress is not restarted: resetting the moments again would throw away what the model
    // learned since the last drift, and on a stream whose detector fires often it would never settle.
    if (fired.responses.includes('adapt') && this.adaptRemaining <= 0) {
      const boosted = adapt.hedge ? await this.copyOfChampion() : this.champion;
      if (boosted) {
        if (adapt.resetOptimizer) boosted.resetOptimizer();
        boosted.boostLearningRate(adapt.learningRateFactor);
        this.adaptRemaining = adapt.forSamples;
        if (boosted !== this.champion) this.hedge = { other: boosted, boostedLeads: false, boostedErrors: 0, unchangedErrors: 0, switches: 0 };
        events.push({ kind: 'adapt-started', learningRate: boosted.learningRate, ...(this.hedge ? { hedged: true } : {}) });
      }
    }
    if (fired.responses.includes('challenger') && !this.challenger) {
      const fromBaseline = challenger.from === 'last-version' && this.baseline;
      const learner = await OnlineLearner.create(learnerOptions(this.options), fromBaseline ? this.baseline?.snapshot : undefined);
      this.challenger = {
        learner,
        race: new Race(this.options.spec.task, challenger),
        // The branch point in the lineage: the last version published before the race, whether the challenger's
        // weights start from it (`last-version`) or from scratch (then `challenger-started` says so).
        branchedFrom: this.baseline?.version,
      };
      events.push({ kind: 'challenger-started', from: fromBaseline ? (this.baseline?.version as string) : 'scratch' });
      this.log.info({ from: fromBaseline ? this.baseline?.version : 'scratch' }, 'challenger started');
    }
  }

  /** An exact copy of the champion (weights, optimizer, averages), or undefined if it cannot be taken. */
  private async copyOfChampion(): Promise<OnlineLearner | undefined> {
    try {
      // Its live metrics start empty: it predicts only after its first batch, which copies the served record into it.
      return await OnlineLearner.create(learnerOptions(this.options), await this.champion.snapshot({ inMemory: true }));
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'adapt: could not copy the model for a hedged period; no adapt this time');
      return undefined;
    }
  }

  private async raceStep(batch: LearnInput, championResult: StepResult, events: ManagerEvent[]): Promise<void> {
    const ch = this.challenger as Challenger;
    const r = ch.learner.step(batch);
    this.trainedSamples += batch.size;
    const verdict = ch.race.add(championResult.errors, r.errors);
    if (verdict === 'continue') return;
    const result = ch.race.comparison.result();
    if (verdict === 'promote') {
      this.log.info({ ...result, rollback: ch.rollback === true }, ch.rollback ? 'displaced champion reinstated' : 'challenger promoted');
      const displaced = this.champion;
      // The displaced champion's last version, where a reinstated one continues from in the lineage.
      const displacedVersion = this.baseline?.version;
      this.champion = ch.learner;
      this.lag = undefined;
      this.challenger = undefined;
      this.adaptRemaining = 0;
      this.hedge?.other.dispose();
      this.hedge = undefined;
      // A new model, a new error stream: detectors start over.
      this.detectors = this.options.drift.detectors.map((d) => createDetector(d.kind, d.params));
      events.push({ kind: 'challenger-promoted', comparison: result, branchedFrom: ch.branchedFrom, ...(ch.rollback ? { rollback: true } : {}) });
      if (this.options.drift.challenger.rollback && !ch.rollback) {
        // An adapt period of the displaced champion ends with its displacement.
        displaced.restoreLearningRate();
        this.challenger = { learner: displaced, race: new Race(this.options.spec.task, this.options.drift.challenger), branchedFrom: displacedVersion, rollback: true };
        events.push({ kind: 'challenger-started', from: displacedVersion ?? 'displaced champion', rollback: true });
        this.log.info({ from: displacedVersion }, 'rollback race: the displaced champion races the new one');
      } else displaced.dispose();
    } else {
      const reason = ch.race.dropReason ?? 'max-samples';
      this.log.info({ ...result, reason }, 'challenger dropped');
      ch.learner.dispose();
      this.challenger = undefined;
      events.push({ kind: 'challenger-dropped', comparison: result, reason });
    }
  }
}

function sum(values: Float32Array): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i] as number;
  return total;
}

function learnerOptions(o: ModelManagerOptions) {
  return { spec: o.spec, inputWidth: o.inputWidth, metricsWindow: o.metricsWindow, logger: o.logger, updateBatchSize: o.updateBatchSize || undefined, regressionErrors: o.regressionErrors === true };
}
