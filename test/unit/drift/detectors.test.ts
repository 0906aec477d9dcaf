import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import {
  AdwinDetector,
  createDetector,
  DdmDetector,
  DETECTOR_KINDS,
  EddmDetector,
  HddmADetector,
  HddmWDetector,
  KswinDetector,
  PageHinkleyDetector,
  type DetectorKind,
  type DriftDetector,
} from '../../../src/drift/index.js';
import { bernoulliStream, gaussianStream, riverDocStreams, trace } from './streams.js';

const CHANGE = 2000;

/** One seeded stream with a change at index 2000 per detector, and how soon after it the drift must come. */
const CHANGE_POINT_CASES: { kind: DetectorKind; params: Record<string, unknown>; stream: number[]; bound: number; first: number }[] = [
  { kind: 'adwin', params: {}, stream: bernoulliStream(1, 4000, CHANGE, 0.2, 0.6), bound: 100, first: 2047 },
  { kind: 'ddm', params: {}, stream: bernoulliStream(1, 4000, CHANGE, 0.2, 0.6), bound: 300, first: 2053 },
  { kind: 'eddm', params: { alpha: 0.8, beta: 0.7 }, stream: bernoulliStream(1, 4000, CHANGE, 0.05, 0.5), bound: 300, first: 2181 },
  { kind: 'hddm-a', params: {}, stream: bernoulliStream(1, 4000, CHANGE, 0.2, 0.6), bound: 100, first: 2052 },
  { kind: 'hddm-w', params: {}, stream: bernoulliStream(1, 4000, CHANGE, 0.2, 0.6), bound: 100, first: 2016 },
  { kind: 'page-hinkley', params: {}, stream: gaussianStream(1, 4000, CHANGE, 0, 1, 0.2), bound: 100, first: 2035 },
  { kind: 'kswin', params: { alpha: 1e-5, seed: 1 }, stream: gaussianStream(1, 4000, CHANGE, 0, 3), bound: 50, first: 2020 },
];

describe('each detector finds a known change point: after it, not before, within a bound', () => {
  for (const c of CHANGE_POINT_CASES) {
    it(`${c.kind} fires within ${c.bound} values after index ${CHANGE}`, () => {
      const { drifts } = trace(createDetector(c.kind, c.params), c.stream);
      expect(drifts.filter((i) => i < CHANGE)).toEqual([]);
      expect(drifts[0]).toBe(c.first);
      expect(drifts[0]).toBeLessThanOrEqual(CHANGE + c.bound);
    });
  }
});

describe("the seeded examples in the TSDoc (River docstring streams) give River's indices", () => {
  const { twoLevels, errorRateUp } = riverDocStreams();
  const firstWarning = (warnings: number[]) => warnings[0];

  it('AdwinDetector: drift at 1023', () => {
    expect(trace(new AdwinDetector(), twoLevels).drifts).toEqual([1023]);
  });
  it('PageHinkleyDetector: drift at 1006', () => {
    expect(trace(new PageHinkleyDetector(), twoLevels).drifts).toEqual([1006]);
  });
  it('KswinDetector (alpha 0.0001, seed 42): drift at 1016', () => {
    expect(trace(new KswinDetector({ alpha: 0.0001, seed: 42 }), twoLevels).drifts).toEqual([1016]);
  });
  it('DdmDetector: warning at 1084, drift at 1334', () => {
    const t = trace(new DdmDetector(), errorRateUp);
    expect(firstWarning(t.warnings)).toBe(1084);
    expect(t.drifts).toEqual([1334]);
  });
  it('EddmDetector (alpha 0.8, beta 0.75): warning at 1059, drift at 1278', () => {
    const t = trace(new EddmDetector({ alpha: 0.8, beta: 0.75 }), errorRateUp);
    expect(firstWarning(t.warnings)).toBe(1059);
    expect(t.drifts).toEqual([1278]);
  });
  it('HddmADetector: warning at 451, drift at 1206', () => {
    const t = trace(new HddmADetector(), errorRateUp);
    expect(firstWarning(t.warnings)).toBe(451);
    expect(t.drifts).toEqual([1206]);
  });
  it('HddmWDetector: warning at 451, drift at 1077', () => {
    const t = trace(new HddmWDetector(), errorRateUp);
    expect(firstWarning(t.warnings)).toBe(451);
    expect(t.drifts).toEqual([1077]);
  });
});

