import type { DriftConfig, InputColumn } from '../core/index.js';
import { DataDriftMonitor, type DataDriftMonitorSnapshot, type DataDriftReport } from '../drift/index.js';

export interface DataDriftState {
  readonly inputs?: DataDriftMonitorSnapshot;
  readonly predictions?: DataDriftMonitorSnapshot;
}

export interface DataDriftSignal {
  readonly detector: 'psi-ks';
  readonly signal: 'input' | 'prediction';
  readonly scores: Record<string, number>;
}

/**
 * Data drift on the model's inputs and on its predictions: PSI and KS of each window against a reference kept as
 * sketches (bin edges and counts, no values), per feature. The prediction stream is one more "feature": a model
 * whose score distribution moves is seeing something new even before labels say so. Input positions are named
 * after their fields (`inputColumns`), and `drift.data.features` narrows the watch to some fields.
 */
export class DataDriftWatch {
  private inputs?: DataDriftMonitor;
  private predictions?: DataDriftMonitor;
  /** Positions of the watched columns in an input row; undefined when every column is watched. */
  private readonly picked?: number[];
  private readonly row: Float32Array;

  constructor(
    private readonly config: DriftConfig['data'],
    private readonly columns: readonly InputColumn[],
  ) {
    const watched = config.features ? columns.flatMap((c, i) => (config.features?.includes(c.field) ? [i] : [])) : undefined;
    if (watched && watched.length < columns.length) this.picked = watched;
    this.row = new Float32Array(this.picked?.length ?? 0);
    if (config.inputs)
      this.inputs = new DataDriftMonitor({
        ...this.options(),
        features: (this.picked ?? columns.map((_, i) => i)).map((i) => (columns[i] as InputColumn).name),
      });
    if (config.predictions) this.predictions = new DataDriftMonitor({ ...this.options(), features: ['score'] });
  }

  private options() {
    const c = this.config;
    return { referenceSize: c.referenceSize, windowSize: c.windowSize, bins: c.bins, psiThreshold: c.psiThreshold, ksAlpha: c.ksAlpha };
  }

  /** Feeds one batch (row-major features, per-sample scores); returns the first drift it reveals. */
  update(features: Float32Array, size: number, scores: Float32Array): DataDriftSignal | undefined {
    let found: DataDriftSignal | undefined;
    const width = this.columns.length;
    const picked = this.picked;
    for (let i = 0; i < size; i++) {
      let row = features.subarray(i * width, (i + 1) * width);
      if (picked && this.inputs) {
        for (let k = 0; k < picked.length; k++) this.row[k] = row[picked[k] as number] as number;
        row = this.row;
      }
      const rin = this.inputs?.update(row);
      const rpred = this.predictions?.update([scores[i] as number]);
      if (!found && rin?.drift) found = signal('input', rin);
      if (!found && rpred?.drift) found = signal('prediction', rpred);
    }
    return found;
  }

  state(): DataDriftState {
    return { inputs: this.inputs?.snapshot(), predictions: this.predictions?.snapshot() };
  }

  /**
   * Resumes the monitors of a checkpoint, each only if it watched what the config asks for now (the same columns,
   * names and settings) and its state reads back; returns the monitors that start fresh instead.
   */
  restore(s: DataDriftState): ('inputs' | 'predictions')[] {
    const fresh: ('inputs' | 'predictions')[] = [];
    for (const key of ['inputs', 'predictions'] as const) {
      const current = this[key];
      const saved = s[key];
      if (!current || !saved) continue;
      let restored: DataDriftMonitor | undefined;
      try {
        restored = DataDriftMonitor.restore(saved);
      } catch {
        restored = undefined;
      }
      if (restored && JSON.stringify(restored.snapshot().params) === JSON.stringify(current.snapshot().params)) this[key] = restored;
      else fresh.push(key);
    }
    return fresh;
  }
}

function signal(kind: 'input' | 'prediction', r: DataDriftReport): DataDriftSignal {
  const scores: Record<string, number> = { score: r.score, window: r.window };
  for (const [name, f] of Object.entries(r.features)) {
    scores[`${name}_psi`] = f.psi;
    scores[`${name}_ks`] = f.ks;
  }
  return { detector: 'psi-ks', signal: kind, scores };
}
