import { ConfigError } from '../core/errors.js';
import { BaseDetector } from './base-detector.js';
import type { DetectorSnapshot, DetectorStatus, JsonValue } from './detector.js';
import { ksTestEqualSize } from './ks.js';
import { checkNumber, checkParamsObject, orDefault } from './params.js';
import { PythonRandom } from './python-random.js';
import { encodeNumbers, type StateReader } from './snapshot-state.js';

export interface KswinParams {
  /** Significance of the KS test; keep it small (the test runs on every value). @default 0.005 */
  readonly alpha: number;
  /** Values kept in the sliding window. @default 100 */
  readonly windowSize: number;
  /** Size of the recent sample and of the random sample drawn from the older part; at most `windowSize / 2`. @default 30 */
  readonly statSize: number;
  /**
   * Seed of the sampler (CPython's `random.Random(seed)`, as River). River draws an unseeded one when absent; here
   * a seed is then picked at random once, and kept in the snapshot so a restored detector draws the same samples.
   * @default a random safe integer
   */
  readonly seed: number;
}

export const KSWIN_DEFAULTS: Omit<KswinParams, 'seed'> = { alpha: 0.005, windowSize: 100, statSize: 30 };

/**
 * KSWIN (Kolmogorov-Smirnov WINdowing): keeps the last `windowSize` values; once full, on every value it compares
 * the newest `statSize` values with `statSize` values drawn at random from the older part by a two-sample KS
 * test, and signals a drift when p <= `alpha` and D > 0.1. Works on any real-valued stream and sees changes of
 * shape, not only of mean.
 *
 * @example River's documented stream (CPython `random.Random(12345)`: 1000 values from {0, 1} then 1000 from
 * {4, ..., 7}) with `alpha = 0.0001, seed = 42`: the drift is found at index 1016, as in River.
 * ```ts
 * const rng = new PythonRandom(12345);
 * const stream = [...rng.choices([0, 1], 1000), ...rng.choices([4, 5, 6, 7], 1000)];
 * const kswin = new KswinDetector({ alpha: 0.0001, seed: 42 });
 * stream.forEach((x, i) => { if (kswin.update(x).drift) console.log(i); }); // 1016
 * ```
 * @see C. Raab, M. Heusinger, F.-M. Schleif, "Reactive soft prototype computing for concept drift streams",
 *   Neurocomputing 416, 2020, pp. 340-351.
 */
export class KswinDetector extends BaseDetector {
  readonly kind = 'kswin' as const;
  readonly alpha: number;
  readonly windowSize: number;
  readonly statSize: number;
  readonly seed: number;
  private window: number[] = [];
  private rng: PythonRandom;
  private lastPValue = 1;
  private lastStatistic = 0;

  constructor(params: Partial<KswinParams> = {}) {
    super();
    const p = checkParamsObject('kswin', params, [...Object.keys(KSWIN_DEFAULTS), 'seed']);
    this.alpha = checkNumber('alpha', orDefault(p.alpha, KSWIN_DEFAULTS.alpha), { min: 0, max: 1, minOpen: true, maxOpen: true });
    this.windowSize = checkNumber('windowSize', orDefault(p.windowSize, KSWIN_DEFAULTS.windowSize), { min: 2, max: 2 ** 31 - 1, integer: true });
    // The exact KS p-value (SciPy's choice up to 10 000 per sample) and a population at least as large as the sample.
    this.statSize = checkNumber('statSize', orDefault(p.statSize, KSWIN_DEFAULTS.statSize), { min: 1, max: 10_000, integer: true });
    if (2 * this.statSize > this.windowSize) {
      throw new ConfigError(
        'statSize',
        `Expected \`statSize\` to be an integer <= \`windowSize\` / 2 (${Math.floor(this.windowSize / 2)}), got \`${this.statSize}\``,
      );
    }
    const seed = p.seed === undefined ? Math.floor(Math.random() * Number.MAX_SAFE_INTEGER) : p.seed;
    this.seed = checkNumber('seed', seed, { min: 0, max: Number.MAX_SAFE_INTEGER, integer: true });
    this.rng = new PythonRandom(this.seed);
  }

  static restore(snapshot: DetectorSnapshot): KswinDetector {
    return new KswinDetector(snapshot.params as Partial<KswinParams>).applySnapshot(snapshot);
  }

  /** p-value of the last KS test (1 before the window first fills). */
  get pValue(): number {
    return this.lastPValue;
  }

  /** KS statistic of the last test (0 before the window first fills). */
  get statistic(): number {
    return this.lastStatistic;
  }

  protected step(value: number): DetectorStatus {
    this.window.push(value);
    if (this.window.length > this.windowSize) this.window.shift();
    if (this.window.length < this.windowSize) return { drift: false, warning: false };
    const older = this.windowSize - this.statSize;
    const sample = this.rng.sampleRange(older, this.statSize).map((i) => this.window[i] as number);
    const recent = this.window.slice(older);
    const { statistic, pValue } = ksTestEqualSize(sample, recent);
    this.lastStatistic = statistic;
    this.lastPValue = pValue;
    return { drift: pValue <= this.alpha && statistic > 0.1, warning: false };
  }

  protected clearState(): void {
    this.window = [];
    this.rng = new PythonRandom(this.seed);
    this.lastPValue = 1;
    this.lastStatistic = 0;
  }

  protected paramsJSON(): { [key: string]: JsonValue } {
    const { alpha, windowSize, statSize, seed } = this;
    return { alpha, windowSize, statSize, seed };
  }

  protected stateJSON(): { [key: string]: JsonValue } {
    const rng = this.rng.state();
    return {
      window: encodeNumbers(this.window),
      rng: { words: [...rng.words], index: rng.index },
      pValue: this.lastPValue,
      statistic: this.lastStatistic,
    };
  }

  protected readState(reader: StateReader): void {
    const window = reader.numbers('window');
    reader.require(window.length <= this.windowSize, 'window', `hold at most ${this.windowSize} values`);
    const rng = reader.child('rng');
    const words = rng.numbers('words', 624, { min: 0, max: 0xffffffff, integer: true });
    const index = rng.number('index', { min: 0, max: 624, integer: true });
    this.window = window;
    this.rng = PythonRandom.fromState({ words, index });
    this.lastPValue = reader.number('pValue', { min: 0, max: 1 });
    this.lastStatistic = reader.number('statistic', { min: 0, max: 1 });
  }
}
