import { BaseDetector } from './base-detector.js';
import type { DetectorSnapshot, DetectorStatus, JsonValue } from './detector.js';
import { checkNumber, checkParamsObject, orDefault } from './params.js';
import { RunningVariance } from './running-stats.js';
import type { StateReader } from './snapshot-state.js';
import { ConfigError } from '../core/errors.js';

export interface EddmParams {
  /** Values, and also errors, seen before any warning or drift can be signalled. @default 30 */
  readonly warmStart: number;
  /** Warning when `(p' + 2s') / max(p' + 2s')` falls below this ratio; in (0, 1], >= `beta`. @default 0.95 */
  readonly alpha: number;
  /** Drift when the same ratio falls below this one; in (0, 1], <= `alpha`. @default 0.9 */
  readonly beta: number;
}

export const EDDM_DEFAULTS: EddmParams = { warmStart: 30, alpha: 0.95, beta: 0.9 };

/**
 * EDDM (Early Drift Detection Method): watches the distance between consecutive errors instead of the error
 * rate, which reacts earlier to gradual drift. It keeps the largest `p' + 2s'` (mean and standard deviation of the
 * distances) and signals when the current value shrinks below `alpha` (warning) or `beta` (drift) times it.
 * Input: the error stream; a value counts as an error when, clamped to [0, 1], it equals 1.
 *
 * @example River's documented stream (CPython `random.Random(42)`, 1000 fair bits then 1000 with P(1) = 0.7)
 * with `alpha = 0.8, beta = 0.75`: a warning at index 1059 and the drift at index 1278, as in River.
 * ```ts
 * const rng = new PythonRandom(42);
 * const stream = [...rng.choices([0, 1], 1000), ...rng.choices([0, 1], 1000, [0.3, 0.7])];
 * const eddm = new EddmDetector({ alpha: 0.8, beta: 0.75 });
 * stream.forEach((x, i) => { if (eddm.update(x).drift) console.log(i); }); // 1278
 * ```
 * @see M. Baena-García, J. del Campo-Ávila, R. Fidalgo, A. Bifet, R. Gavaldà, R. Morales-Bueno, "Early drift
 *   detection method", Fourth International Workshop on Knowledge Discovery from Data Streams, 2006.
 */
export class EddmDetector extends BaseDetector {
  readonly kind = 'eddm' as const;
  readonly warmStart: number;
  readonly alpha: number;
  readonly beta: number;
  private distances = new RunningVariance();
  private seen = 0;
  private lastError = 0;
  private errors = 0;
  private maxLevel = -1;

  constructor(params: Partial<EddmParams> = {}) {
    super();
    const p = checkParamsObject('eddm', params, Object.keys(EDDM_DEFAULTS));
    this.warmStart = checkNumber('warmStart', orDefault(p.warmStart, EDDM_DEFAULTS.warmStart), { min: 0, integer: true });
    this.alpha = checkNumber('alpha', orDefault(p.alpha, EDDM_DEFAULTS.alpha), { min: 0, max: 1, minOpen: true });
    this.beta = checkNumber('beta', orDefault(p.beta, EDDM_DEFAULTS.beta), { min: 0, max: 1, minOpen: true });
    if (this.beta > this.alpha) {
      throw new ConfigError('beta', `Expected \`beta\` to be a number <= \`alpha\` (${this.alpha}), got \`${this.beta}\``);
    }
  }

  static restore(snapshot: DetectorSnapshot): EddmDetector {
    return new EddmDetector(snapshot.params as Partial<EddmParams>).applySnapshot(snapshot);
  }

  protected step(value: number, previousWarning: boolean): DetectorStatus {
    this.seen += 1;
    let warning = previousWarning;
    let drift = false;
    if (Math.min(1, Math.max(0, value)) === 1) {
      this.errors += 1;
      this.distances.update(this.seen - this.lastError);
      if (this.seen > this.warmStart) {
        const level = this.distances.mean.mean + 2 * Math.sqrt(this.distances.get());
        if (level > this.maxLevel) {
          this.maxLevel = level;
        } else if (this.errors > this.warmStart) {
          const ratio = level / this.maxLevel;
          if (ratio < this.beta) drift = true;
          else warning = ratio < this.alpha;
        }
      }
      this.lastError = this.seen;
    }
    return { drift, warning };
  }

  protected clearState(): void {
    this.distances = new RunningVariance();
    this.seen = 0;
    this.lastError = 0;
    this.errors = 0;
    this.maxLevel = -1;
  }

  protected paramsJSON(): { [key: string]: JsonValue } {
    const { warmStart, alpha, beta } = this;
    return { warmStart, alpha, beta };
  }

  protected stateJSON(): { [key: string]: JsonValue } {
    return { distances: this.distances.toJSON(), seen: this.seen, lastError: this.lastError, errors: this.errors, maxLevel: this.maxLevel };
  }

  protected readState(reader: StateReader): void {
    this.distances = RunningVariance.read(reader.child('distances'));
    this.seen = reader.number('seen', { min: 0, integer: true });
    this.lastError = reader.number('lastError', { min: 0, integer: true });
    this.errors = reader.number('errors', { min: 0, integer: true });
    this.maxLevel = reader.number('maxLevel');
  }
}
