/**
 * Data drift: compares each window of incoming vectors with a reference, feature by feature, by PSI and by the
 * two-sample KS test. The reference is the first `referenceSize` vectors, kept as a {@link FeatureSketch} per
 * feature (quantile bin edges and counts); each later window of `windowSize` vectors is counted into sketches
 * with the same edges. Raw values are held only while the reference window fills (to find its quantiles); after
 * that the monitor holds, and its snapshots contain, only edges and counts.
 *
 * Serves the input features (one name per column) as well as the prediction stream (one feature).
 */
import { ConfigError, describeValue } from '../core/errors.js';
import { FeatureSketch, type FeatureSketchJSON } from './feature-sketch.js';
import { ksTestBinned } from './ks.js';
import { checkNumber } from './params.js';
import { psi } from './psi.js';
import { StateReader } from './snapshot-state.js';

export interface DataDriftMonitorOptions {
  /** Feature names, one per vector position. */
  readonly features: readonly string[];
  /** Vectors in the reference window. @default 5000 */
  readonly referenceSize?: number;
  /** Vectors in each compared window. @default 2000 */
  readonly windowSize?: number;
  /** Bins per feature (at most; fewer when the reference has repeated quantiles). @default 10 */
  readonly bins?: number;
  /** A feature drifts when its PSI reaches this value (0.1 moderate, 0.25 major). @default 0.25 */
  readonly psiThreshold?: number;
  /** ...or when its KS p-value falls below `ksAlpha / features.length` (Bonferroni). @default 0.001 */
  readonly ksAlpha?: number;
}

export const DATA_DRIFT_DEFAULTS = { referenceSize: 5000, windowSize: 2000, bins: 10, psiThreshold: 0.25, ksAlpha: 0.001 } as const;

export interface FeatureDrift {
  readonly psi: number;
  /** KS statistic at the bin edges. */
  readonly ks: number;
  readonly pValue: number;
  readonly drift: boolean;
}

export interface DataDriftReport {
  /** 1 for the first window after the reference. */
  readonly window: number;
  readonly features: { readonly [name: string]: FeatureDrift };
  /** The largest PSI over the features. */
  readonly score: number;
  /** Some feature drifted. */
  readonly drift: boolean;
}

export interface DataDriftMonitorSnapshot {
  readonly params: Required<DataDriftMonitorOptions>;
  /** Null while the reference window is still filling: its raw values are never written. */
  readonly reference: readonly FeatureSketchJSON[] | null;
  readonly current: readonly FeatureSketchJSON[] | null;
  readonly windowRows: number;
  readonly windows: number;
  readonly ignored: readonly number[];
}

export class DataDriftMonitor {
  readonly features: readonly string[];
  readonly referenceSize: number;
  readonly windowSize: number;
  readonly bins: number;
  readonly psiThreshold: number;
  readonly ksAlpha: number;
  #buffer: Float64Array[] | null;
  #bufferRows = 0;
  #reference: FeatureSketch[] | null = null;
  #current: FeatureSketch[] | null = null;
  #windowRows = 0;
  #windows = 0;
  readonly #ignored: number[];

  constructor(options: DataDriftMonitorOptions) {
    const features = options?.features;
    if (!Array.isArray(features) || features.length === 0 || !features.every((f) => typeof f === 'string' && f.length > 0)) {
      throw new ConfigError('features', `Expected \`features\` to be a non-empty array of names, got \`${describeValue(features)}\``);
    }
    if (new Set(features).size !== features.length) throw new ConfigError('features', 'Expected `features` to hold distinct names, got a repeated one');
    this.features = [...features];
    this.referenceSize = checkNumber('referenceSize', options.referenceSize ?? DATA_DRIFT_DEFAULTS.referenceSize, { min: 2, max: 10_000_000, integer: true });
    this.windowSize = checkNumber('windowSize', options.windowSize ?? DATA_DRIFT_DEFAULTS.windowSize, { min: 1, integer: true });
    this.bins = checkNumber('bins', options.bins ?? DATA_DRIFT_DEFAULTS.bins, { min: 2, max: 1000, integer: true });
    this.psiThreshold = checkNumber('psiThreshold', options.psiThreshold ?? DATA_DRIFT_DEFAULTS.psiThreshold, { min: 0, minOpen: true });
    this.ksAlpha = checkNumber('ksAlpha', options.ksAlpha ?? DATA_DRIFT_DEFAULTS.ksAlpha, { min: 0, max: 1, minOpen: true, maxOpen: true });
    this.#buffer = this.features.map(() => new Float64Array(this.referenceSize));
    this.#ignored = this.features.map(() => 0);
  }

  /** The reference is built and windows are being compared. */
  get ready(): boolean {
    return this.#reference !== null;
  }

  /** Windows compared so far. */
  get windows(): number {
    return this.#windows;
  }

