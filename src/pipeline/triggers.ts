import type { MetricValues, Trigger, TriggerConfig } from '../core/index.js';

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
}

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
    return s.samplesSinceLast > 0 && s.secondsSinceLast >= this.everySeconds ? { reason: 'interval', detail: `${Math.round(s.secondsSinceLast)} s since the last version` } : undefined;
  }
}

export class TriggerSet {
  constructor(readonly rules: readonly TriggerRule[]) {}

  static fromConfig(config: TriggerConfig): TriggerSet {
    const rules: TriggerRule[] = [];
    if (config.everySamples > 0) rules.push(new SamplesTrigger(config.everySamples));
    if (config.everySeconds > 0) rules.push(new IntervalTrigger(config.everySeconds));
    return new TriggerSet(rules);
  }

  evaluate(state: PublicationState): Trigger | undefined {
    for (const rule of this.rules) {
      const t = rule.check(state);
      if (t) return t;
    }
    return undefined;
  }
}