describe('common semantics', () => {
  const make = (kind: DetectorKind): DriftDetector => createDetector(kind, kind === 'kswin' ? { seed: 3 } : {});

  it.each(DETECTOR_KINDS)('%s: reports a drift once, resets on the next update, counts samples since the reset', (kind) => {
    const d = make(kind);
    const stream = kind === 'kswin' || kind === 'page-hinkley' ? gaussianStream(1, 4000, CHANGE, 0, 3, 0.3) : bernoulliStream(1, 4000, CHANGE, 0.05, 0.9);
    let at = -1;
    for (let i = 0; i < stream.length && at < 0; i++) if (d.update(stream[i] as number).drift) at = i;
    expect(at).toBeGreaterThanOrEqual(0);
    expect(d.drift).toBe(true);
    expect(d.samples).toBe(at + 1);
    const next = d.update(stream[at + 1] as number);
    expect(next.drift).toBe(false);
    expect(d.samples).toBe(1);
  });

  it.each(DETECTOR_KINDS)('%s: ignores non-finite values, counts them, keeps its state', (kind) => {
    const d = make(kind);
    const values = bernoulliStream(5, 300, 300, 0.3, 0.3);
    for (const x of values) d.update(x);
    const before = JSON.stringify(d.snapshot().state);
    for (const bad of [NaN, Infinity, -Infinity]) expect(d.update(bad)).toEqual({ drift: false, warning: d.warning });
    expect(d.ignored).toBe(3);
    expect(d.samples).toBe(300);
    const after = d.snapshot().state;
    expect(JSON.stringify({ ...after, ignored: 0 })).toBe(JSON.stringify({ ...JSON.parse(before), ignored: 0 }));
  });

  it.each(DETECTOR_KINDS)('%s: reset() gives the state of a new detector', (kind) => {
    const d = make(kind);
    for (const x of gaussianStream(2, 500, 250, 0, 1)) d.update(Math.abs(x) > 1 ? 1 : 0);
    d.update(NaN);
    d.reset();
    expect(d.snapshot()).toEqual(make(kind).snapshot());
  });

  it('binary detectors clamp values outside [0, 1]; real-valued ones clamp to ±1e100', () => {
    const a = new DdmDetector();
    const b = new DdmDetector();
    for (const x of [5, -3, 1e300, 0.5]) a.update(x);
    for (const x of [1, 0, 1, 0.5]) b.update(x);
    expect(a.snapshot().state).toEqual(b.snapshot().state);
    const p = new PageHinkleyDetector();
    const q = new PageHinkleyDetector();
    p.update(1e300);
    q.update(1e100);
    expect(p.snapshot().state).toEqual(q.snapshot().state);
  });

  it('ADWIN exposes its window; KSWIN its last test', () => {
    const adwin = new AdwinDetector();
    for (let i = 0; i < 50; i++) adwin.update(i % 2);
    expect(adwin.width).toBe(50);
    expect(adwin.estimation).toBeCloseTo(0.5, 12);
    const kswin = new KswinDetector({ seed: 1 });
    expect(kswin.pValue).toBe(1);
    for (const x of gaussianStream(1, 120, 200, 0, 0)) kswin.update(x);
    expect(kswin.pValue).toBeGreaterThan(0);
    expect(kswin.statistic).toBeGreaterThan(0);
  });
});

