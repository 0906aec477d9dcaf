import { BaseDetector } from './base-detector.js';
import type { DetectorSnapshot, DetectorStatus, JsonValue } from './detector.js';
import { checkBoolean, checkNumber, checkParamsObject, orDefault } from './params.js';
import { RunningMean } from './running-stats.js';
import type { StateReader } from './snapshot-state.js';

export interface HddmAParams {
  /** Significance of the drift test (Hoeffding bound). @default 0.001 */
  readonly driftConfidence: number;
  /** Significance of the warning test. @default 0.005 */
  readonly warningConfidence: number;
  /** Also signal decreases of the mean (by default only increases of the error rate). @default false */
  readonly twoSidedTest: boolean;
}

export const HDDM_A_DEFAULTS: HddmAParams = { driftConfidence: 0.001, warningConfidence: 0.005, twoSidedTest: false };

const CONFIDENCE = { min: 0, max: 1, minOpen: true, maxOpen: true } as const;

/**
 * HDDM-A (Hoeffding Drift Detection Method, A-test): compares the mean of the whole stream since the last reset
 * with the mean up to a cut point, the prefix whose mean plus Hoeffding bound was lowest; a significant increase
 * (Hoeffding's inequality for bounded values, no distribution assumed) is a warning or a drift.
 * Input: values in [0, 1] (the error stream); others are clamped.
 *
 * @example River's documented stream (CPython `random.Random(42)`, 1000 fair bits then 1000 with P(1) = 0.7):
 * a warning first at index 451 and the drift at index 1206, as in River.
 * ```ts
 * const rng = new PythonRandom(42);
 * const stream = [...rng.choices([0, 1], 1000), ...rng.choices([0, 1], 1000, [0.3, 0.7])];
 * const hddm = new HddmADetector();
 * stream.forEach((x, i) => { if (hddm.update(x).drift) console.log(i); }); // 1206
 * ```
 * @see I. Frías-Blanco, J. del Campo-Ávila, G. Ramos-Jiménez, R. Morales-Bueno, A. Ortiz-Díaz,
 *   Y. Caballero-Mota, "Online and non-parametric drift detection methods based on Hoeffding's bounds",
 *   IEEE Transactions on Knowledge and Data Engineering 27(3), 2015, pp. 810-823.
 */
export class HddmADetector extends BaseDetector {
  readonly kind = 'hddm-a' as const;
  readonly driftConfidence: number;
  readonly warningConfidence: number;
  readonly twoSidedTest: boolean;
  private total = new RunningMean();
  private cutLow = new RunningMean();
  private cutHigh = new RunningMean();

  constructor(params: Partial<HddmAParams> = {}) {
    super();
    const p = checkParamsObject('hddm-a', params, Object.keys(HDDM_A_DEFAULTS));
    this.driftConfidence = checkNumber('driftConfidence', orDefault(p.driftConfidence, HDDM_A_DEFAULTS.driftConfidence), CONFIDENCE);
    this.warningConfidence = checkNumber('warningConfidence', orDefault(p.warningConfidence, HDDM_A_DEFAULTS.warningConfidence), CONFIDENCE);
    this.twoSidedTest = checkBoolean('twoSidedTest', orDefault(p.twoSidedTest, HDDM_A_DEFAULTS.twoSidedTest));
  }

  static restore(snapshot: DetectorSnapshot): HddmADetector {
    return new HddmADetector(snapshot.params as Partial<HddmAParams>).applySnapshot(snapshot);
  }

  private bound(n: number): number {
    return Math.sqrt((1 / (2 * n)) * Math.log(1 / this.driftConfidence));
  }

  protected step(value: number): DetectorStatus {
    const z = this.total;
    z.update(Math.min(1, Math.max(0, value)));
    if (this.cutLow.n === 0) this.cutLow = z.clone();
    if (this.cutHigh.n === 0) this.cutHigh = z.clone();
    const epsZ = this.bound(z.n);
    if (this.cutLow.mean + this.bound(this.cutLow.n) >= z.mean + epsZ) this.cutLow = z.clone();
    if (this.cutHigh.mean - this.bound(this.cutHigh.n) <= z.mean - epsZ) this.cutHigh = z.clone();

    let drift = false;
    let warning = false;
    if (this.increased(this.driftConfidence)) drift = true;
    else if (this.increased(this.warningConfidence)) warning = true;
    if (this.twoSidedTest) {
      if (this.decreased(this.driftConfidence)) drift = true;
      else if (this.decreased(this.warningConfidence)) warning = true;
    }
    return { drift, warning };
  }

  private significant(cut: RunningMean, confidence: number): number | undefined {
    if (cut.n === this.total.n) return undefined;
    const m = ((this.total.n - cut.n) / cut.n) * (1 / this.total.n);
    return Math.sqrt((m / 2) * Math.log(2 / confidence));
  }

  private increased(confidence: number): boolean {
    const eps = this.significant(this.cutLow, confidence);
    return eps !== undefined && this.total.mean - this.cutLow.mean >= eps;
  }

  private decreased(confidence: number): boolean {
    const eps = this.significant(this.cutHigh, confidence);
    return eps !== undefined && this.cutHigh.mean - this.total.mean >= eps;
  }

  protected clearState(): void {
    this.total = new RunningMean();
    this.cutLow = new RunningMean();
    this.cutHigh = new RunningMean();
  }

  protected paramsJSON(): { [key: string]: JsonValue } {
    const { driftConfidence, warningConfidence, twoSidedTest } = this;
    return { driftConfidence, warningConfidence, twoSidedTest };
  }

  protected stateJSON(): { [key: string]: JsonValue } {
    return { total: this.total.toJSON(), cutLow: this.cutLow.toJSON(), cutHigh: this.cutHigh.toJSON() };
  }

  protected readState(reader: StateReader): void {
    this.total = RunningMean.read(reader.child('total'));
    this.cutLow = RunningMean.read(reader.child('cutLow'));
    this.cutHigh = RunningMean.read(reader.child('cutHigh'));
  }
}
