import type { Learner, StepResult } from '../learner/index.js';
import type { ManagerEvent } from './events.js';
import type { LiveModels } from './live-models.js';
import { PairedComparison, type ComparisonState } from './paired-comparison.js';

/** Level of the paired test that restarts a lagging weight average (`model.averaging.restartOnLag`). */
const LAG_ALPHA = 0.01;

/**
 * Restarts of the champion's weight average (`model.averaging`): the average assumes the concept holds, and after a
 * change it only lags.
 * - `restartOnDrift`: when a detection comes with a rise of the error (`onRise`).
 * - `restartOnLag`: in disjoint blocks of horizon / 2 samples, a paired test (the race's, margin 0, alpha 0.01) of
 *   the trained weights against the average that predicted; when the trained weights were significantly better, the
 *   average lags behind a change and restarts. One test per block keeps false restarts at about alpha / 2 per
 *   block. A hold-off (the trained weights predict) ends the block, and so does a change of champion: the test
 *   compares one model's average with its own trained weights.
 */
export class AverageRestart {
  /** The current block of paired errors (average, trained weights). */
  private block?: PairedComparison;

  constructor(private readonly models: LiveModels) {}

  /** `restartOnLag`, after the champion learned a batch. */
  step(result: StepResult, events: ManagerEvent[]): void {
    const trained = result.trainedErrors;
    if (!trained) {
      this.block = undefined;
      return;
    }
    const size = this.blockSize();
    this.block ??= this.newBlock();
    this.block.add(result.errors, trained);
    if (this.block.total < size) return;
    const r = this.block.result();
    this.block = undefined;
    if (!r.challengerWins || r.lead <= 0) return;
    this.models.champion.restartAverage();
    events.push({ kind: 'average-restarted', comparison: r });
  }

  /**
   * `restartOnDrift`: after a rise of the error the champion's average starts over (and `also`'s, the hedge's other
   * model). A rise during the hold-off of an earlier restart does not extend it (the trained weights already
   * predict), so a stream whose detector fires every few hundred samples still gets averaging between the hold-offs
   * (unless `restartDuringHoldoff`). Returns whether it restarted.
   */
  onRise(also?: Learner): boolean {
    const champion = this.models.champion;
    const { options } = this.models;
    const restart =
      champion.averaging && options.spec.averaging?.restartOnDrift !== false && (champion.averageHoldoff === 0 || options.restartDuringHoldoff === true);
    if (!restart) return false;
    champion.restartAverage();
    also?.restartAverage();
    return true;
  }

  /** The champion changed: its block ends. */
  reset(): void {
    this.block = undefined;
  }

  /** The current block, when per-sample errors are kept (see ModelManager.state). */
  state(perSample: boolean): ComparisonState | undefined {
    return this.block && perSample ? this.block.state() : undefined;
  }

  restore(s: ComparisonState | undefined): void {
    if (!s || !this.models.options.spec.averaging?.restartOnLag) return;
    this.block = this.newBlock();
    this.block.restore(s);
  }

  private newBlock(): PairedComparison {
    return new PairedComparison(this.models.task, this.blockSize(), 0, LAG_ALPHA, this.models.options.drift.challenger.test);
  }

  private blockSize(): number {
    return Math.max(1, Math.floor((this.models.options.spec.averaging?.horizon ?? 0) / 2));
  }
}