describe('parameters are checked in the constructor', () => {
  const bad: [DetectorKind, Record<string, unknown>, RegExp][] = [
    ['adwin', { delta: 2 }, /^Expected `delta` to be a number in \(0, 1\), got `2`$/],
    ['adwin', { clock: 0 }, /^Expected `clock` to be an integer >= 1, got `0`$/],
    ['adwin', { minWindowLength: 0 }, /`minWindowLength` to be an integer >= 1/],
    ['adwin', { gracePeriod: 1.5 }, /`gracePeriod` to be an integer >= 0, got `1.5`/],
    ['adwin', { delta: '0.1' }, /`delta` to be a number in \(0, 1\), got `"0.1"`/],
    ['adwin', { detla: 0.1 }, /parameters of adwin to be among .*got `detla`/],
    ['ddm', { warmStart: -1 }, /`warmStart` to be an integer >= 0/],
    ['ddm', { warningThreshold: 0 }, /`warningThreshold` to be a number > 0/],
    ['ddm', { warningThreshold: 3, driftThreshold: 2 }, /`driftThreshold` to be a number >= 3, got `2`/],
    ['eddm', { alpha: 0.8, beta: 0.9 }, /`beta` to be a number <= `alpha` \(0.8\), got `0.9`/],
    ['eddm', { alpha: 1.5 }, /`alpha` to be a number in \(0, 1\]/],
    ['hddm-a', { driftConfidence: 0 }, /`driftConfidence` to be a number in \(0, 1\), got `0`/],
    ['hddm-a', { twoSidedTest: 'yes' }, /`twoSidedTest` to be a boolean/],
    ['hddm-w', { lambda: 0 }, /`lambda` to be a number in \(0, 1\]/],
    ['hddm-w', { warningConfidence: NaN }, /`warningConfidence` to be a number in \(0, 1\), got `NaN`/],
    ['page-hinkley', { mode: 'sideways' }, /`mode` to be one of 'up', 'down', 'both', got `"sideways"`/],
    ['page-hinkley', { threshold: 0 }, /`threshold` to be a number > 0/],
    ['page-hinkley', { alpha: 1.1 }, /`alpha` to be a number in \(0, 1\]/],
    ['kswin', { statSize: 60 }, /`statSize` to be an integer <= `windowSize` \/ 2 \(50\), got `60`/],
    ['kswin', { alpha: 1 }, /`alpha` to be a number in \(0, 1\)/],
    ['kswin', { seed: -1 }, /`seed` to be an integer in \[0, /],
  ];
  it.each(bad)('%s %j', (kind, params, message) => {
    let error: unknown;
    try {
      createDetector(kind, params);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(message);
    expect((error as ConfigError).retriable).toBe(false);
  });

  it('unknown kinds are rejected', () => {
    expect(() => createDetector('cusum', {})).toThrow(/Expected `kind` to be one of 'adwin', 'ddm', .*got `"cusum"`/);
  });

  it("defaults are River's and parameters are exposed read-only", () => {
    const a = new AdwinDetector();
    expect([a.delta, a.clock, a.maxBuckets, a.minWindowLength, a.gracePeriod]).toEqual([0.002, 32, 5, 5, 10]);
    const d = new DdmDetector();
    expect([d.warmStart, d.warningThreshold, d.driftThreshold]).toEqual([30, 2, 3]);
    const e = new EddmDetector();
    expect([e.warmStart, e.alpha, e.beta]).toEqual([30, 0.95, 0.9]);
    const ha = new HddmADetector();
    expect([ha.driftConfidence, ha.warningConfidence, ha.twoSidedTest]).toEqual([0.001, 0.005, false]);
    const hw = new HddmWDetector();
    expect([hw.driftConfidence, hw.warningConfidence, hw.lambda, hw.twoSidedTest]).toEqual([0.001, 0.005, 0.05, false]);
    const ph = new PageHinkleyDetector();
    expect([ph.minInstances, ph.delta, ph.threshold, ph.alpha, ph.mode]).toEqual([30, 0.005, 50, 1 - 0.0001, 'both']);
    const k = new KswinDetector();
    expect([k.alpha, k.windowSize, k.statSize]).toEqual([0.005, 100, 30]);
    expect(Number.isSafeInteger(k.seed)).toBe(true);
  });
});
