import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FolderStore } from '../../../src/checkpoints/index.js';
import type { Decision } from '../../../src/core/index.js';
import { createDashboard, LineageReader, type Dashboard, type Lineage } from '../../../src/dashboard/index.js';

const MODEL = 'm';
const bytes = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));

/** A manifest as the writer leaves it, with what the lineage reads. */
async function putVersion(store: FolderStore, version: string, parents: string[], reason: string, at: number): Promise<void> {
  await store.put(
    `${MODEL}/versions/${version}/manifest.json`,
    bytes({
      formatVersion: 1,
      model: MODEL,
      version,
      parents,
      createdAt: new Date(at).toISOString(),
      trigger: { reason, ...(reason === 'drift' ? { detail: 'adwin on error' } : {}) },
      samples: { total: at, sinceParent: 10 },
      offsets: [],
      metrics: { accuracy_window: 0.9, loss: 0.3 },
      drift: null,
      hashes: {},
      streamtrainVersion: 'test',
      backend: 'cpu',
      modelSpec: {},
    }),
  );
}

function decision(seq: number, type: Decision['type'], extra: Partial<Decision> = {}): Decision {
  return {
    model: MODEL,
    seq,
    type,
    at: new Date(1000 + seq).toISOString(),
    by: 'decider t',
    reason: `reason ${seq}`,
    arms: [],
    stats: {},
    startOffsets: [],
    ...extra,
  };
}
const putDecision = (store: FolderStore, d: Decision) => store.put(`${MODEL}/decisions/${String(d.seq).padStart(12, '0')}.json`, bytes(d));

let dir: string;
let store: FolderStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'st-dashboard-'));
  store = new FolderStore(dir);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('LineageReader', () => {
  it('reads versions with their parents and trigger, and no decisions when none exist', async () => {
    await putVersion(store, '1.0', [], 'initial', 1);
    await putVersion(store, '1.1', ['1.0'], 'drift', 2);
    await putVersion(store, '2.0', ['1.1', '1.0'], 'challenger', 3);
    const lineage = await new LineageReader(store).read(MODEL);
    expect(lineage.total).toBe(3);
    expect(lineage.decisions).toEqual([]);
    expect(lineage.unreadable).toBe(0);
    expect(lineage.versions.map((v) => [v.version, v.major, v.minor, v.parents, v.trigger])).toEqual([
      ['1.0', 1, 0, [], 'initial'],
      ['1.1', 1, 1, ['1.0'], 'drift'],
      ['2.0', 2, 0, ['1.1', '1.0'], 'challenger'],
    ]);
    expect(lineage.versions[1]).toMatchObject({ detail: 'adwin on error', samples: 2, metrics: { accuracy_window: 0.9 } });
    expect(lineage.versions[1]?.metrics).not.toHaveProperty('loss');
  });

  it('reads the decisions in seq order, skipping (and counting) one that is not a decision', async () => {
    await putVersion(store, '1.0', [], 'initial', 1);
    await putDecision(store, decision(2, 'promote', { version: '2.3', champion: 2 }));
    await putDecision(store, decision(1, 'start', { policy: 'canary', champion: 1, arms: [{ major: 2, share: 0.05 }] }));
    await store.put(`${MODEL}/decisions/000000000003.json`, new TextEncoder().encode('{"torn'));
    const lineage = await new LineageReader(store).read(MODEL);
    expect(lineage.decisions.map((d) => [d.seq, d.type, d.version])).toEqual([
      [1, 'start', undefined],
      [2, 'promote', '2.3'],
    ]);
    expect(lineage.decisions[0]?.arms).toEqual([{ major: 2, share: 0.05 }]);
    expect(lineage.unreadable).toBe(1);
  });

  it('returns the newest `limit` versions and reads only new objects on the next call', async () => {
    for (let minor = 0; minor < 5; minor++) await putVersion(store, `1.${minor}`, minor ? [`1.${minor - 1}`] : [], 'samples', minor + 1);
    const reader = new LineageReader(store, 3);
    expect((await reader.read(MODEL)).versions.map((v) => v.version)).toEqual(['1.2', '1.3', '1.4']);
    // A cached manifest is not read again: replacing it in the store does not change what the reader returns.
    await putVersion(store, '1.4', ['1.3'], 'guard', 5);
    await putVersion(store, '1.5', ['1.4'], 'interval', 6);
    const next = await reader.read(MODEL);
    expect(next.total).toBe(6);
    expect(next.versions.map((v) => `${v.version}:${v.trigger}`)).toEqual(['1.3:samples', '1.4:samples', '1.5:interval']);
  });
});

