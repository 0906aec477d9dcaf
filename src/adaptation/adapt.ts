import type { MetricValues } from '../core/index.js';
import type { LearnInput, Learner, StepResult } from '../learner/index.js';
import type { ManagerEvent } from './events.js';
import type { LiveModels } from './live-models.js';
import { snapshotFromJson, snapshotToJson, type SnapshotJson } from '../learner/index.js';

/**
 * A hedged adapt period in a checkpoint (`drift.adapt.hedge`): the model that was not predicting (the champion's
 * snapshot is the one that was), which of the two is the boosted copy, and the errors each made since the period
 * began (for a regression model without `checkpoints.regressionErrors`, 0: the count restarts).
 */
export interface HedgeState {
  readonly other: SnapshotJson;
  readonly boostedLeads: boolean;
  readonly boostedErrors: number;
  readonly unchangedErrors: number;
  readonly switches: number;
}

/** Adapt's part of the checkpoint: samples left in the period, and the hedge when one runs. */
export interface AdaptState {
  readonly adaptRemaining: number;
  readonly hedge?: HedgeState;
}

/**
 * A hedged adapt period: the boosted copy and the unchanged model both learn every batch; the champion is whichever
 * made fewer errors since the period began (a tie: the unchanged one), and `other` is the one that does not predict.
 */
interface Hedge {
  other: Learner;
  /** Whether the champion is the boosted copy. */
  boostedLead: boolean;
  boostedErrors: number;
  unchangedErrors: number;
  /** Changes of the lead so far. */
  switches: number;
}

/**
 * The `adapt` response: after a rise of the error, a period of `drift.adapt.forSamples` samples in which the
 * learning rate is raised (`learningRateFactor`) and optionally the optimizer's moments are forgotten
 * (`resetOptimizer`). With `hedge`, a copy of the champion takes the raised rate and both learn every batch; the one
 * with fewer errors since the period began predicts, and the leader at the end continues.
 */
export class Adapt {
  private remaining = 0;
  private hedge?: Hedge;

  constructor(private readonly models: LiveModels) {}

  /** The model learning next to the champion in a hedged period. */
  get other(): Learner | undefined {
    return this.hedge?.other;
  }

  /**
   * A batch of the period (the champion has learned it): the hedge's other model learns it too and the lead may
   * change; the period counts down and ends. Returns whether the champion changed.
   */
  step(batch: LearnInput, served: StepResult, events: ManagerEvent[]): boolean {
    const switched = this.hedge ? this.hedgeStep(this.hedge, batch, served) : false;
    if (this.remaining > 0) {
      this.remaining -= batch.size;
      if (this.remaining <= 0) this.end(events);
    }
    return switched;
  }

  /**
   * Starts a period after a rise. A period in progress is not restarted: resetting the moments again would throw
   * away what the model learned since the last drift, and on a stream whose detector fires often it would never settle.
   */
  async start(events: ManagerEvent[]): Promise<void> {
    if (this.remaining > 0) return;
    const { adapt } = this.models.options.drift;
    const boosted = adapt.hedge ? await this.copyOfChampion() : this.models.champion;
    if (!boosted) return;
    if (adapt.resetOptimizer) boosted.resetOptimizer();
    boosted.boostLearningRate(adapt.learningRateFactor);
    this.remaining = adapt.forSamples;
    if (boosted !== this.models.champion) this.hedge = { other: boosted, boostedLead: false, boostedErrors: 0, unchangedErrors: 0, switches: 0 };
    events.push({ kind: 'adapt-started', learningRate: boosted.learningRate, ...(this.hedge ? { hedged: true } : {}) });
  }

  /** A promoted challenger ends the period without an event: the hedge's other model goes. */
  cancel(): void {
    this.remaining = 0;
    this.hedge?.other.dispose();
    this.hedge = undefined;
  }

  /** `perSample`: whether the hedge's error counts are kept (see ModelManager.state). */
  async state(perSample: boolean): Promise<AdaptState> {
    const h = this.hedge;
    const hedge = h
      ? {
          other: snapshotToJson(await h.other.snapshot()),
          boostedLeads: h.boostedLead,
          boostedErrors: perSample ? h.boostedErrors : 0,
          unchangedErrors: perSample ? h.unchangedErrors : 0,
          switches: h.switches,
        }
      : undefined;
    return { adaptRemaining: Math.max(0, this.remaining), ...(hedge ? { hedge } : {}) };
  }

