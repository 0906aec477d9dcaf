import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ServiceStatus } from '../../../src/pipeline/index.js';
import { ServiceMetrics } from '../../../src/server/index.js';

/** examples/grafana/streamtrain.json, checked against the metrics the service registers, so the two cannot drift. */
interface Target {
  expr?: string;
}
interface Panel {
  title: string;
  type: string;
  datasource?: { type: string; uid: string };
  targets?: Target[];
  panels?: Panel[];
}
const dashboard = JSON.parse(readFileSync(new URL('../../../examples/grafana/streamtrain.json', import.meta.url), 'utf8')) as {
  schemaVersion: number;
  panels: Panel[];
  annotations: { list: { expr?: string }[] };
  templating: { list: { name: string; type: string; query: unknown }[] };
};

const panels = (list: Panel[]): Panel[] => list.flatMap((p) => [p, ...panels(p.panels ?? [])]);
const allPanels = panels(dashboard.panels);
const exprs = [...allPanels.flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? '')), ...dashboard.annotations.list.map((a) => a.expr ?? '')].filter(Boolean);
/** Series names in PromQL: identifiers of our families and prom-client's process ones (functions and labels are not). */
const SERIES = /\b(?:streamtrain|process|nodejs)_[a-zA-Z0-9_]*/g;

const status: ServiceStatus = {
  model: 'm',
  version: '1.2',
  samplesTotal: 1,
  samplesSinceVersion: 0,
  metrics: { accuracy: 1 },
  buffered: 0,
  paused: false,
  pauses: 0,
  deadLettered: {},
  batches: 1,
  running: true,
  decisions: [],
};

async function registered(): Promise<Map<string, string>> {
  const families = await new ServiceMetrics({ model: 'm', status: () => status }).registry.getMetricsAsJSON();
  return new Map(families.map((f) => [f.name, String(f.type)]));
}

describe('the Grafana dashboard (examples/grafana/streamtrain.json)', () => {
  it('queries only series the service exports (histograms by _bucket, _sum, _count)', async () => {
    const families = await registered();
    const used = new Set(exprs.flatMap((e) => e.match(SERIES) ?? []));
    const unknown = [...used].filter((name) => {
      if (families.has(name)) return false;
      const base = name.replace(/_(bucket|sum|count)$/, '');
      return families.get(base) !== 'histogram';
    });
    expect(unknown).toEqual([]);
    // The panels the dashboard promises: throughput, quality, lag, pauses, checkpoints, drift, version.
    for (const name of [
      'streamtrain_samples_total',
      'streamtrain_metric',
      'streamtrain_buffered_records',
      'streamtrain_consumer_pauses_total',
      'streamtrain_consumer_paused',
      'streamtrain_checkpoint_write_seconds_bucket',
      'streamtrain_drift_decisions_total',
      'streamtrain_version_major',
      'streamtrain_version_minor',
    ])
      expect(used, name).toContain(name);
  });

  it('filters every streamtrain series by the model variable and reads the Prometheus datasource variable', () => {
    for (const e of exprs) for (const m of e.matchAll(/\bstreamtrain_[a-z0-9_]+(.{0,18})/g)) expect(m[1], e).toMatch(/^\{model=~"\$model"/);
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    const variable = dashboard.templating.list.find((v) => v.name === 'datasource');
    expect(variable).toMatchObject({ type: 'datasource', query: 'prometheus' });
    expect(dashboard.templating.list.map((v) => v.name)).toContain('model');
    for (const p of allPanels.filter((x) => x.type !== 'row')) expect(p.datasource, p.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
  });
});
