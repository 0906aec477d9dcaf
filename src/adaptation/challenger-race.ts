import type { MetricValues } from '../core/index.js';
import type { LearnInput, Learner, StepResult } from '../learner/index.js';
import type { ManagerEvent } from './events.js';
import type { LiveModels } from './live-models.js';
import { Race, type RaceState } from './paired-comparison.js';
import { snapshotFromJson, snapshotToJson, type SnapshotJson } from '../learner/index.js';

/** A running race in a checkpoint: the challenger's weights and optimizer, its metrics, and the race so far. */
export interface ChallengerState {
  readonly snapshot: SnapshotJson;
  readonly metrics: ReturnType<Learner['metrics']['state']>;
  readonly race: RaceState;
  readonly branchedFrom?: string;
  readonly rollback?: boolean;
}

interface Challenger {
  readonly learner: Learner;
  readonly race: Race;
  readonly branchedFrom?: string;
  /** A displaced champion racing the challenger that replaced it (`drift.challenger.rollback`). */
  readonly rollback?: boolean;
}

/**
 * The `challenger` response: a second model (from scratch, or from the last published version) learns the same
 * batches; both are scored on every batch. Every `minSamples` pairs the race looks at a paired test on the last
 * `minSamples` pairs, at a Bonferroni-corrected level (see `Race`): the challenger replaces the champion when it is
 * better by the margin, is dropped early (from the second look) when it is behind by the margin or significantly
 * worse, and is dropped after `maxSamples` otherwise. With `rollback`, the displaced champion then takes the
 * challenger slot and races the new champion under the same rules, and is reinstated if it wins.
 */
export class ChallengerRace {
  private challenger?: Challenger;

  constructor(private readonly models: LiveModels) {}

  get running(): boolean {
    return this.challenger !== undefined;
  }

  /** Starts a race after a rise, unless one runs. */
  async start(events: ManagerEvent[]): Promise<void> {
    if (this.challenger) return;
    const { models } = this;
    const baseline = models.baseline;
    const fromBaseline = models.options.drift.challenger.from === 'last-version' && baseline;
    const learner = await models.learner(fromBaseline ? baseline.snapshot : undefined);
    this.challenger = {
      learner,
      race: this.newRace(),
      // The branch point in the lineage: the last version published before the race, whether the challenger's
      // weights start from it (`last-version`) or from scratch (then `challenger-started` says so).
      branchedFrom: baseline?.version,
    };
    events.push({ kind: 'challenger-started', from: fromBaseline ? baseline.version : 'scratch' });
    models.log.info({ from: fromBaseline ? baseline.version : 'scratch' }, 'challenger started');
  }

  /**
   * The challenger learns the batch the champion learned, and the race adds the pair of errors. Returns true when
   * the challenger replaced the champion (the caller then ends what belonged to the displaced one).
   */
  step(batch: LearnInput, championResult: StepResult, events: ManagerEvent[]): boolean {
    const ch = this.challenger;
    if (!ch) return false;
    const { models } = this;
    const r = ch.learner.step(batch);
    models.trainedSamples += batch.size;
    const verdict = ch.race.add(championResult.errors, r.errors);
    if (verdict === 'continue') return false;
    const result = ch.race.comparison.result();
    this.challenger = undefined;
    if (verdict === 'drop') {
      const reason = ch.race.dropReason ?? 'max-samples';
      models.log.info({ ...result, reason }, 'challenger dropped');
      ch.learner.dispose();
      events.push({ kind: 'challenger-dropped', comparison: result, reason });
      return false;
    }
    models.log.info({ ...result, rollback: ch.rollback === true }, ch.rollback ? 'displaced champion reinstated' : 'challenger promoted');
    const displaced = models.champion;
    // The displaced champion's last version, where a reinstated one continues from in the lineage.
    const displacedVersion = models.baseline?.version;
    models.champion = ch.learner;
    events.push({ kind: 'challenger-promoted', comparison: result, branchedFrom: ch.branchedFrom, ...(ch.rollback ? { rollback: true } : {}) });
    if (models.options.drift.challenger.rollback && !ch.rollback) {
      // An adapt period of the displaced champion ends with its displacement.
      displaced.restoreLearningRate();
      this.challenger = { learner: displaced, race: this.newRace(), branchedFrom: displacedVersion, rollback: true };
      events.push({ kind: 'challenger-started', from: displacedVersion ?? 'displaced champion', rollback: true });
      models.log.info({ from: displacedVersion }, 'rollback race: the displaced champion races the new one');
    } else displaced.dispose();
    return true;
  }

  /** `perSample`: whether the race's paired errors are kept (see ModelManager.state); its looks keep their schedule. */
  async state(perSample: boolean): Promise<ChallengerState | undefined> {
    const ch = this.challenger;
    if (!ch) return undefined;
    const s = ch.race.state();
    return {
      snapshot: snapshotToJson(await ch.learner.snapshot()),
      metrics: ch.learner.metrics.state(),
      race: perSample ? s : { ...s, comparison: { champion: [], challenger: [], total: s.comparison.total } },
      ...(ch.branchedFrom !== undefined ? { branchedFrom: ch.branchedFrom } : {}),
      ...(ch.rollback ? { rollback: true } : {}),
    };
  }

  /** Resumes the race that ran at the checkpoint, unless the config no longer asks for challengers. */
  async restore(c: ChallengerState | undefined): Promise<void> {
    if (!c) return;
    const { models } = this;
    if (!models.options.drift.responses.includes('challenger')) {
      models.log.warn('a challenger was racing at the checkpoint, but `drift.responses` no longer lists `challenger`: it is dropped');
      return;
    }
    try {
      const learner = await models.learner(snapshotFromJson(c.snapshot));
      learner.metrics.restore(c.metrics);
      const race = this.newRace();
      race.restore(c.race);
      this.challenger = { learner, race, ...(c.branchedFrom !== undefined ? { branchedFrom: c.branchedFrom } : {}), ...(c.rollback ? { rollback: true } : {}) };
      models.log.info({ samples: race.comparison.total, rollback: c.rollback === true }, 'challenger race resumed from the checkpoint');
    } catch (err) {
      models.log.warn({ err: (err as Error).message }, 'the challenger in the checkpoint does not fit the config: it is dropped');
    }
  }

  /** While a race runs: pairs so far, the challenger's lead and the p-value on the window. */
  metrics(): MetricValues {
    if (!this.challenger) return {};
    const c = this.challenger.race.comparison;
    const r = c.result();
    return { challenger_samples: c.total, challenger_lead: r.lead, challenger_p: r.pValue };
  }

  dispose(): void {
    this.challenger?.learner.dispose();
  }

  private newRace(): Race {
    return new Race(this.models.task, this.models.options.drift.challenger);
  }
}
