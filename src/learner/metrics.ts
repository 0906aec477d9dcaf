import { StreamtrainError, type MetricValues } from '../core/index.js';
import type { OutputKind } from './models.js';

const EPS = 1e-7;

/**
 * Live prequential metrics: every sample is scored by the model *before* it learns from it (test-then-train),
 * so these are honest estimates of performance on unseen data. Two views: since start (cumulative sums, kept
 * in checkpoints) and over the last `window` samples (ring buffers of scores and labels, memory only).
 * A binary model predicts class 1 when its probability is above 0.5: at exactly 0.5 (an untrained model) class 0,
 * as a multi-class model's arg max takes the first class on a tie.
 * @see Gama, Sebastião, Rodrigues (2013), "On evaluating stream learning algorithms", Machine Learning 90.
 */
export class PrequentialMetrics {
  private n = 0;
  private sumCorrect = 0;
  private sumLogLoss = 0;
  private sumAbs = 0;
  private sumSq = 0;
  private readonly winScore: Float32Array;
  private readonly winLabel: Float32Array;
  private readonly winLoss: Float32Array;
  private readonly winCorrect: Uint8Array;
  private winPos = 0;
  private winFill = 0;

  constructor(
    readonly kind: OutputKind,
    readonly classes: number,
    readonly window: number,
  ) {
    this.winScore = new Float32Array(window);
    this.winLabel = new Float32Array(window);
    this.winLoss = new Float32Array(window);
    this.winCorrect = new Uint8Array(window);
  }

  get samples(): number {
    return this.n;
  }

  /**
   * Scores one batch. `outputs` is row-major [size x units]: probabilities for classifiers, values for regression.
   * Writes the per-sample error indicator (1 = error) or absolute error into `errors` for drift detectors.
   */
  update(outputs: Float32Array, labels: Float32Array, errors: Float32Array): void {
    const size = labels.length;
    const units = outputs.length / size;
    for (let i = 0; i < size; i++) {
      const y = labels[i] as number;
      let score: number;
      let loss: number;
      let correct: number;
      if (this.kind === 'regression') {
        const p = outputs[i] as number;
        score = p;
        const e = p - y;
        loss = e * e;
        correct = 0;
        this.sumAbs += Math.abs(e);
        this.sumSq += e * e;
        errors[i] = Math.abs(e);
      } else if (this.kind === 'binary') {
        const p = outputs[i] as number;
        score = p;
        const pc = Math.min(1 - EPS, Math.max(EPS, p));
        loss = y >= 0.5 ? -Math.log(pc) : -Math.log(1 - pc);
        correct = (p > 0.5 ? 1 : 0) === (y >= 0.5 ? 1 : 0) ? 1 : 0;
      } else {
        const py = outputs[i * units + y] ?? 0;
        score = py;
        loss = -Math.log(Math.min(1 - EPS, Math.max(EPS, py)));
        correct = argmaxRow(outputs, i, units) === y ? 1 : 0;
      }
      if (this.kind !== 'regression') errors[i] = 1 - correct;
      this.n += 1;
      this.sumCorrect += correct;
      this.sumLogLoss += loss;
      this.winScore[this.winPos] = score;
      this.winLabel[this.winPos] = y;
      this.winLoss[this.winPos] = loss;
      this.winCorrect[this.winPos] = correct;
      this.winPos = (this.winPos + 1) % this.window;
      if (this.winFill < this.window) this.winFill += 1;
    }
  }

  /** Current values, flat, for manifests, version events and /metrics. */
  values(): MetricValues {
    const out: MetricValues = { samples: this.n };
    if (this.n === 0) return out;
    let wLoss = 0;
    let wCorrect = 0;
    for (let i = 0; i < this.winFill; i++) {
      wLoss += this.winLoss[i] as number;
      wCorrect += this.winCorrect[i] as number;
    }
    if (this.kind === 'regression') {
      out.mae = this.sumAbs / this.n;
      out.rmse = Math.sqrt(this.sumSq / this.n);
      let wAbs = 0;
      for (let i = 0; i < this.winFill; i++) wAbs += Math.abs((this.winScore[i] as number) - (this.winLabel[i] as number));
      out.mae_window = wAbs / this.winFill;
      out.rmse_window = Math.sqrt(wLoss / this.winFill);
      return out;
    }
    out.accuracy = this.sumCorrect / this.n;
    out.log_loss = this.sumLogLoss / this.n;
    out.accuracy_window = wCorrect / this.winFill;
    out.log_loss_window = wLoss / this.winFill;
    if (this.kind === 'binary') {
      const auc = binaryAuc(this.winScore.subarray(0, this.winFill), this.winLabel.subarray(0, this.winFill));
      if (auc !== undefined) out.auc_window = auc;
    }
    return out;
  }

