import type { MetricValues, PerformanceTriggerConfig, Trigger, TriggerConfig } from '../core/index.js';

/** What a trigger rule looks at after each batch (and on each clock tick). */
export interface PublicationState {
  readonly samplesSinceLast: number;
  readonly samplesTotal: number;
  readonly secondsSinceLast: number;
  readonly metrics: MetricValues;
  /** Set when a drift detector fired since the last publication. */
  readonly driftSignal?: string;
}

/** One reason to publish a version. Rules are combined: the first that fires wins. */
export interface TriggerRule {
  check(state: PublicationState): Trigger | undefined;
  /** Called after every publication, whatever triggered it. */
  reset?(): void;
}

/** Publish as soon as a drift detector fires, so the version before and the version after are both kept. */
export class DriftTrigger implements TriggerRule {
  check(s: PublicationState): Trigger | undefined {
    return s.driftSignal && s.samplesSinceLast > 0 ? { reason: 'drift', detail: s.driftSignal } : undefined;
  }
}

/** Publish when the new samples reach a fraction of everything seen (frequent early, rarer as the model matures). */
export class VolumeRatioTrigger implements TriggerRule {
  constructor(readonly ratio: number) {}
  check(s: PublicationState): Trigger | undefined {
    const before = s.samplesTotal - s.samplesSinceLast;
    return s.samplesSinceLast > 0 && s.samplesSinceLast >= this.ratio * Math.max(before, 1)
      ? { reason: 'volume-ratio', detail: `${s.samplesSinceLast} new samples >= ${this.ratio} x ${before} seen before` }
      : undefined;
  }
}

/**
 * Publish when a live metric is worse than a threshold, or has dropped from its best since the last version by a
 * margin. Waits `minSamples` after each version, so the windowed metric describes the current model.
 */
export class PerformanceTrigger implements TriggerRule {
  private best?: number;
  constructor(readonly config: PerformanceTriggerConfig) {}
  check(s: PublicationState): Trigger | undefined {
    const v = s.metrics[this.config.metric];
    if (v === undefined || !Number.isFinite(v) || s.samplesSinceLast < this.config.minSamples) return undefined;
    const sign = this.config.better === 'higher' ? 1 : -1;
    if (this.best === undefined || sign * (v - this.best) > 0) this.best = v;
    const { threshold, dropBy, metric } = this.config;
    if (threshold !== undefined && sign * (v - threshold) < 0) return { reason: 'performance', detail: `${metric} ${fmt(v)} worse than ${threshold}` };
    if (dropBy !== undefined && sign * (this.best - v) >= dropBy)
      return { reason: 'performance', detail: `${metric} ${fmt(v)} dropped ${fmt(Math.abs(this.best - v))} from ${fmt(this.best)}` };
    return undefined;
  }
  reset(): void {
    this.best = undefined;
  }
}

const fmt = (v: number) => v.toFixed(4);

/** Publish after N new samples. */
export class SamplesTrigger implements TriggerRule {
  constructor(readonly everySamples: number) {}
  check(s: PublicationState): Trigger | undefined {
    return s.samplesSinceLast >= this.everySamples ? { reason: 'samples', detail: `${s.samplesSinceLast} samples since the last version` } : undefined;
  }
}

/** Publish every T seconds, if anything was learned since the last version. */
export class IntervalTrigger implements TriggerRule {
  constructor(readonly everySeconds: number) {}
  check(s: PublicationState): Trigger | undefined {
    return s.samplesSinceLast > 0 && s.secondsSinceLast >= this.everySeconds
      ? { reason: 'interval', detail: `${Math.round(s.secondsSinceLast)} s since the last version` }
      : undefined;
  }
}

export class TriggerSet {
  constructor(
    readonly rules: readonly TriggerRule[],
    /** Seconds after a publication during which no rule is consulted. */
    readonly minGapSeconds = 0,
  ) {}

  static fromConfig(config: TriggerConfig): TriggerSet {
    const rules: TriggerRule[] = [];
    if (config.onDrift) rules.push(new DriftTrigger());
    if (config.performance) rules.push(new PerformanceTrigger(config.performance));
    if (config.everySamples > 0) rules.push(new SamplesTrigger(config.everySamples));
    if (config.everySeconds > 0) rules.push(new IntervalTrigger(config.everySeconds));
    if (config.volumeRatio > 0) rules.push(new VolumeRatioTrigger(config.volumeRatio));
    return new TriggerSet(rules, config.minGapSeconds);
  }

  /** After a publication: rules with memory start over. */
  reset(): void {
    for (const rule of this.rules) rule.reset?.();
  }

  /** Whether any rule reads live metrics (computing them sorts a window: not free on every batch). */
  get needsMetrics(): boolean {
    return this.rules.some((r) => r instanceof PerformanceTrigger);
  }

  evaluate(state: PublicationState): Trigger | undefined {
    if (state.secondsSinceLast < this.minGapSeconds) return undefined;
    for (const rule of this.rules) {
      const t = rule.check(state);
      if (t) return t;
    }
    return undefined;
  }
}