describe('createDashboard over HTTP', () => {
  let server: Server;
  let dashboard: Dashboard;
  let url: string;
  let status: Record<string, unknown>;

  beforeEach(async () => {
    status = { model: MODEL, version: '1.1', samplesTotal: 100, metrics: { accuracy_window: 0.75 }, decisions: [] };
    dashboard = createDashboard({ title: 'test <model>', status: () => status, store, sampleEveryMs: 20, historyLength: 50 });
    server = createServer((req, res) => {
      if (!dashboard.handle(req, res)) res.writeHead(404, { 'x-from': 'host' }).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    dashboard.stop();
    await new Promise((resolve) => server.close(resolve));
  });

  it('serves the page with its title escaped, its scripts and uPlot, and leaves other URLs to the host', async () => {
    const redirect = await fetch(`${url}/dashboard`, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(new URL(redirect.headers.get('location') ?? '', `${url}/dashboard`).pathname).toBe('/dashboard/');
    const page = await fetch(`${url}/dashboard/`);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('<title>test &#60;model&#62;</title>');
    expect(html).toContain('src="app.js"');
    for (const name of ['app.js', 'charts.js', 'lineage.js', 'format.js', 'app.css', 'vendor/uplot.js', 'vendor/uplot.css']) {
      const res = await fetch(`${url}/dashboard/${name}`);
      expect(res.status, name).toBe(200);
      expect((await res.text()).length, name).toBeGreaterThan(100);
    }
    expect((await fetch(`${url}/dashboard/vendor/uplot.js`)).headers.get('content-type')).toContain('javascript');
    expect((await fetch(`${url}/dashboard/nope.js`)).status).toBe(404);
    const other = await fetch(`${url}/status`);
    expect([other.status, other.headers.get('x-from')]).toEqual([404, 'host']);
    expect((await fetch(`${url}/dashboard/api/status`, { method: 'POST' })).status).toBe(405);
  });

  it('numbers each status it serves and charts the sampled history', async () => {
    const a = (await (await fetch(`${url}/dashboard/api/status`)).json()) as { seq: number; status: unknown };
    status = { ...status, samplesTotal: 300, decisions: [{ at: new Date().toISOString(), event: 'detector', detail: 'adwin' }] };
    const b = (await (await fetch(`${url}/dashboard/api/status`)).json()) as { seq: number; status: { samplesTotal: number } };
    expect(b.seq).toBe(a.seq + 1);
    expect(b.status.samplesTotal).toBe(300);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const history = (await (await fetch(`${url}/dashboard/api/history`)).json()) as {
      t: number[];
      series: Record<string, (number | null)[]>;
      marks: { kind: string; label: string }[];
    };
    expect(history.t.length).toBeGreaterThan(2);
    expect(history.series.samplesTotal?.[0]).toBe(100);
    expect(history.series.samplesTotal?.at(-1)).toBe(300);
    expect(history.series['metrics.accuracy_window']?.at(-1)).toBe(0.75);
    expect(Math.max(...(history.series.samplesPerSecond ?? []).map(Number))).toBeGreaterThan(0);
    expect(history.marks.map((m) => [m.kind, m.label])).toEqual([['drift', 'detector']]);
    const later = (await (await fetch(`${url}/dashboard/api/history?since=${history.t.at(-1)}`)).json()) as { t: number[] };
    expect(later.t.every((t) => t > (history.t.at(-1) ?? 0))).toBe(true);
  });

  it('serves the lineage of the model the status names', async () => {
    await putVersion(store, '1.0', [], 'initial', 1);
    await putVersion(store, '1.1', ['1.0'], 'samples', 2);
    await putDecision(store, decision(1, 'baseline', { version: '1.0', champion: 1 }));
    const lineage = (await (await fetch(`${url}/dashboard/api/lineage`)).json()) as Lineage;
    expect(lineage.model).toBe(MODEL);
    expect(lineage.versions.map((v) => v.version)).toEqual(['1.0', '1.1']);
    expect(lineage.decisions.map((d) => d.type)).toEqual(['baseline']);
  });
});

describe('createDashboard without a store', () => {
  it('serves an empty lineage', async () => {
    const dashboard = createDashboard({ title: 't', status: () => ({ model: 'x' }) });
    const server = createServer((req, res) => void dashboard.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/dashboard/api/lineage`);
      expect(await res.json()).toEqual({ model: 'x', total: 0, versions: [], decisions: [], unreadable: 0 });
    } finally {
      dashboard.stop();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
