import { describe, expect, it } from 'vitest';
import { MarkLog, SeriesHistory, samplesPerSecond, statusSeries } from '../../../src/dashboard/index.js';

describe('SeriesHistory', () => {
  it('keeps the newest `capacity` samples in order once the ring wraps', () => {
    const h = new SeriesHistory(3);
    for (let i = 1; i <= 5; i++) h.push(i * 1000, { n: i });
    expect(h.size).toBe(3);
    expect(h.columns()).toEqual({ t: [3000, 4000, 5000], series: { n: [3, 4, 5] } });
    expect(h.last()).toEqual({ t: 5000, values: { n: 5 } });
  });

  it('aligns names that come and go, with null where a sample lacks one', () => {
    const h = new SeriesHistory(10);
    h.push(1, { a: 1 });
    h.push(2, { a: 2, b: 20 });
    h.push(3, { b: 30 });
    expect(h.columns()).toEqual({ t: [1, 2, 3], series: { a: [1, 2, null], b: [null, 20, 30] } });
  });

  it('returns only the samples after `since`, across the wrap', () => {
    const h = new SeriesHistory(4);
    for (let i = 1; i <= 6; i++) h.push(i, { n: i * 10 });
    expect(h.columns(4)).toEqual({ t: [5, 6], series: { n: [50, 60] } });
    expect(h.columns(6)).toEqual({ t: [], series: {} });
  });

  it('holds at most capacity samples however many are pushed', () => {
    const h = new SeriesHistory(100);
    for (let i = 0; i < 10_000; i++) h.push(i, { n: i });
    const c = h.columns();
    expect(c.t.length).toBe(100);
    expect(c.t[0]).toBe(9900);
    expect(c.series.n?.[99]).toBe(9999);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new SeriesHistory(0)).toThrow(RangeError);
    expect(() => new SeriesHistory(1.5)).toThrow(RangeError);
  });
});

describe('statusSeries', () => {
  it("flattens a service status's numbers, booleans and records, and totals the dead letters", () => {
    const values = statusSeries({
      model: 'm',
      version: '1.2',
      samplesTotal: 500,
      metrics: { accuracy_window: 0.9, accuracy: Number.NaN },
      paused: true,
      pauses: 2,
      deadLettered: { undecodable: 3, nonFinite: 1 },
      decisions: [{ at: 'x', event: 'e', detail: '' }],
      labels: { joinRate: 0.5, pending: { features: 4, labels: 1 } },
    });
    expect(values).toEqual({
      samplesTotal: 500,
      'metrics.accuracy_window': 0.9,
      paused: 1,
      pauses: 2,
      deadLettered: 4,
      'labels.joinRate': 0.5,
      'labels.pending.features': 4,
      'labels.pending.labels': 1,
    });
  });

  it('gives each rollout arm its share, and nothing for a status that is not an object', () => {
    expect(statusSeries({ rollout: { policy: 'canary', champion: 1, arms: [{ major: 2, share: 0.25 }] } })).toEqual({
      'rollout.champion': 1,
      'rollout.share.2': 0.25,
    });
    expect(statusSeries(undefined)).toEqual({});
    expect(statusSeries([1, 2])).toEqual({});
  });
});

describe('samplesPerSecond', () => {
  it('is the increase of samplesTotal per second, undefined without a previous sample or after a restart', () => {
    expect(samplesPerSecond({ samplesTotal: 100 }, { samplesTotal: 400 }, 1500)).toBe(200);
    expect(samplesPerSecond(undefined, { samplesTotal: 400 }, 1000)).toBeUndefined();
    expect(samplesPerSecond({ samplesTotal: 400 }, { samplesTotal: 100 }, 1000)).toBeUndefined();
    expect(samplesPerSecond({ samplesTotal: 100 }, { samplesTotal: 100 }, 0)).toBeUndefined();
  });
});

describe('MarkLog', () => {
  const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();

  it('keeps each drift decision once, however many samples list it, oldest first', () => {
    const log = new MarkLog(10);
    const first = { at: at(5), event: 'detector', detail: 'adwin on error' };
    log.addDrift([first]);
    log.addDrift([first, { at: at(2), event: 'challenger-started', detail: '' }, { at: 'not a time', event: 'x', detail: '' }, null]);
    expect(log.after().map((m) => [m.t, m.label, m.kind])).toEqual([
      [Date.parse(at(2)), 'challenger-started', 'drift'],
      [Date.parse(at(5)), 'detector', 'drift'],
    ]);
    expect(log.after(Date.parse(at(2))).map((m) => m.label)).toEqual(['detector']);
  });

  it('drops the oldest marks beyond its capacity', () => {
    const log = new MarkLog(2);
    log.addDrift([1, 2, 3].map((s) => ({ at: at(s), event: `e${s}`, detail: '' })));
    expect(log.after().map((m) => m.label)).toEqual(['e2', 'e3']);
  });
});
