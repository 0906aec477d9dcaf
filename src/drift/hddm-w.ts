import { BaseDetector } from './base-detector.js';
import type { DetectorSnapshot, DetectorStatus, JsonValue } from './detector.js';
import { checkBoolean, checkNumber, checkParamsObject, orDefault } from './params.js';
import { encodeNumber, type StateReader } from './snapshot-state.js';

export interface HddmWParams {
  /** Significance of the drift test (McDiarmid bound). @default 0.001 */
  readonly driftConfidence: number;
  /** Significance of the warning test. @default 0.005 */
  readonly warningConfidence: number;
  /** Weight of the newest value in the exponentially weighted means; in (0, 1]. @default 0.05 */
  readonly lambda: number;
  /** Also signal decreases of the mean (by default only increases of the error rate). @default false */
  readonly twoSidedTest: boolean;
}

export const HDDM_W_DEFAULTS: HddmWParams = { driftConfidence: 0.001, warningConfidence: 0.005, lambda: 0.05, twoSidedTest: false };

const CONFIDENCE = { min: 0, max: 1, minOpen: true, maxOpen: true } as const;

/** An exponentially weighted mean and its "independent bounded condition" sum of squared weights. */
class WeightedSample {
  ewma = 0;
  init = false;
  ibc = 1;

  update(x: number, lambda: number): void {
    this.ewma = this.init ? lambda * x + (1 - lambda) * this.ewma : x;
    this.init = true;
    this.ibc = lambda * lambda + (1 - lambda) * (1 - lambda) * this.ibc;
  }

  clone(): WeightedSample {
    return Object.assign(new WeightedSample(), this);
  }

  toJSON(): { [key: string]: JsonValue } {
    return { ewma: encodeNumber(this.ewma), init: this.init, ibc: this.ibc };
  }

  static read(reader: StateReader): WeightedSample {
    const s = new WeightedSample();
    s.ewma = reader.number('ewma');
    s.init = reader.boolean('init');
    s.ibc = reader.number('ibc', { min: 0 });
    return s;
  }
}

/**
 * HDDM-W (Hoeffding Drift Detection Method, W-test): like HDDM-A but with exponentially weighted means, so recent
 * values weigh more, and McDiarmid's inequality for the bound. It compares the weighted mean since the best cut
 * point with the one before it. Input: values in [0, 1] (the error stream); others are clamped.
 *
 * @example River's documented stream (CPython `random.Random(42)`, 1000 fair bits then 1000 with P(1) = 0.7):
 * a warning first at index 451 and the drift at index 1077, as in River.
 * ```ts
 * const rng = new PythonRandom(42);
 * const stream = [...rng.choices([0, 1], 1000), ...rng.choices([0, 1], 1000, [0.3, 0.7])];
 * const hddm = new HddmWDetector();
 * stream.forEach((x, i) => { if (hddm.update(x).drift) console.log(i); }); // 1077
 * ```
 * @see I. Frías-Blanco, J. del Campo-Ávila, G. Ramos-Jiménez, R. Morales-Bueno, A. Ortiz-Díaz,
 *   Y. Caballero-Mota, "Online and non-parametric drift detection methods based on Hoeffding's bounds",
 *   IEEE Transactions on Knowledge and Data Engineering 27(3), 2015, pp. 810-823.
 */
export class HddmWDetector extends BaseDetector {
  readonly kind = 'hddm-w' as const;
  readonly driftConfidence: number;
  readonly warningConfidence: number;
  readonly lambda: number;
  readonly twoSidedTest: boolean;
  private total = new WeightedSample();
  private beforeIncrease = new WeightedSample();
  private afterIncrease = new WeightedSample();
  private beforeDecrease = new WeightedSample();
  private afterDecrease = new WeightedSample();
  private increaseCut = Infinity;
  private decreaseCut = -Infinity;