  /**
   * Becomes a copy of `other` (same kind and window), window included: two models that take turns predicting
   * (a hedged adapt period) keep one record of what was served. In memory only; never persisted.
   */
  copyFrom(other: PrequentialMetrics): void {
    if (other.window !== this.window || other.kind !== this.kind)
      throw new StreamtrainError('METRICS_MISMATCH', 'PrequentialMetrics.copyFrom: the two records differ in kind or window');
    this.restore(other.state());
    this.winScore.set(other.winScore);
    this.winLabel.set(other.winLabel);
    this.winLoss.set(other.winLoss);
    this.winCorrect.set(other.winCorrect);
    this.winPos = other.winPos;
    this.winFill = other.winFill;
  }

  /** Cumulative sums, restored from a checkpoint so "since start" survives restarts. The window does not. */
  state(): { n: number; sumCorrect: number; sumLogLoss: number; sumAbs: number; sumSq: number } {
    return { n: this.n, sumCorrect: this.sumCorrect, sumLogLoss: this.sumLogLoss, sumAbs: this.sumAbs, sumSq: this.sumSq };
  }

  restore(s: Partial<ReturnType<PrequentialMetrics['state']>> | undefined): void {
    if (!s) return;
    const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
    this.n = num(s.n);
    this.sumCorrect = num(s.sumCorrect);
    this.sumLogLoss = num(s.sumLogLoss);
    this.sumAbs = num(s.sumAbs);
    this.sumSq = num(s.sumSq);
  }
}

/**
 * Area under the ROC curve of `scores` against binary `labels` (>= 0.5 positive): the probability that a positive
 * scores above a negative, ties counting one half (the Mann-Whitney U over positives x negatives). Undefined
 * without both classes. The two classes' scores are sorted apart (typed-array numeric sorts) and merged once.
 */
export function binaryAuc(scores: Float32Array, labels: Float32Array): number | undefined {
  const n = scores.length;
  const pos = new Float32Array(n);
  const neg = new Float32Array(n);
  let p = 0;
  let q = 0;
  for (let i = 0; i < n; i++) {
    if ((labels[i] as number) >= 0.5) pos[p++] = scores[i] as number;
    else neg[q++] = scores[i] as number;
  }
  if (p === 0 || q === 0) return undefined;
  const ps = pos.subarray(0, p).sort();
  const ns = neg.subarray(0, q).sort();
  // For each positive (ascending): `below` negatives score under it, `upTo` at most it; the ties count one half.
  let below = 0;
  let upTo = 0;
  let u = 0;
  for (let i = 0; i < p; i++) {
    const s = ps[i] as number;
    while (below < q && (ns[below] as number) < s) below++;
    if (upTo < below) upTo = below;
    while (upTo < q && (ns[upTo] as number) <= s) upTo++;
    u += below + (upTo - below) / 2;
  }
  return u / (p * q);
}

/** The class with the highest output in row `i` of a row-major [size x units] array (the first, on a tie). */
function argmaxRow(outputs: Float32Array, i: number, units: number): number {
  let best = 0;
  let bestP = -Infinity;
  for (let k = 0; k < units; k++) {
    const p = outputs[i * units + k] as number;
    if (p > bestP) {
      bestP = p;
      best = k;
    }
  }
  return best;
}

/** Per-sample errors as `PrequentialMetrics.update` writes them (1 = error / 0 = correct, |error| for regression), without scoring them. */
export function errorsOf(kind: OutputKind, outputs: Float32Array, labels: Float32Array): Float32Array {
  const size = labels.length;
  const units = outputs.length / size;
  const errors = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    const y = labels[i] as number;
    if (kind === 'regression') errors[i] = Math.abs((outputs[i] as number) - y);
    else if (kind === 'binary') errors[i] = ((outputs[i] as number) > 0.5 ? 1 : 0) === (y >= 0.5 ? 1 : 0) ? 0 : 1;
    else errors[i] = argmaxRow(outputs, i, units) === y ? 0 : 1;
  }
  return errors;
}
