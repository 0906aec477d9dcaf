import type { DriftConfig } from '../core/index.js';
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
 * whose score distribution moves is seeing something new even before labels say so.
 */
export class DataDriftWatch {
  private inputs?: DataDriftMonitor;
  private predictions?: DataDriftMonitor;

  constructor(
    private readonly config: DriftConfig['data'],
    private readonly width: number,
  ) {
    const opts = { referenceSize: config.referenceSize, windowSize: config.windowSize, bins: config.bins, psiThreshold: config.psiThreshold, ksAlpha: config.ksAlpha };
    if (config.inputs) this.inputs = new DataDriftMonitor({ ...opts, features: Array.from({ length: width }, (_, i) => `x${i}`) });
    if (config.predictions) this.predictions = new DataDriftMonitor({ ...opts, features: ['score'] });
  }

  /** Feeds one batch (row-major features, per-sample scores); returns the first drift it reveals. */
  update(features: Float32Array, size: number, scores: Float32Array): DataDriftSignal | undefined {
    let found: DataDriftSignal | undefined;
    for (let i = 0; i < size; i++) {
      const rin = this.inputs?.update(features.subarray(i * this.width, (i + 1) * this.width));
      const rpred = this.predictions?.update([scores[i] as number]);
      if (!found && rin?.drift) found = signal('input', rin);
      if (!found && rpred?.drift) found = signal('prediction', rpred);
    }
    return found;
  }

  state(): DataDriftState {
    return { inputs: this.inputs?.snapshot(), predictions: this.predictions?.snapshot() };
  }

  restore(s: DataDriftState): void {
    if (s.inputs && this.inputs) this.inputs = DataDriftMonitor.restore(s.inputs);
    if (s.predictions && this.predictions) this.predictions = DataDriftMonitor.restore(s.predictions);
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
