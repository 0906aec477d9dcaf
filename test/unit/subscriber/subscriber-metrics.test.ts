import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { subscriberMetrics, type SubscriberStatus } from '../../../src/subscriber/index.js';

/** A subscriber's status as a replica in a canary reports it. */
function status(over: Partial<SubscriberStatus> = {}): SubscriberStatus {
  return {
    model: 'churn',
    version: '3.2',
    versionCreatedAt: new Date(Date.now() - 90_000).toISOString(),
    loaded: ['3.2', '4.0'],
    loads: { loaded: 5, failed: 1, seconds: 0.75, lastSeconds: 0.125 },
    rollout: { policy: 'canary', decisionSeq: 7, champion: 3, rejected: [], pin: { version: '3.2', by: 'ops', reason: 'r', untilPromote: false } },
    requests: {
      served: 30,
      byVersion: { '3.2': 27, '4.0': 3 },
      fallbacks: 2,
      shadow: { '4.0': { predictions: 10, disagreements: 4, meanAbsDifference: 0.1 } },
      interleaved: 0,
    },
    predictionLog: { queued: 3, queuedBytes: 300, sent: 25, dropped: 1, failedSends: 0 },
    ...over,
  };
}

/** The value of one series in the exposition text, or undefined when it is absent. */
function valueOf(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('subscriberMetrics', () => {
  it("reads every series from the subscriber's status at each scrape, labelled with the model", async () => {
    let current = status();
    const registry = subscriberMetrics({ status: () => current });
    let text = await registry.metrics();
    expect(valueOf(text, 'streamtrain_subscriber_version_info{model="churn",version="3.2"}')).toBe(1);
    const age = valueOf(text, 'streamtrain_subscriber_version_age_seconds{model="churn"}') as number;
    expect(age).toBeGreaterThanOrEqual(90);
    expect(age).toBeLessThan(120);
    expect(valueOf(text, 'streamtrain_subscriber_loaded_versions{model="churn"}')).toBe(2);
    expect(valueOf(text, 'streamtrain_subscriber_version_loads_total{model="churn"}')).toBe(5);
    expect(valueOf(text, 'streamtrain_subscriber_version_load_failures_total{model="churn"}')).toBe(1);
    expect(valueOf(text, 'streamtrain_subscriber_version_load_seconds_total{model="churn"}')).toBe(0.75);
    expect(valueOf(text, 'streamtrain_subscriber_last_version_load_seconds{model="churn"}')).toBe(0.125);
    expect(valueOf(text, 'streamtrain_subscriber_requests_total{model="churn",version="4.0"}')).toBe(3);
    expect(valueOf(text, 'streamtrain_subscriber_fallbacks_total{model="churn"}')).toBe(2);
    expect(valueOf(text, 'streamtrain_subscriber_shadow_disagreements_total{model="churn",version="4.0"}')).toBe(4);
    expect(valueOf(text, 'streamtrain_subscriber_rollout_decision_seq{model="churn"}')).toBe(7);
    expect(valueOf(text, 'streamtrain_subscriber_rollout_pinned{model="churn"}')).toBe(1);
    expect(valueOf(text, 'streamtrain_subscriber_prediction_log_queued_bytes{model="churn"}')).toBe(300);
    expect(valueOf(text, 'streamtrain_subscriber_prediction_log_dropped_total{model="churn"}')).toBe(1);
    expect(text).toContain('# TYPE streamtrain_subscriber_requests_total counter');

    // The next scrape sees the new state: a new version, no pin, more requests; the old version's info series is gone.
    current = status({ version: '4.0', rollout: { policy: 'canary', decisionSeq: 8, champion: 4, rejected: [] } });
    text = await registry.metrics();
    expect(valueOf(text, 'streamtrain_subscriber_version_info{model="churn",version="4.0"}')).toBe(1);
    expect(valueOf(text, 'streamtrain_subscriber_version_info{model="churn",version="3.2"}')).toBeUndefined();
    expect(valueOf(text, 'streamtrain_subscriber_rollout_pinned{model="churn"}')).toBe(0);
  });

  it('leaves out what a subscriber does not have yet (no version, no rollout, no prediction log), and adds to a given registry', async () => {
    const registry = new Registry();
    const returned = subscriberMetrics(
      {
        status: () => ({
          model: 'm',
          loaded: [],
          loads: { loaded: 0, failed: 0, seconds: 0 },
          requests: { served: 0, byVersion: {}, fallbacks: 0, shadow: {}, interleaved: 0 },
        }),
      },
      { registry },
    );
    expect(returned).toBe(registry);
    const text = await registry.metrics();
    expect(text).not.toContain('streamtrain_subscriber_version_info{');
    expect(text).not.toContain('streamtrain_subscriber_version_age_seconds{');
    expect(text).not.toContain('streamtrain_subscriber_rollout_pinned{');
    expect(text).not.toContain('streamtrain_subscriber_prediction_log_queued{');
    expect(valueOf(text, 'streamtrain_subscriber_version_loads_total{model="m"}')).toBe(0);
  });
});