  constructor(params: Partial<HddmWParams> = {}) {
    super();
    const p = checkParamsObject('hddm-w', params, Object.keys(HDDM_W_DEFAULTS));
    this.driftConfidence = checkNumber('driftConfidence', orDefault(p.driftConfidence, HDDM_W_DEFAULTS.driftConfidence), CONFIDENCE);
    this.warningConfidence = checkNumber('warningConfidence', orDefault(p.warningConfidence, HDDM_W_DEFAULTS.warningConfidence), CONFIDENCE);
    this.lambda = checkNumber('lambda', orDefault(p.lambda, HDDM_W_DEFAULTS.lambda), { min: 0, max: 1, minOpen: true });
    this.twoSidedTest = checkBoolean('twoSidedTest', orDefault(p.twoSidedTest, HDDM_W_DEFAULTS.twoSidedTest));
  }

  static restore(snapshot: DetectorSnapshot): HddmWDetector {
    return new HddmWDetector(snapshot.params as Partial<HddmWParams>).applySnapshot(snapshot);
  }

  private bound(ibc: number, confidence: number): number {
    return Math.sqrt((ibc * Math.log(1 / confidence)) / 2);
  }

  /** The weighted mean of `after` exceeds that of `before` by more than the McDiarmid bound. */
  private changed(before: WeightedSample, after: WeightedSample, confidence: number): boolean {
    if (!(before.init && after.init)) return false;
    return after.ewma - before.ewma > this.bound(before.ibc + after.ibc, confidence);
  }

  protected step(value: number): DetectorStatus {
    const x = Math.min(1, Math.max(0, value));
    this.total.update(x, this.lambda);

    let eps = this.bound(this.total.ibc, this.driftConfidence);
    if (this.total.ewma + eps < this.increaseCut) {
      this.increaseCut = this.total.ewma + eps;
      this.beforeIncrease = this.total.clone();
      this.afterIncrease = new WeightedSample();
    } else {
      this.afterIncrease.update(x, this.lambda);
    }
    let drift = false;
    let warning = false;
    if (this.changed(this.beforeIncrease, this.afterIncrease, this.driftConfidence)) drift = true;
    else if (this.changed(this.beforeIncrease, this.afterIncrease, this.warningConfidence)) warning = true;

    eps = this.bound(this.total.ibc, this.driftConfidence);
    if (this.total.ewma - eps > this.decreaseCut) {
      this.decreaseCut = this.total.ewma - eps;
      this.beforeDecrease = this.total.clone();
      this.afterDecrease = new WeightedSample();
    } else {
      this.afterDecrease.update(x, this.lambda);
    }
    if (this.twoSidedTest) {
      if (this.changed(this.afterDecrease, this.beforeDecrease, this.driftConfidence)) drift = true;
      else if (this.changed(this.afterDecrease, this.beforeDecrease, this.warningConfidence)) warning = true;
    }
    return { drift, warning };
  }

  protected clearState(): void {
    this.total = new WeightedSample();
    this.beforeIncrease = new WeightedSample();
    this.afterIncrease = new WeightedSample();
    this.beforeDecrease = new WeightedSample();
    this.afterDecrease = new WeightedSample();
    this.increaseCut = Infinity;
    this.decreaseCut = -Infinity;
  }

  protected paramsJSON(): { [key: string]: JsonValue } {
    const { driftConfidence, warningConfidence, lambda, twoSidedTest } = this;
    return { driftConfidence, warningConfidence, lambda, twoSidedTest };
  }

  protected stateJSON(): { [key: string]: JsonValue } {
    return {
      total: this.total.toJSON(),
      beforeIncrease: this.beforeIncrease.toJSON(),
      afterIncrease: this.afterIncrease.toJSON(),
      beforeDecrease: this.beforeDecrease.toJSON(),
      afterDecrease: this.afterDecrease.toJSON(),
      increaseCut: encodeNumber(this.increaseCut),
      decreaseCut: encodeNumber(this.decreaseCut),
    };
  }

  protected readState(reader: StateReader): void {
    this.total = WeightedSample.read(reader.child('total'));
    this.beforeIncrease = WeightedSample.read(reader.child('beforeIncrease'));
    this.afterIncrease = WeightedSample.read(reader.child('afterIncrease'));
    this.beforeDecrease = WeightedSample.read(reader.child('beforeDecrease'));
    this.afterDecrease = WeightedSample.read(reader.child('afterDecrease'));
    this.increaseCut = reader.number('increaseCut', { allowInfinite: true });
    this.decreaseCut = reader.number('decreaseCut', { allowInfinite: true });
  }
}
