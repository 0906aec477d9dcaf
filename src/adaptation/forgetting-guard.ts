import type { MetricValues, ModelSnapshot } from '../core/index.js';
import { errorsOf, type LearnInput, type Learner, type StepResult } from '../learner/index.js';
import type { ManagerEvent } from './events.js';
import type { LiveModels } from './live-models.js';
import { Race } from './paired-comparison.js';
import type { VersionSource } from './version-source.js';

/**
 * The guard in a checkpoint: the pool's version names, oldest first, whether the next publication joins it, and the
 * transitional member (see ForgettingGuard) with whether the next one is transitional too.
 */
export interface GuardState {
  readonly pool: string[];
  readonly pending: boolean;
  readonly transitional?: string;
  readonly pendingTransitional?: boolean;
}

/** A past version scored during a window: frozen (it predicts, it does not learn) until it is re-activated. */
interface Candidate {
  readonly version: string;
  readonly learner: Learner;
  readonly race: Race;
}

/**
 * The forgetting guard (`drift.guard`): past versions of the model, re-activated when a concept they learned returns.
 *
 * - **The pool** holds up to `versions` version names, oldest first (weights only, loaded from a VersionSource when
 *   a window starts; no record is ever kept). After each detection on the error (a rise or not: a concept that
 *   returns is often caught after the rise check's window), the first version published from then
 *   on joins it (with `triggers.onDrift`, the version written right after the detection: the model of the concept
 *   that was live until the change). The oldest is evicted when the pool is full.
 * - **Transitional versions**: a version that joins after a detection made within `window` samples of the one before
 *   (a burst of detections as the model moves to a new concept) models the change, not a concept; the next such
 *   version replaces it, so a burst takes one place in the pool and does not evict the models of earlier concepts.
 * - **A window** starts at each such detection over the pool as it was before it (a window still running is cut
 *   short without a verdict and starts again, so versions it had dropped are scored on the new concept). For
 *   `window` samples every candidate predicts the live batches next to the live model (on one batch in
 *   `scoreEvery`), and each candidate races the live model under the challenger race's rules (`Race`: a look
 *   every `look` pairs on the last `look` pairs, at `alpha` split over the looks and the candidates, better by
 *   `margin` to win, dropped early when behind by the margin or significantly worse).
 * - **Re-activation**: the candidate that wins (the larger lead if several win at one look) becomes the live
 *   model and learns on from that version's weights, averages and optimizer moments, as it was published; the live
 *   metrics carry on. The service publishes the next version as a new major naming the re-activated one as a parent.
 * - **Supersession**: a candidate that the window ends without telling apart from the live model (neither better
 *   nor behind by the margin) models the current concept, provided the live model has recovered (its error back
 *   within the margin of its level before the detections); the version joining the pool at this detection is a
 *   newer model of it, so the older one leaves the pool. Candidates that lost by the margin (other concepts) stay.
 * Cost: at most `versions` forward passes per scored batch, during `window` samples after a detection; none otherwise.
 */
export class ForgettingGuard {
  private pool: string[] = [];
  private pending = false;
  /** Whether the version joining next follows a detection made within `window` samples of the one before. */
  private pendingTransitional = false;
  /** Samples since the last detection. */
  private sinceRise = Number.POSITIVE_INFINITY;
  /** The last version that joined as transitional, until a version joins after a detection outside a window. */
  private transitional: string | undefined;
  private candidates: Candidate[] = [];
  /** Versions the current window found equivalent to the live model: they leave the pool when the window ends. */
  private superseded = new Set<string>();
  /** Whether a version joined the pool since the current window started (a newer model of the live concept). */
  private joined = false;
  private windowSamples = 0;
  private batchIndex = 0;
  private scoredSamples = 0;
  private scoreSeconds = 0;
  private reactivations = 0;
  /** The live model's mean error per sample, averaged over about `look` samples (NaN until the first batch). */
  private liveLevel = Number.NaN;
  /** The lowest `liveLevel` since the detection that began the last burst. */
  private lowSinceBurst = Number.NaN;
  /** `lowSinceBurst` when the current burst began: the level of the live model before the change. */
  private levelBefore = Number.NaN;

  constructor(
    private readonly models: LiveModels,
    private readonly source: VersionSource,
  ) {}

  private get config() {
    return this.models.options.drift.guard;
  }

  get enabled(): boolean {
    return this.config.enabled;
  }

  /** Whether a window is scoring candidates. */
  get scoring(): boolean {
    return this.candidates.length > 0;
  }

