import { AdwinWindow } from './adwin-window.js';
import { BaseDetector } from './base-detector.js';
import { MAX_ABS_VALUE, type DetectorSnapshot, type DetectorStatus, type JsonValue } from './detector.js';
import { checkNumber, checkParamsObject, orDefault } from './params.js';
import type { StateReader } from './snapshot-state.js';

export interface AdwinParams {
  /**
   * Confidence of the cut test: smaller values need stronger evidence before dropping the old window.
   * @default 0.002
   */
  readonly delta: number;
  /** The window is checked for a cut every `clock` values (1 = after every value). @default 32 */
  readonly clock: number;
  /** Buckets of each size kept before two are merged into one of twice the size. @default 5 */
  readonly maxBuckets: number;
  /** Sub-windows shorter than this are never compared. @default 5 */
  readonly minWindowLength: number;
  /** No cut is tested before the window holds more than this many values. @default 10 */
  readonly gracePeriod: number;
}

export const ADWIN_DEFAULTS: AdwinParams = { delta: 0.002, clock: 32, maxBuckets: 5, minWindowLength: 5, gracePeriod: 10 };

/**
 * ADWIN (ADaptive WINdowing): keeps the longest recent window whose two parts, cut anywhere, have means that do
 * not differ by more than a Hoeffding/Bernstein bound; a cut that fails the bound is a drift and the older part
 * is dropped. Works on any real-valued stream (error bits, losses, raw measurements).
 *
 * @example River's documented stream: 1000 values from {0, 1} then 1000 from {4, ..., 7}, drawn by CPython's
 * `random.Random(12345)`. The drift is found at index 1023, as in River.
 * ```ts
 * const rng = new PythonRandom(12345);
 * const stream = [...rng.choices([0, 1], 1000), ...rng.choices([4, 5, 6, 7], 1000)];
 * const adwin = new AdwinDetector();
 * stream.forEach((x, i) => { if (adwin.update(x).drift) console.log(i); }); // 1023
 * ```
 * @see A. Bifet and R. Gavaldà, "Learning from time-changing data with adaptive windowing", SIAM International
 *   Conference on Data Mining, 2007, pp. 443-448.
 */
export class AdwinDetector extends BaseDetector {
  readonly kind = 'adwin' as const;
  readonly delta: number;
  readonly clock: number;
  readonly maxBuckets: number;
  readonly minWindowLength: number;
  readonly gracePeriod: number;
  private window: AdwinWindow;

  constructor(params: Partial<AdwinParams> = {}) {
    super();
    const p = checkParamsObject('adwin', params, Object.keys(ADWIN_DEFAULTS));
    this.delta = checkNumber('delta', orDefault(p.delta, ADWIN_DEFAULTS.delta), { min: 0, max: 1, minOpen: true, maxOpen: true });
    this.clock = checkNumber('clock', orDefault(p.clock, ADWIN_DEFAULTS.clock), { min: 1, integer: true });
    this.maxBuckets = checkNumber('maxBuckets', orDefault(p.maxBuckets, ADWIN_DEFAULTS.maxBuckets), { min: 1, integer: true });
    // >= 1 keeps both sides of a cut non-empty, so no mean is ever 0/0.
    this.minWindowLength = checkNumber('minWindowLength', orDefault(p.minWindowLength, ADWIN_DEFAULTS.minWindowLength), { min: 1, integer: true });
    this.gracePeriod = checkNumber('gracePeriod', orDefault(p.gracePeriod, ADWIN_DEFAULTS.gracePeriod), { min: 0, integer: true });
    this.window = new AdwinWindow(this);
  }

  static restore(snapshot: DetectorSnapshot): AdwinDetector {
    return new AdwinDetector(snapshot.params as Partial<AdwinParams>).applySnapshot(snapshot);
  }

  /** Values in the current window. */
  get width(): number {
    return this.window.width;
  }

  /** Mean of the current window (0 when empty). */
  get estimation(): number {
    return this.window.width === 0 ? 0 : this.window.total / this.window.width;
  }

  protected step(value: number): DetectorStatus {
    const x = Math.min(MAX_ABS_VALUE, Math.max(-MAX_ABS_VALUE, value));
    return { drift: this.window.update(x), warning: false };
  }

  protected clearState(): void {
    this.window = new AdwinWindow(this);
  }

  protected paramsJSON(): { [key: string]: JsonValue } {
    const { delta, clock, maxBuckets, minWindowLength, gracePeriod } = this;
    return { delta, clock, maxBuckets, minWindowLength, gracePeriod };
  }

  protected stateJSON(): { [key: string]: JsonValue } {
    return { window: this.window.toJSON() };
  }

  protected readState(reader: StateReader): void {
    this.window = AdwinWindow.read(reader.child('window'), this);
  }
}
