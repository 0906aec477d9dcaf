import type { LearnInput, StepResult } from '../learner/index.js';
import { createDetector, restoreDetector, type DetectorSnapshot, type DriftDetector } from '../drift/index.js';
import { DataDriftWatch, type DataDriftState } from './data-drift-watch.js';
import { ErrorTrend } from './error-trend.js';
import type { DriftEvent } from './events.js';
import type { LiveModels } from './live-models.js';

/** Detection's part of the checkpoint. */
export interface DetectionState {
  readonly detectors?: DetectorSnapshot[];
  readonly data?: DataDriftState;
  /** The error trend's ring, oldest first. */
  readonly trend?: number[];
}

/** A batch's detection: the first drift signal, if any, and whether the error rose (what the responses act on). */
export interface Detection {
  readonly fired?: DriftEvent;
  readonly worse: boolean;
}

/**
 * What the responses watch: the concept-drift detectors on the champion's per-sample errors, the data-drift watch
 * on its inputs and predictions, and the error trend that tells a rise of the error from a fall.
 */
export class DriftWatch {
  private detectors: DriftDetector[];
  private readonly data?: DataDriftWatch;
  private readonly trend: ErrorTrend;

  constructor(private readonly models: LiveModels) {
    const { options } = models;
    this.detectors = this.freshDetectors();
    this.trend = new ErrorTrend(options.errorTrend);
    const { data } = options.drift;
    const named = options.inputColumns?.length === options.inputWidth ? options.inputColumns : undefined;
    const columns = named ?? Array.from({ length: options.inputWidth }, (_, i) => ({ name: `x${i}`, field: `x${i}` }));
    if (data.inputs || data.predictions) this.data = new DataDriftWatch(data, columns);
  }

  /**
   * Feeds the batch's errors to the detectors and its inputs and scores to the data-drift watch; the first signal
   * wins. The trend takes the errors up to an error detector's detection before it is asked whether the error rose:
   * a data-drift signal counts as worse without asking.
   */
  step(batch: LearnInput, result: StepResult): Detection {
    const responses = this.models.options.drift.responses;
    let fired: DriftEvent | undefined;
    for (let i = 0; i < result.errors.length; i++) {
      const e = result.errors[i] as number;
      for (let d = 0; d < this.detectors.length; d++) {
        const det = this.detectors[d] as DriftDetector;
        if (det.update(e).drift && !fired)
          fired = { kind: 'drift', detector: det.kind, signal: 'error', scores: { sample_in_batch: i, detector_samples: det.samples }, responses };
      }
    }
    const dataDrift = this.data?.update(batch.features, batch.size, result.scores);
    if (!fired && dataDrift) fired = { kind: 'drift', detector: dataDrift.detector, signal: dataDrift.signal, scores: dataDrift.scores, responses };

    const n = result.errors.length;
    const at = fired?.signal === 'error' ? (fired.scores.sample_in_batch as number) + 1 : n;
    this.trend.add(result.errors, 0, at);
    const worse = fired ? fired.signal !== 'error' || this.trend.rose() : false;
    this.trend.add(result.errors, at, n);
    return { ...(fired ? { fired } : {}), worse };
  }

  /** A new champion, a new error stream: the detectors start over. */
  resetDetectors(): void {
    this.detectors = this.freshDetectors();
  }

  /** `perSample`: whether the detectors' state and the trend are kept (see ModelManager.state). */
  state(perSample: boolean): DetectionState {
    return {
      ...(perSample ? { detectors: this.detectors.map((d) => d.snapshot()) } : {}),
      data: this.data?.state(),
      ...(perSample ? { trend: this.trend.state() } : {}),
    };
  }

  restore(s: DetectionState): void {
    const log = this.models.log;
    if (s.detectors === undefined && this.detectors.length > 0)
      log.info('the checkpoint holds no error-detector state (a regression model without `checkpoints.regressionErrors`): the detectors start fresh');
    if (Array.isArray(s.detectors) && s.detectors.length === this.detectors.length) {
      try {
        this.detectors = s.detectors.map((d) => restoreDetector(d));
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'detector state in the checkpoint does not fit the config: detectors start fresh');
      }
    }
    const fresh = s.data && this.data ? this.data.restore(s.data) : [];
    if (fresh.length)
      log.info({ monitors: fresh }, 'data-drift monitors in the checkpoint watched other columns or settings than the config asks for: they start fresh');
    if (Array.isArray(s.trend)) this.trend.restore(s.trend);
  }

  private freshDetectors(): DriftDetector[] {
    return this.models.options.drift.detectors.map((d) => createDetector(d.kind, d.params));
  }
}
