import { describe, expect, it } from 'vitest';
import { JoinFeed } from '../../../bench/quality/labels/join-feed.js';
import { ImmediateFeed, runServed, servedClasses, type ServingModel } from '../../../bench/quality/labels/replay.js';
import { labelArrivals, labelSchedule, labelTime, scheduleCounts } from '../../../bench/quality/labels/schedule.js';
import type { QualityStream } from '../../../bench/quality/streams.js';
import type { LabelJoinOptions } from '../../../src/labels/index.js';

/** A stream whose record i has the single feature i and the label `label(i)`. */
function stream(n: number, label: (i: number) => number = () => 1): QualityStream {
  const features = Float32Array.from({ length: n }, (_, i) => i);
  const labels = Float32Array.from({ length: n }, (_, i) => label(i));
  return { name: 'test', width: 1, size: n, features, labels, driftPoints: [] };
}

/** Remembers every learned example; serves, for a record it learned, that label, and class 0 otherwise. */
function memorizer(): ServingModel & { learned: [number, number][]; batches: number[][] } {
  const known = new Map<number, number>();
  const learned: [number, number][] = [];
  const batches: number[][] = [];
  return {
    learned,
    batches,
    predict: (raw) => Float32Array.from(raw, (x) => known.get(x) ?? 0),
    learn: async (b) => {
      const rows: number[] = [];
      for (let r = 0; r < b.size; r++) {
        known.set(b.features[r] as number, b.labels[r] as number);
        learned.push([b.features[r] as number, b.labels[r] as number]);
        rows.push(b.features[r] as number);
      }
      batches.push(rows);
    },
  };
}

const options = (maxDelayMs: number, onMissing: 'default' | 'drop' = 'default'): LabelJoinOptions => ({
  featureTopic: 'f',
  labelTopic: 'l',
  maxDelayMs,
  onMissing,
  defaultLabel: 0,
  maxPending: 100_000,
  idleGraceMs: 60_000,
});

describe('labelSchedule', () => {
  it('is seeded: the same seed gives the same delays and missing set, another seed others', () => {
    const a = labelSchedule(5000, { meanDelayMs: 100_000, missingShare: 0.1, seed: 7 });
    const b = labelSchedule(5000, { meanDelayMs: 100_000, missingShare: 0.1, seed: 7 });
    const c = labelSchedule(5000, { meanDelayMs: 100_000, missingShare: 0.1, seed: 8 });
    expect(Array.from(a.delayMs)).toEqual(Array.from(b.delayMs));
    expect(Array.from(a.delayMs)).not.toEqual(Array.from(c.delayMs));
  });

  it('draws exponential delays of the given mean and the given share of missing labels', () => {
    const s = labelSchedule(50_000, { meanDelayMs: 10_000, missingShare: 0.1, seed: 42 });
    const delays = Array.from(s.delayMs).filter((d) => d >= 0);
    const mean = delays.reduce((x, y) => x + y, 0) / delays.length;
    expect(mean).toBeGreaterThan(9_700);
    expect(mean).toBeLessThan(10_300);
    // Exp: P(d > 3 * mean) = e^-3.
    expect(delays.filter((d) => d > 30_000).length / delays.length).toBeCloseTo(Math.exp(-3), 2);
    expect(scheduleCounts(s, Infinity).missing / s.delayMs.length).toBeCloseTo(0.1, 2);
  });

  it('couples settings of one seed: the same missing labels, delays scaled by the mean', () => {
    const a = labelSchedule(2000, { meanDelayMs: 10_000, missingShare: 0.1, seed: 3 });
    const b = labelSchedule(2000, { meanDelayMs: 1_000_000, missingShare: 0.1, seed: 3 });
    for (let i = 0; i < 2000; i++) {
      const [x, y] = [a.delayMs[i] as number, b.delayMs[i] as number];
      expect(x < 0).toBe(y < 0);
      if (x >= 0) expect(Math.abs(y - 100 * x)).toBeLessThanOrEqual(50);
    }
  });

  it('orders label arrivals by event time, then record', () => {
    const s = labelSchedule(3000, { meanDelayMs: 50_000, missingShare: 0.2, seed: 1 });
    const order = Array.from(labelArrivals(s));
    expect(order.length).toBe(scheduleCounts(s, Infinity).labelled);
    for (let k = 1; k < order.length; k++) expect(labelTime(s, order[k - 1] as number)).toBeLessThanOrEqual(labelTime(s, order[k] as number));
  });
});

describe('runServed', () => {
  it('scores the prediction served when the features arrived, not one made after the label was learned', async () => {
    const s = stream(1000);
    const model = memorizer();
    const schedule = labelSchedule(s.size, { meanDelayMs: 20_000, missingShare: 0, seed: 5 });
    const r = await runServed(s, model, new JoinFeed(s, schedule, options(1e9)), 64);
    // Every label was learned in the end, each after its record was served (as class 0): all served wrong.
    expect(model.learned.length).toBe(1000);
    expect(r.accuracy).toBe(0);
    expect(Array.from(servedClasses(model.predict(s.features, s.size), s.size)).every((c) => c === 1)).toBe(true);
  });

  it('with labels of delay 0, learns through the join exactly what the immediate replay learns', async () => {
    const s = stream(1000, (i) => (i * 7919) % 3);
    const immediate = memorizer();
    const joined = memorizer();
    const zero = labelSchedule(s.size, { meanDelayMs: 0, missingShare: 0, seed: 1 });
    const a = await runServed(s, immediate, new ImmediateFeed(s), 100);
    const b = await runServed(s, joined, new JoinFeed(s, zero, options(0)), 100);
    expect(joined.batches).toEqual(immediate.batches);
    expect(joined.learned).toEqual(immediate.learned);
    expect(Array.from(b.errors)).toEqual(Array.from(a.errors));
  });

  it('learns a missing or later label as the default, or drops it, and counts the join', async () => {
    const s = stream(4000);
    const schedule = labelSchedule(s.size, { meanDelayMs: 30_000, missingShare: 0.1, seed: 9 });
    const { labelled, missing, later } = scheduleCounts(schedule, 60_000);
    expect(later).toBeGreaterThan(0);
    for (const onMissing of ['default', 'drop'] as const) {
      const model = memorizer();
      const feed = new JoinFeed(s, schedule, options(60_000, onMissing));
      await runServed(s, model, feed, 128);
      const rep = feed.report();
      expect(rep.counts.joined).toBe(labelled - later);
      expect(rep.counts.late).toBe(later);
      expect(rep.joinRate).toBeCloseTo((labelled - later) / s.size, 10);
      const defaults = model.learned.filter(([, y]) => y === 0).length;
      if (onMissing === 'default') {
        expect(rep.counts.defaulted).toBe(missing + later);
        expect(defaults).toBe(missing + later);
      } else {
        expect(rep.counts.dropped).toBe(missing + later);
        expect(defaults).toBe(0);
      }
    }
  });
});
