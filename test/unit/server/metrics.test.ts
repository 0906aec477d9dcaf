import { register } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/core/index.js';
import type { ServiceStatus } from '../../../src/pipeline/index.js';
import { ServiceMetrics, startHttpServer } from '../../../src/server/index.js';
import { parsePrometheusText, sampleValue } from '../../support/prometheus-text.js';

const logger = createLogger({ level: 'silent' });

function statusOf(over: Partial<ServiceStatus> = {}): ServiceStatus {
  return {
    model: 'm',
    samplesTotal: 1200,
    samplesSinceVersion: 200,
    metrics: { accuracy: 0.9, accuracy_window: 0.95, auc: NaN },
    buffered: 42,
    paused: true,
    pauses: 3,
    deadLettered: { undecodable: 2, 'wrong-type': 1 },
    batches: 12,
    running: true,
    decisions: [],
    ...over,
  };
}

describe('ServiceMetrics', () => {
  it('reports the status under the names and labels /metrics had before prom-client, with the same sample lines', async () => {
    const text = await new ServiceMetrics({ model: 'm', status: () => statusOf() }).text();
    // What the hand-written exposition printed for this status, line for line.
    const before = [
      'streamtrain_samples_total{model="m"} 1200',
      'streamtrain_batches_total{model="m"} 12',
      'streamtrain_buffered_records{model="m"} 42',
      'streamtrain_consumer_paused{model="m"} 1',
      'streamtrain_consumer_pauses_total{model="m"} 3',
      'streamtrain_dead_letter_total{model="m",reason="undecodable"} 2',
      'streamtrain_dead_letter_total{model="m",reason="wrong-type"} 1',
      'streamtrain_metric{model="m",name="accuracy"} 0.9',
      'streamtrain_metric{model="m",name="accuracy_window"} 0.95',
    ];
    const lines = text.split('\n');
    for (const line of before) expect(lines).toContain(line);
    const families = parsePrometheusText(text);
    expect(families.get('streamtrain_samples_total')?.type).toBe('counter');
    expect(families.get('streamtrain_consumer_paused')?.type).toBe('gauge');
    expect(families.get('streamtrain_dead_letter_total')?.type).toBe('counter');
    // A non-finite metric is left out, as before.
    expect(families.get('streamtrain_metric')?.samples.map((s) => s.labels.name)).toEqual(['accuracy', 'accuracy_window']);
  });

  it('reads the status at every scrape: values follow it, label values that went away go away', async () => {
    let status = statusOf();
    const metrics = new ServiceMetrics({ model: 'm', status: () => status, processMetrics: false });
    await metrics.text();
    status = statusOf({ samplesTotal: 5000, batches: 50, paused: false, deadLettered: { undecodable: 4 }, metrics: { accuracy: 0.5 } });
    const families = parsePrometheusText(await metrics.text());
    expect(sampleValue(families, 'streamtrain_samples_total', { model: 'm' })).toBe(5000);
    expect(sampleValue(families, 'streamtrain_batches_total')).toBe(50);
    expect(sampleValue(families, 'streamtrain_consumer_paused')).toBe(0);
    expect(families.get('streamtrain_dead_letter_total')?.samples).toEqual([
      { name: 'streamtrain_dead_letter_total', labels: { model: 'm', reason: 'undecodable' }, value: 4 },
    ]);
    expect(families.get('streamtrain_metric')?.samples.map((s) => s.labels.name)).toEqual(['accuracy']);
  });

  it('reports the label join with input.labels, and nothing of it without', async () => {
    const labels = {
      featureTopic: 'served',
      labelTopic: 'outcomes',
      counts: { joined: 90, defaulted: 8, dropped: 0, evicted: 1, late: 3, duplicates: 0, orphaned: 2 },
      joinRate: 90 / 98,
      delayMs: { count: 90, p50: 800, p99: 1600 },
      pending: { features: 5, labels: 2, decided: 0 },
      skipped: 7,
      paused: null,
    };
    const families = parsePrometheusText(await new ServiceMetrics({ model: 'm', status: () => statusOf({ labels }), processMetrics: false }).text());
    expect(sampleValue(families, 'streamtrain_labels_total', { model: 'm', outcome: 'joined' })).toBe(90);
    expect(sampleValue(families, 'streamtrain_labels_total', { model: 'm', outcome: 'orphaned' })).toBe(2);
    expect(sampleValue(families, 'streamtrain_labels_join_rate')).toBeCloseTo(90 / 98, 9);
    expect(sampleValue(families, 'streamtrain_labels_delay_ms', { model: 'm', quantile: 'p99' })).toBe(1600);
    expect(sampleValue(families, 'streamtrain_labels_pending', { model: 'm', side: 'features' })).toBe(5);
    expect(sampleValue(families, 'streamtrain_labels_skipped_total')).toBe(7);
    const without = parsePrometheusText(await new ServiceMetrics({ model: 'm', status: () => statusOf(), processMetrics: false }).text());
    expect(without.get('streamtrain_labels_total')?.samples ?? []).toEqual([]);
    expect(without.get('streamtrain_labels_join_rate')?.samples ?? []).toEqual([]);
  });

  it('reports the version as major and minor, and counts drift decisions by event', async () => {
    let status = statusOf({ version: '3.14' });
    const metrics = new ServiceMetrics({ model: 'm', status: () => status, processMetrics: false });
    let families = parsePrometheusText(await metrics.text());
    expect(sampleValue(families, 'streamtrain_version_major', { model: 'm' })).toBe(3);
    expect(sampleValue(families, 'streamtrain_version_minor', { model: 'm' })).toBe(14);
    expect(sampleValue(families, 'streamtrain_drift_decisions_total', { model: 'm', event: 'drift' })).toBe(0);
    ['drift', 'challenger-started', 'drift'].forEach((e) => metrics.driftDecision(e));
    status = statusOf();
    families = parsePrometheusText(await metrics.text());
    expect(sampleValue(families, 'streamtrain_drift_decisions_total', { model: 'm', event: 'drift' })).toBe(2);
    expect(sampleValue(families, 'streamtrain_drift_decisions_total', { model: 'm', event: 'challenger-started' })).toBe(1);
    // Without a version (a new model before its first checkpoint) there is no version series.
    expect(families.get('streamtrain_version_major')?.samples ?? []).toEqual([]);
  });

  it('histograms count what the pipeline reports, in the right buckets, and start at zero', async () => {
    const metrics = new ServiceMetrics({ model: 'm', status: () => statusOf(), processMetrics: false });
    let families = parsePrometheusText(await metrics.text());
    for (const name of ['streamtrain_step_seconds', 'streamtrain_checkpoint_write_seconds', 'streamtrain_publication_freshness_seconds']) {
      expect(families.get(name)?.type).toBe('histogram');
      expect(sampleValue(families, `${name}_count`, { model: 'm' })).toBe(0);
    }
    [0.0002, 0.003, 0.003].forEach((s) => metrics.batchLearned(s));
    metrics.checkpointWritten(0.02);
    metrics.versionPublished(1.5);
    metrics.versionPublished(45);
    families = parsePrometheusText(await metrics.text());
    expect(sampleValue(families, 'streamtrain_step_seconds_count')).toBe(3);
    expect(sampleValue(families, 'streamtrain_step_seconds_sum')).toBeCloseTo(0.0062, 10);
    expect(sampleValue(families, 'streamtrain_step_seconds_bucket', { le: '0.00025' })).toBe(1);
    expect(sampleValue(families, 'streamtrain_step_seconds_bucket', { le: '0.0025' })).toBe(1);
    expect(sampleValue(families, 'streamtrain_step_seconds_bucket', { le: '0.005' })).toBe(3);
    expect(sampleValue(families, 'streamtrain_checkpoint_write_seconds_count')).toBe(1);
    expect(sampleValue(families, 'streamtrain_checkpoint_write_seconds_bucket', { le: '0.01' })).toBe(0);
    expect(sampleValue(families, 'streamtrain_checkpoint_write_seconds_bucket', { le: '0.025' })).toBe(1);
    expect(sampleValue(families, 'streamtrain_publication_freshness_seconds_count')).toBe(2);
    expect(sampleValue(families, 'streamtrain_publication_freshness_seconds_sum')).toBe(46.5);
    expect(sampleValue(families, 'streamtrain_publication_freshness_seconds_bucket', { le: '2.5' })).toBe(1);
    expect(sampleValue(families, 'streamtrain_publication_freshness_seconds_bucket', { le: '60' })).toBe(2);
  });

  it('has the process metrics in a registry of its own: two services in one process do not clash', async () => {
    const a = new ServiceMetrics({ model: 'a', status: () => statusOf({ model: 'a' }) });
    const b = new ServiceMetrics({ model: 'b', status: () => statusOf({ model: 'b', samplesTotal: 7 }) });
    a.batchLearned(0.01);
    const [fa, fb] = [parsePrometheusText(await a.text()), parsePrometheusText(await b.text())];
    for (const f of [fa, fb]) {
      expect(f.get('process_cpu_user_seconds_total')?.type).toBe('counter');
      expect(sampleValue(f, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    }
    expect(sampleValue(fa, 'streamtrain_step_seconds_count', { model: 'a' })).toBe(1);
    expect(sampleValue(fb, 'streamtrain_step_seconds_count', { model: 'b' })).toBe(0);
    expect(sampleValue(fb, 'streamtrain_samples_total', { model: 'b' })).toBe(7);
    // prom-client's global registry is left alone.
    expect(await register.getMetricsAsJSON()).toEqual([]);
  });
});

describe('startHttpServer /metrics', () => {
  const servers: { close: () => void }[] = [];
  afterEach(() => servers.splice(0).forEach((s) => s.close()));

  it("serves the registry's exposition with its content type, next to /healthz and /status", async () => {
    const status = () => statusOf();
    const metrics = new ServiceMetrics({ model: 'm', status });
    metrics.checkpointWritten(0.03);
    const { server, url } = await startHttpServer({ host: '127.0.0.1', port: 0, status, metrics, logger });
    servers.push(server);
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const families = parsePrometheusText(await res.text());
    expect(sampleValue(families, 'streamtrain_samples_total')).toBe(1200);
    expect(sampleValue(families, 'streamtrain_checkpoint_write_seconds_count')).toBe(1);
    expect(families.has('process_resident_memory_bytes')).toBe(true);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(((await (await fetch(`${url}/status`)).json()) as ServiceStatus).samplesTotal).toBe(1200);
  });
});
