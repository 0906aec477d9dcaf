import { BaseDetector } from './base-detector.js';
import type { DetectorSnapshot, DetectorStatus, JsonValue } from './detector.js';
import { checkNumber, checkParamsObject, orDefault } from './params.js';
import { RunningMean } from './running-stats.js';
import { encodeNumber, type StateReader } from './snapshot-state.js';

export interface DdmParams {
  /** Values seen before any warning or drift can be signalled. @default 30 */
  readonly warmStart: number;
  /** Standard deviations above the best error rate that put the detector in warning (~95%). @default 2 */
  readonly warningThreshold: number;
  /** Standard deviations above the best error rate that signal a drift (~99%). @default 3 */
  readonly driftThreshold: number;
}

export const DDM_DEFAULTS: DdmParams = { warmStart: 30, warningThreshold: 2, driftThreshold: 3 };

/**
 * DDM (Drift Detection Method): under a stationary concept a learner's error rate `p` only falls, so DDM keeps
 * the point where `p + s` (s = sqrt(p(1-p)/n), the binomial standard deviation) was lowest and signals a warning,
 * then a drift, when `p + s` climbs `warningThreshold`, then `driftThreshold`, times `s_min` above `p_min`.
 * Input: the error stream (1 = error, 0 = correct); values are clamped to [0, 1].
 *
 * @example River's documented stream (CPython `random.Random(42)`): 1000 fair bits, then 1000 with P(1) = 0.7.
 * A warning first appears at index 1084 and the drift at index 1334, as in River.
 * ```ts
 * const rng = new PythonRandom(42);
 * const stream = [...rng.choices([0, 1], 1000), ...rng.choices([0, 1], 1000, [0.3, 0.7])];
 * const ddm = new DdmDetector();
 * stream.forEach((x, i) => { if (ddm.update(x).drift) console.log(i); }); // 1334
 * ```
 * @see J. Gama, P. Medas, G. Castillo, P. Rodrigues, "Learning with drift detection", Brazilian Symposium on
 *   Artificial Intelligence (SBIA), 2004, pp. 286-295.
 */
export class DdmDetector extends BaseDetector {
  readonly kind = 'ddm' as const;
  readonly warmStart: number;
  readonly warningThreshold: number;
  readonly driftThreshold: number;
  private errorRate = new RunningMean();
  private pMin: number | null = null;
  private sMin: number | null = null;
  private psMin = Infinity;

  constructor(params: Partial<DdmParams> = {}) {
    super();
    const p = checkParamsObject('ddm', params, Object.keys(DDM_DEFAULTS));
    this.warmStart = checkNumber('warmStart', orDefault(p.warmStart, DDM_DEFAULTS.warmStart), { min: 0, integer: true });
    this.warningThreshold = checkNumber('warningThreshold', orDefault(p.warningThreshold, DDM_DEFAULTS.warningThreshold), { min: 0, minOpen: true });
    this.driftThreshold = checkNumber('driftThreshold', orDefault(p.driftThreshold, DDM_DEFAULTS.driftThreshold), { min: this.warningThreshold });
  }

  static restore(snapshot: DetectorSnapshot): DdmDetector {
    return new DdmDetector(snapshot.params as Partial<DdmParams>).applySnapshot(snapshot);
  }

  protected step(value: number, previousWarning: boolean): DetectorStatus {
    this.errorRate.update(Math.min(1, Math.max(0, value)));
    const p = this.errorRate.mean;
    const n = this.errorRate.n;
    const s = Math.sqrt((p * (1 - p)) / n);
    if (n <= this.warmStart) return { drift: false, warning: previousWarning };
    if (p + s <= this.psMin) {
      this.pMin = p;
      this.sMin = s;
      this.psMin = p + s;
    }
    const pMin = this.pMin as number;
    const sMin = this.sMin as number;
    if (p + s > pMin + this.driftThreshold * sMin) return { drift: true, warning: false };
    return { drift: false, warning: p + s > pMin + this.warningThreshold * sMin };
  }

  protected clearState(): void {
    this.errorRate = new RunningMean();
    this.pMin = null;
    this.sMin = null;
    this.psMin = Infinity;
  }

  protected paramsJSON(): { [key: string]: JsonValue } {
    const { warmStart, warningThreshold, driftThreshold } = this;
    return { warmStart, warningThreshold, driftThreshold };
  }

  protected stateJSON(): { [key: string]: JsonValue } {
    return { errorRate: this.errorRate.toJSON(), pMin: this.pMin, sMin: this.sMin, psMin: encodeNumber(this.psMin) };
  }

  protected readState(reader: StateReader): void {
    this.errorRate = RunningMean.read(reader.child('errorRate'));
    this.pMin = reader.nullableNumber('pMin');
    this.sMin = reader.nullableNumber('sMin');
    this.psMin = reader.number('psMin', { allowInfinite: true });
  }
}