  /** The pool's version names, oldest first. */
  get versions(): readonly string[] {
    return this.pool;
  }

  /** A version was published: it joins the pool when a rise asked for the next one. */
  published(version: string, snapshot: ModelSnapshot): void {
    this.source.published?.(version, snapshot);
    if (!this.enabled || !this.pending) return;
    this.pending = false;
    if (this.pool.includes(version)) return;
    if (this.transitional !== undefined && this.pendingTransitional) this.pool = this.pool.filter((v) => v !== this.transitional);
    this.transitional = this.pendingTransitional ? version : undefined;
    this.pool.push(version);
    if (this.scoring) this.joined = true;
    while (this.pool.length > this.config.versions) this.pool.shift();
    this.source.retain?.(new Set(this.pool));
  }

  /** A detection on the error: a window over the pool starts (again, if one runs), and the next version will join the pool. */
  async onRise(): Promise<void> {
    if (!this.enabled) return;
    this.pending = true;
    this.pendingTransitional = this.sinceRise < this.config.window;
    if (!this.pendingTransitional) [this.levelBefore, this.lowSinceBurst] = [this.lowSinceBurst, Number.NaN];
    this.sinceRise = 0;
    const { models } = this;
    if (this.scoring) {
      // A detection during a window restarts it over the whole pool: a concept that returns while the window of an
      // earlier detection runs is scored by every past version again, including those that window had dropped.
      models.log.info({ versions: this.candidates.map((c) => c.version) }, 'forgetting guard: a new detection restarts the window');
      this.abandonWindow();
    }
    if (this.pool.length === 0) return;
    const loaded: Candidate[] = [];
    for (const version of [...this.pool]) {
      let snapshot: ModelSnapshot | undefined;
      try {
        snapshot = await this.source.load(version);
      } catch (err) {
        models.log.warn({ version, err: (err as Error).message }, 'forgetting guard: a past version could not be read; it leaves the pool');
      }
      if (!snapshot) {
        this.pool = this.pool.filter((v) => v !== version);
        continue;
      }
      try {
        loaded.push({ version, learner: await models.learner(snapshot), race: this.newRace() });
      } catch (err) {
        models.log.warn({ version, err: (err as Error).message }, 'forgetting guard: a past version does not fit the model; it leaves the pool');
        this.pool = this.pool.filter((v) => v !== version);
      }
    }
    // The candidates race at alpha split over their number (Bonferroni): one window, one level.
    this.candidates = loaded.map((c) => ({ ...c, race: this.newRace(loaded.length) }));
    this.windowSamples = 0;
    this.batchIndex = 0;
    this.superseded.clear();
    this.joined = false;
    this.source.retain?.(new Set(this.pool));
    if (this.scoring) models.log.info({ versions: this.candidates.map((c) => c.version) }, 'forgetting guard: scoring past versions');
  }

  /**
   * Scores the candidates on the batch the live model just scored (its errors in `live`). Returns true when one
   * replaced the live model (the caller then ends what belonged to the displaced one).
   */
  step(batch: LearnInput, live: StepResult, events: ManagerEvent[]): boolean {
    if (!this.enabled) return false;
    this.sinceRise += batch.size;
    this.trackLevel(live.errors);
    if (!this.scoring) return false;
    const scored = this.batchIndex++ % this.config.scoreEvery === 0;
    this.windowSamples += batch.size;
    let winner: { c: Candidate; lead: number } | undefined;
    if (scored) {
      const started = performance.now();
      for (const c of [...this.candidates]) {
        const errors = errorsOf(c.learner.outputKind, c.learner.predict(batch.features, batch.size), batch.labels);
        this.scoredSamples += batch.size;
        const verdict = c.race.add(live.errors, errors);
        if (verdict === 'promote') {
          const lead = c.race.comparison.result().lead;
          if (!winner || lead > winner.lead) winner = { c, lead };
        } else if (verdict === 'drop') this.end(c);
      }
      this.scoreSeconds += (performance.now() - started) / 1000;
    }
    if (winner) {
      this.reactivate(winner.c, events);
      return true;
    }
    if (this.windowSamples >= this.config.window) this.closeWindow();
    return false;
  }

  state(): GuardState | undefined {
    if (!this.enabled || (this.pool.length === 0 && !this.pending)) return undefined;
    const { transitional, pendingTransitional } = this;
    return {
      pool: [...this.pool],
      pending: this.pending,
      ...(transitional !== undefined ? { transitional } : {}),
      ...(pendingTransitional ? { pendingTransitional } : {}),
    };
  }