  /**
   * Resumes a period: a hedge with both models when the checkpoint holds one and the config still asks for it;
   * otherwise the period continues unhedged on the model that predicted.
   */
  async restore(s: Partial<AdaptState>): Promise<void> {
    this.remaining = Math.max(0, s.adaptRemaining ?? 0);
    if (this.remaining <= 0) return;
    const { adapt } = this.models.options.drift;
    const h = s.hedge;
    const log = this.models.log;
    if (h && adapt.hedge) {
      try {
        const other = await this.models.learner(snapshotFromJson(h.other));
        (h.boostedLeads ? this.models.champion : other).boostLearningRate(adapt.learningRateFactor);
        const count = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0);
        this.hedge = {
          other,
          boostedLead: h.boostedLeads === true,
          boostedErrors: count(h.boostedErrors),
          unchangedErrors: count(h.unchangedErrors),
          switches: count(h.switches),
        };
        return;
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'the hedged adapt copy in the checkpoint does not fit the config: the period continues unhedged');
      }
    } else if (h)
      log.info('a hedged adapt period ran at the checkpoint, but `drift.adapt.hedge` is off: the period continues unhedged on the model that predicted');
    this.models.champion.boostLearningRate(adapt.learningRateFactor);
  }

  /** During a period, the samples left (`adapt_remaining`) and, hedged, whether the boosted copy predicts (`adapt_boosted_leads`). */
  metrics(): MetricValues {
    if (this.remaining <= 0) return {};
    return { adapt_remaining: this.remaining, ...(this.hedge ? { adapt_boosted_leads: this.hedge.boostedLead ? 1 : 0 } : {}) };
  }

  dispose(): void {
    this.hedge?.other.dispose();
  }

  /**
   * A hedged period's batch: the model that did not predict learns the batch too, both errors are counted, the
   * live metrics keep what was served, and the one with fewer errors since the period began predicts the next batch.
   */
  private hedgeStep(h: Hedge, batch: LearnInput, served: StepResult): boolean {
    const models = this.models;
    const r = h.other.step(batch);
    models.trainedSamples += batch.size;
    const [mine, theirs] = [sum(served.errors), sum(r.errors)];
    if (h.boostedLead) {
      h.boostedErrors += mine;
      h.unchangedErrors += theirs;
    } else {
      h.unchangedErrors += mine;
      h.boostedErrors += theirs;
    }
    h.other.metrics.copyFrom(models.champion.metrics);
    const boostedLead = h.boostedErrors < h.unchangedErrors;
    if (boostedLead === h.boostedLead) return false;
    [models.champion, h.other] = [h.other, models.champion];
    h.boostedLead = boostedLead;
    h.switches++;
    return true;
  }

  /** The end of a period: the learning rate returns to its base; a hedge keeps its leader. */
  private end(events: ManagerEvent[]): void {
    this.remaining = 0;
    this.models.champion.restoreLearningRate();
    const h = this.hedge;
    if (!h) {
      events.push({ kind: 'adapt-ended' });
      return;
    }
    this.hedge = undefined;
    h.other.dispose();
    const kept = h.boostedLead ? 'boosted' : 'unchanged';
    this.models.log.info({ kept, boostedErrors: h.boostedErrors, unchangedErrors: h.unchangedErrors, switches: h.switches }, 'hedged adapt period ended');
    events.push({ kind: 'adapt-ended', kept, boostedErrors: h.boostedErrors, unchangedErrors: h.unchangedErrors, switches: h.switches });
  }

  /** An exact copy of the champion (weights, optimizer, averages), or undefined if it cannot be taken. */
  private async copyOfChampion(): Promise<Learner | undefined> {
    try {
      // Its live metrics start empty: it predicts only after its first batch, which copies the served record into it.
      return await this.models.learner(await this.models.champion.snapshot({ inMemory: true }));
    } catch (err) {
      this.models.log.warn({ err: (err as Error).message }, 'adapt: could not copy the model for a hedged period; no adapt this time');
      return undefined;
    }
  }
}

function sum(values: Float32Array): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i] as number;
  return total;
}
