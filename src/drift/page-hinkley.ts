import { BaseDetector } from './base-detector.js';
import { MAX_ABS_VALUE, type DetectorSnapshot, type DetectorStatus, type JsonValue } from './detector.js';
import { checkNumber, checkOneOf, checkParamsObject, orDefault } from './params.js';
import { RunningMean } from './running-stats.js';
import { encodeNumber, type StateReader } from './snapshot-state.js';

export type PageHinkleyMode = 'up' | 'down' | 'both';

export interface PageHinkleyParams {
  /** Values seen before a drift can be signalled. @default 30 */
  readonly minInstances: number;
  /** Magnitude of change tolerated: subtracted from (added to) each deviation. @default 0.005 */
  readonly delta: number;
  /** The detection threshold λ on the cumulative deviation. @default 50 */
  readonly threshold: number;
  /** Forgetting factor applied to the cumulative sums; in (0, 1], 1 = no forgetting. @default 0.9999 */
  readonly alpha: number;
  /** Watch increases of the mean (`up`), decreases (`down`) or both. @default 'both' */
  readonly mode: PageHinkleyMode;
}

export const PAGE_HINKLEY_DEFAULTS: PageHinkleyParams = { minInstances: 30, delta: 0.005, threshold: 50, alpha: 1 - 0.0001, mode: 'both' };

const MODES: readonly PageHinkleyMode[] = ['up', 'down', 'both'];

/**
 * Page-Hinkley test: a sequential CUSUM-style test on the deviations of each value from the running mean. The
 * faded sum `m_t = α·m_{t-1} + (x_t - mean_t - δ)` is compared with its minimum so far; a gap above the
 * threshold λ means the mean went up (symmetrically for down). Works on any real-valued stream.
 *
 * @example River's documented stream (CPython `random.Random(12345)`: 1000 values from {0, 1} then 1000 from
 * {4, ..., 7}): the drift is found at index 1006, as in River.
 * ```ts
 * const rng = new PythonRandom(12345);
 * const stream = [...rng.choices([0, 1], 1000), ...rng.choices([4, 5, 6, 7], 1000)];
 * const ph = new PageHinkleyDetector();
 * stream.forEach((x, i) => { if (ph.update(x).drift) console.log(i); }); // 1006
 * ```
 * @see E. S. Page, "Continuous inspection schemes", Biometrika 41(1/2), 1954, pp. 100-115.
 * @see H. Mouss, D. Mouss, N. Mouss, L. Sefouhi, "Test of Page-Hinkley, an approach for fault detection in an
 *   agro-alimentary production system", 5th Asian Control Conference, 2004.
 */
export class PageHinkleyDetector extends BaseDetector {
  readonly kind = 'page-hinkley' as const;
  readonly minInstances: number;
  readonly delta: number;
  readonly threshold: number;
  readonly alpha: number;
  readonly mode: PageHinkleyMode;
  private mean = new RunningMean();
  private sumIncrease = 0;
  private sumDecrease = 0;
  private minIncrease = Infinity;
  private maxDecrease = -1;

  constructor(params: Partial<PageHinkleyParams> = {}) {
    super();
    const p = checkParamsObject('page-hinkley', params, Object.keys(PAGE_HINKLEY_DEFAULTS));
    this.minInstances = checkNumber('minInstances', orDefault(p.minInstances, PAGE_HINKLEY_DEFAULTS.minInstances), { min: 1, integer: true });
    this.delta = checkNumber('delta', orDefault(p.delta, PAGE_HINKLEY_DEFAULTS.delta), { min: 0 });
    this.threshold = checkNumber('threshold', orDefault(p.threshold, PAGE_HINKLEY_DEFAULTS.threshold), { min: 0, minOpen: true });
    this.alpha = checkNumber('alpha', orDefault(p.alpha, PAGE_HINKLEY_DEFAULTS.alpha), { min: 0, max: 1, minOpen: true });
    this.mode = checkOneOf('mode', orDefault(p.mode, PAGE_HINKLEY_DEFAULTS.mode), MODES);
  }

  static restore(snapshot: DetectorSnapshot): PageHinkleyDetector {
    return new PageHinkleyDetector(snapshot.params as Partial<PageHinkleyParams>).applySnapshot(snapshot);
  }

  protected step(value: number): DetectorStatus {
    const x = Math.min(MAX_ABS_VALUE, Math.max(-MAX_ABS_VALUE, value));
    this.mean.update(x);
    const dev = x - this.mean.mean;
    this.sumIncrease = this.alpha * this.sumIncrease + dev - this.delta;
    this.sumDecrease = this.alpha * this.sumDecrease + dev + this.delta;
    if (this.sumIncrease < this.minIncrease) this.minIncrease = this.sumIncrease;
    if (this.sumDecrease > this.maxDecrease) this.maxDecrease = this.sumDecrease;
    if (this.mean.n < this.minInstances) return { drift: false, warning: false };
    const up = this.sumIncrease - this.minIncrease > this.threshold;
    const down = this.maxDecrease - this.sumDecrease > this.threshold;
    const drift = this.mode === 'up' ? up : this.mode === 'down' ? down : up || down;
    return { drift, warning: false };
  }

  protected clearState(): void {
    this.mean = new RunningMean();
    this.sumIncrease = 0;
    this.sumDecrease = 0;
    this.minIncrease = Infinity;
    this.maxDecrease = -1;
  }

  protected paramsJSON(): { [key: string]: JsonValue } {
    const { minInstances, delta, threshold, alpha, mode } = this;
    return { minInstances, delta, threshold, alpha, mode };
  }

  protected stateJSON(): { [key: string]: JsonValue } {
    return {
      mean: this.mean.toJSON(),
      sumIncrease: encodeNumber(this.sumIncrease),
      sumDecrease: encodeNumber(this.sumDecrease),
      minIncrease: encodeNumber(this.minIncrease),
      maxDecrease: encodeNumber(this.maxDecrease),
    };
  }

  protected readState(reader: StateReader): void {
    this.mean = RunningMean.read(reader.child('mean'));
    this.sumIncrease = reader.number('sumIncrease');
    this.sumDecrease = reader.number('sumDecrease');
    this.minIncrease = reader.number('minIncrease', { allowInfinite: true });
    this.maxDecrease = reader.number('maxDecrease');
  }
}