  /** The pool and the pending flag; a window that ran at the checkpoint is not resumed (the next rise starts one). */
  restore(s: GuardState | undefined): void {
    if (!s || !this.enabled) return;
    this.pool = s.pool.slice(-this.config.versions);
    this.pending = s.pending;
    this.transitional = s.transitional !== undefined && this.pool.includes(s.transitional) ? s.transitional : undefined;
    this.pendingTransitional = s.pendingTransitional === true;
    this.source.retain?.(new Set(this.pool));
  }

  /**
   * The guard's cost and state: versions in the pool, whether a window runs, the samples scored by past versions
   * since the start (candidates x samples), the seconds spent scoring them, and the re-activations.
   */
  metrics(): MetricValues {
    if (!this.enabled) return {};
    return {
      guard_versions: this.pool.length,
      guard_scoring: this.scoring ? 1 : 0,
      guard_scored_samples: this.scoredSamples,
      guard_score_seconds: this.scoreSeconds,
      guard_reactivations: this.reactivations,
    };
  }

  dispose(): void {
    for (const c of this.candidates) c.learner.dispose();
    this.candidates = [];
  }

  private reactivate(c: Candidate, events: ManagerEvent[]): void {
    const { models } = this;
    const comparison = c.race.comparison.result();
    this.candidates = this.candidates.filter((o) => o !== c);
    this.closeWindow();
    const displaced = models.champion;
    // The live metrics describe what was served: they carry on across the switch.
    c.learner.metrics.restore(displaced.metrics.state());
    models.champion = c.learner;
    displaced.dispose();
    this.reactivations++;
    events.push({ kind: 'guard-reactivated', version: c.version, comparison });
    models.log.info({ version: c.version, ...comparison }, 'forgetting guard: past version re-activated');
  }

  /** A candidate leaves the window; one the race could not tell apart from the live model is superseded. */
  private end(c: Candidate): void {
    if (c.race.dropReason === 'max-samples') this.superseded.add(c.version);
    this.candidates = this.candidates.filter((o) => o !== c);
    c.learner.dispose();
  }

  /** Ends the window without a verdict: no candidate is superseded by a window cut short. */
  private abandonWindow(): void {
    for (const c of this.candidates) c.learner.dispose();
    this.candidates = [];
    this.superseded.clear();
  }

  private closeWindow(): void {
    for (const c of [...this.candidates]) {
      const r = c.race.comparison.result();
      if (r.lead > -this.config.margin) this.superseded.add(c.version);
      this.end(c);
    }
    // Superseded versions leave only when a newer model of the same concept joined (or is about to: pending).
    // ... and only once the live model has recovered: a live model that has not yet learned the new concept is no
    // better than a version of the old one, which says nothing about what that version models.
    if (!this.recovered()) this.superseded.clear();
    if (this.superseded.size > 0 && (this.joined || this.pending)) this.pool = this.pool.filter((v) => !this.superseded.has(v));
    if (this.superseded.size > 0) this.models.log.info({ superseded: [...this.superseded] }, 'forgetting guard: window closed');
    this.superseded.clear();
    this.source.retain?.(new Set(this.pool));
  }

  private trackLevel(errors: Float32Array): void {
    if (errors.length === 0) return;
    let sum = 0;
    for (const e of errors) sum += e;
    const mean = sum / errors.length;
    const w = Math.min(1, errors.length / this.config.look);
    this.liveLevel = Number.isNaN(this.liveLevel) ? mean : this.liveLevel + w * (mean - this.liveLevel);
    this.lowSinceBurst = Number.isNaN(this.lowSinceBurst) ? this.liveLevel : Math.min(this.lowSinceBurst, this.liveLevel);
  }

  /**
   * Whether the live model's error is back to its level before the burst of detections (the lowest it reached
   * between the previous burst and this one), within the margin (an error rate's margin for classification; a share
   * of the level for regression). Unknown levels count as recovered.
   */
  private recovered(): boolean {
    const { margin } = this.config;
    const tolerance = this.models.task === 'classification' ? margin : margin * this.levelBefore;
    return !(this.liveLevel > this.levelBefore + tolerance);
  }

  private newRace(candidates = 1): Race {
    const g = this.config;
    return new Race(this.models.task, {
      minSamples: g.look,
      maxSamples: g.window,
      margin: g.margin,
      alpha: g.alpha / Math.max(1, candidates),
      test: this.models.options.drift.challenger.test,
    });
  }
}