  /** Non-finite values skipped, per feature. */
  get ignored(): readonly number[] {
    return [...this.#ignored];
  }

  /** The reference sketches (edges and counts), once built. */
  get reference(): readonly FeatureSketch[] | null {
    return this.#reference;
  }

  /**
   * Counts one vector. Returns a report when this vector completes a window (after the reference is full),
   * `undefined` otherwise. Non-finite entries are skipped for their feature and counted in `ignored`.
   */
  update(vector: Float32Array | Float64Array | readonly number[]): DataDriftReport | undefined {
    if (vector.length !== this.features.length) {
      throw new ConfigError('vector', `Expected a vector of ${this.features.length} values, got ${describeValue(vector.length)}`);
    }
    if (this.#buffer) {
      for (let f = 0; f < vector.length; f++) (this.#buffer[f] as Float64Array)[this.#bufferRows] = vector[f] as number;
      this.#bufferRows += 1;
      if (this.#bufferRows === this.referenceSize) this.#buildReference();
      return undefined;
    }
    const current = this.#current as FeatureSketch[];
    for (let f = 0; f < vector.length; f++) {
      if (!(current[f] as FeatureSketch).add(vector[f] as number)) this.#ignored[f] = (this.#ignored[f] as number) + 1;
    }
    this.#windowRows += 1;
    if (this.#windowRows < this.windowSize) return undefined;
    const report = this.compare(current);
    this.#current = current.map((s) => s.emptyLike());
    this.#windowRows = 0;
    return report;
  }

  /** Compares current sketches (same edges as the reference) with the reference; counts a window. */
  private compare(current: readonly FeatureSketch[]): DataDriftReport {
    const reference = this.#reference as FeatureSketch[];
    const alpha = this.ksAlpha / this.features.length;
    const features: Record<string, FeatureDrift> = {};
    let score = 0;
    let drift = false;
    this.features.forEach((name, f) => {
      const ref = (reference[f] as FeatureSketch).counts;
      const cur = (current[f] as FeatureSketch).counts;
      const p = psi(ref, cur);
      const ks = ksTestBinned(ref, cur);
      const featureDrift = p >= this.psiThreshold || ks.pValue < alpha;
      features[name] = { psi: p, ks: ks.statistic, pValue: ks.pValue, drift: featureDrift };
      score = Math.max(score, p);
      drift ||= featureDrift;
    });
    this.#windows += 1;
    return { window: this.#windows, features, score, drift };
  }

  #buildReference(): void {
    const buffer = this.#buffer as Float64Array[];
    this.#reference = buffer.map((values, f) => {
      const sketch = FeatureSketch.fromReference(values, this.bins);
      this.#ignored[f] = (this.#ignored[f] as number) + (values.length - sketch.total);
      return sketch;
    });
    this.#current = this.#reference.map((s) => s.emptyLike());
    this.#buffer = null; // the raw reference values are dropped here
    this.#bufferRows = 0;
  }

  /** Edges and counts only; while the reference fills, its values are left out (see {@link DataDriftMonitor.restore}). */
  snapshot(): DataDriftMonitorSnapshot {
    const { features, referenceSize, windowSize, bins, psiThreshold, ksAlpha } = this;
    return {
      params: { features: [...features], referenceSize, windowSize, bins, psiThreshold, ksAlpha },
      reference: this.#reference?.map((s) => s.toJSON()) ?? null,
      current: this.#current?.map((s) => s.toJSON()) ?? null,
      windowRows: this.#windowRows,
      windows: this.#windows,
      ignored: [...this.#ignored],
    };
  }

  /**
   * Rebuilds a monitor from {@link DataDriftMonitor.snapshot}. After the reference was built it continues exactly;
   * a snapshot taken while the reference was filling holds no values, so the restored monitor fills it anew.
   */
  static restore(snapshot: unknown): DataDriftMonitor {
    const reader = StateReader.of(snapshot, 'snapshot');
    const params = (snapshot as { params?: unknown }).params;
    StateReader.of(params, 'snapshot.params');
    const monitor = new DataDriftMonitor(params as DataDriftMonitorOptions);
    const raw = snapshot as { reference?: unknown; current?: unknown };
    const ignored = reader.numbers('ignored', monitor.features.length, { min: 0, integer: true });
    monitor.#ignored.splice(0, ignored.length, ...ignored);
    if (raw.reference === null || raw.reference === undefined) return monitor;
    const sketches = (key: 'reference' | 'current'): FeatureSketch[] => {
      const list = reader.children(key);
      reader.require(list.length === monitor.features.length, key, `hold ${monitor.features.length} sketches`);
      return list.map((_, i) => FeatureSketch.fromJSON((raw[key] as unknown[])[i], `snapshot.${key}[${i}]`));
    };
    const reference = sketches('reference');
    const current = sketches('current');
    reader.require(
      current.every((s, i) => s.sameEdges(reference[i] as FeatureSketch)),
      'current',
      'have the edges of the reference',
    );
    const windowRows = reader.number('windowRows', { min: 0, max: monitor.windowSize - 1, integer: true });
    monitor.#windows = reader.number('windows', { min: 0, integer: true });
    monitor.#reference = reference;
    monitor.#current = current;
    monitor.#windowRows = windowRows;
    monitor.#buffer = null;
    return monitor;
  }
}
