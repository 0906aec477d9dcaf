import type { PredictionEvent } from '../core/index.js';

/** A served prediction and the label its request got (or the default label when none came in time). */
export interface Outcome {
  readonly prediction: PredictionEvent;
  readonly label: number;
  /** True when the label is the default (no label came within `maxDelayMs`). */
  readonly defaulted: boolean;
}

export interface OutcomeJoinOptions {
  readonly maxDelayMs: number;
  /** The label of a prediction whose label did not come in time; undefined: such predictions are not scored. */
  readonly defaultLabel?: number;
  /** Predictions plus labels waiting, at most; past it the oldest prediction is settled early. */
  readonly maxPending: number;
}

/**
 * The decider's join of served predictions with their labels, by request id. Unlike the trainer's join it keeps
 * nothing durable: a decider that restarts replays both topics from the rollout's start. A prediction waits
 * until the labels' event time passes its `servedAt + maxDelayMs`; a label that comes before its prediction
 * waits as long; the first label of a request counts, repeats of a prediction (the log is at-least-once) are
 * ignored. Memory is bounded by `maxPending`.
 */
export class OutcomeJoin {
  private readonly predictions = new Map<string, PredictionEvent>();
  private readonly labels = new Map<string, { label: number; at: number }>();
  private readonly settled = new Set<string>();
  private readonly settledOrder: string[] = [];
  private labelTime = 0;

  constructor(private readonly o: OutcomeJoinOptions) {}

  get pending(): number {
    return this.predictions.size + this.labels.size;
  }

  /** A served prediction; returns the outcome when its label came first. */
  addPrediction(p: PredictionEvent): Outcome | undefined {
    if (this.settled.has(p.requestId) || this.predictions.has(p.requestId)) return undefined;
    const early = this.labels.get(p.requestId);
    if (early && Math.abs(early.at - p.servedAt) <= this.o.maxDelayMs) {
      this.labels.delete(p.requestId);
      this.settle(p.requestId);
      return { prediction: p, label: early.label, defaulted: false };
    }
    this.predictions.set(p.requestId, p);
    return undefined;
  }

  /** A label record (event time `at`); returns its outcome, plus the predictions whose wait it ended. */
  addLabel(id: string, label: number, at: number): Outcome[] {
    const out: Outcome[] = [];
    this.labelTime = Math.max(this.labelTime, at);
    const p = this.predictions.get(id);
    if (p && Math.abs(at - p.servedAt) <= this.o.maxDelayMs) {
      this.predictions.delete(id);
      this.settle(id);
      out.push({ prediction: p, label, defaulted: false });
    } else if (!p && !this.settled.has(id) && !this.labels.has(id)) this.labels.set(id, { label, at });
    return [...out, ...this.expire(this.labelTime)];
  }

  /** Settles the predictions (and drops the labels) whose wait ended by event time `now`; also bounds memory. */
  expire(now: number): Outcome[] {
    const out: Outcome[] = [];
    for (const [id, p] of this.predictions) {
      if (p.servedAt + this.o.maxDelayMs >= now && this.pending <= this.o.maxPending) break;
      this.predictions.delete(id);
      this.settle(id);
      if (this.o.defaultLabel !== undefined) out.push({ prediction: p, label: this.o.defaultLabel, defaulted: true });
    }
    for (const [id, l] of this.labels) {
      if (l.at + this.o.maxDelayMs >= now && this.pending <= this.o.maxPending) break;
      this.labels.delete(id);
    }
    return out;
  }

  /** Remembers settled ids (bounded) so that a repeated prediction or label is not counted again. */
  private settle(id: string): void {
    this.settled.add(id);
    this.settledOrder.push(id);
    // Forget the older half at twice the bound: amortized O(1) per id.
    if (this.settledOrder.length > 2 * this.o.maxPending) {
      for (const k of this.settledOrder.splice(0, this.o.maxPending)) this.settled.delete(k);
    }
  }
}
