import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { DataDriftMonitor, PythonRandom, type DataDriftReport } from '../../../src/drift/index.js';

/** Rows of three features: a ~ N(0,1), b ~ U(0,1), c in {0,1,2}; `shiftB` moves b's mean after row `from`. */
function rows(seed: number, count: number, shiftB = 0, from = 0): number[][] {
  const rng = new PythonRandom(seed);
  return Array.from({ length: count }, (_, i) => {
    const u = rng.random();
    const v = rng.random();
    const a = Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
    const b = rng.random() + (i >= from ? shiftB : 0);
    const c = Math.floor(rng.random() * 3);
    return [a, b, c];
  });
}

function feed(monitor: DataDriftMonitor, data: readonly number[][]): DataDriftReport[] {
  const reports: DataDriftReport[] = [];
  for (const r of data) {
    const report = monitor.update(r);
    if (report) reports.push(report);
  }
  return reports;
}

const OPTIONS = { features: ['a', 'b', 'c'], referenceSize: 1000, windowSize: 500, bins: 10, psiThreshold: 0.25, ksAlpha: 0.001 };

describe('DataDriftMonitor', () => {
  it('reports once per window after the reference, with no drift on a stationary stream', () => {
    const m = new DataDriftMonitor(OPTIONS);
    const data = rows(1, 3000);
    const first = feed(m, data.slice(0, 1000));
    expect(first).toEqual([]);
    expect(m.ready).toBe(true);
    const reports = feed(m, data.slice(1000));
    expect(reports.map((r) => r.window)).toEqual([1, 2, 3, 4]);
    for (const r of reports) {
      expect(r.drift).toBe(false);
      expect(r.score).toBeLessThan(0.1);
      for (const f of Object.values(r.features)) expect(f.pValue).toBeGreaterThan(0.001);
    }
  });

  it('flags the shifted feature only, by PSI and KS', () => {
    const m = new DataDriftMonitor(OPTIONS);
    const reports = feed(m, rows(2, 2500, 0.5, 1500));
    expect(reports[0]?.drift).toBe(false);
    const shifted = reports[reports.length - 1] as DataDriftReport;
    expect(shifted.drift).toBe(true);
    expect(shifted.features.b?.drift).toBe(true);
    expect(shifted.features.b?.psi).toBeGreaterThan(0.25);
    expect(shifted.features.b?.ks).toBeGreaterThan(0.3);
    expect(shifted.features.b?.pValue).toBeLessThan(1e-10);
    expect(shifted.features.a?.drift).toBe(false);
    expect(shifted.features.c?.drift).toBe(false);
    expect(shifted.score).toBe(shifted.features.b?.psi);
  });

  it('serves the prediction stream as one feature, from Float32Array vectors', () => {
    const m = new DataDriftMonitor({ features: ['prediction'], referenceSize: 200, windowSize: 100 });
    const rng = new PythonRandom(3);
    const out: DataDriftReport[] = [];
    for (let i = 0; i < 500; i++) {
      const r = m.update(new Float32Array([rng.random() * (i < 300 ? 0.5 : 1)]));
      if (r) out.push(r);
    }
    expect(out.map((r) => r.drift)).toEqual([false, true, true]);
  });

  it('skips and counts non-finite entries per feature', () => {
    const m = new DataDriftMonitor({ ...OPTIONS, referenceSize: 10, windowSize: 5 });
    for (const r of rows(4, 10)) m.update(r);
    m.update([NaN, 0.5, 1]);
    m.update([Infinity, NaN, 1]);
    expect(m.ignored).toEqual([2, 1, 0]);
  });

  it('its snapshots hold edges and counts, never a raw value, and restore continues exactly', () => {
    const data = rows(5, 4200, 0.3, 3000);
    const m = new DataDriftMonitor(OPTIONS);
    feed(m, data.slice(0, 1700));
    const json = JSON.stringify(m.snapshot());
    for (const r of data.slice(0, 1700)) for (const x of r.slice(0, 2)) expect(json.includes(String(x))).toBe(false);
    const restored = DataDriftMonitor.restore(JSON.parse(json));
    expect(JSON.stringify(restored.snapshot())).toBe(json);
    expect(feed(restored, data.slice(1700))).toEqual(feed(m, data.slice(1700)));
  });

  it('a snapshot taken while the reference fills holds no values; the restored monitor fills it anew', () => {
    const m = new DataDriftMonitor(OPTIONS);
    feed(m, rows(6, 400));
    const snap = m.snapshot();
    expect(snap.reference).toBeNull();
    expect(JSON.stringify(snap).length).toBeLessThan(400);
    const restored = DataDriftMonitor.restore(JSON.parse(JSON.stringify(snap)));
    expect(restored.ready).toBe(false);
    feed(restored, rows(7, 999));
    expect(restored.ready).toBe(false);
    restored.update([0, 0, 0]);
    expect(restored.ready).toBe(true);
  });

  it('checks its options, its input and the snapshots it restores', () => {
    const expectConfigError = (fn: () => unknown, message: RegExp) => {
      expect(fn).toThrow(ConfigError);
      expect(fn).toThrow(message);
    };
    expectConfigError(() => new DataDriftMonitor({ features: [] }), /`features` to be a non-empty array of names/);
    expectConfigError(() => new DataDriftMonitor({ features: ['x', 'x'] }), /distinct names/);
    expectConfigError(() => new DataDriftMonitor({ features: ['x'], windowSize: 0 }), /^Expected `windowSize` to be an integer >= 1, got `0`$/);
    expectConfigError(() => new DataDriftMonitor({ features: ['x'], bins: 1 }), /`bins` to be an integer in \[2, 1000\], got `1`/);
    expectConfigError(() => new DataDriftMonitor({ features: ['x'], ksAlpha: 1 }), /`ksAlpha` to be a number in \(0, 1\), got `1`/);
    expectConfigError(() => new DataDriftMonitor({ features: ['x'], psiThreshold: -1 }), /`psiThreshold` to be a number > 0/);
    expectConfigError(() => new DataDriftMonitor({ features: ['x', 'y'] }).update([1]), /a vector of 2 values, got 1/);
    const m = new DataDriftMonitor({ ...OPTIONS, referenceSize: 20, windowSize: 10 });
    feed(m, rows(8, 25));
    const snap = JSON.parse(JSON.stringify(m.snapshot()));
    expectConfigError(() => DataDriftMonitor.restore({ ...snap, windowRows: 10 }), /`snapshot.windowRows` to be an integer in \[0, 9\]/);
    expectConfigError(() => DataDriftMonitor.restore({ ...snap, current: snap.current.slice(1) }), /`snapshot.current` to hold 3 sketches/);
    expectConfigError(() => DataDriftMonitor.restore({ ...snap, params: { ...snap.params, bins: 0 } }), /`bins`/);
  });
});
