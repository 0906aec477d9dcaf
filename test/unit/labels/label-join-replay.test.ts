import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LabelJoin, type FeatureRecord, type JoinOutput, type LabelJoinOptions, type LabelJoinState, type LabelRecord } from '../../../src/labels/index.js';

/**
 * Exactly-once and determinism of the join under crash and replay. A stream: unique feature ids over several
 * partitions, 0 to 2 labels per id (before, within or after the window), labels with no feature, skipped offsets;
 * labels of an id on one partition; timestamps non-decreasing per partition. Each partition ends with a sentinel
 * stamped far ahead, so every real record expires from record timestamps (never from the idle clock).
 */
const MAX_DELAY = 100;
const END = 1_000_000;
const options: LabelJoinOptions = {
  featureTopic: 'f',
  labelTopic: 'l',
  maxDelayMs: MAX_DELAY,
  onMissing: 'default',
  defaultLabel: 0,
  maxPending: 100_000,
  idleGraceMs: 1000,
};

type Rec = { side: 'features'; r: FeatureRecord } | { side: 'labels'; r: LabelRecord };

interface Stream {
  readonly queues: Rec[][];
  readonly features: FeatureRecord[];
  readonly labels: LabelRecord[];
  readonly fp: number;
  readonly lp: number;
}

const streamArb = fc
  .record({
    fp: fc.integer({ min: 1, max: 3 }),
    lp: fc.integer({ min: 1, max: 3 }),
    items: fc.array(
      fc.record({
        ts: fc.integer({ min: 0, max: 2000 }),
        partition: fc.nat(),
        labels: fc.array(fc.integer({ min: -150, max: 300 }), { maxLength: 2 }),
        hasFeature: fc.integer({ min: 0, max: 4 }).map((n) => n > 0),
      }),
      { maxLength: 40 },
    ),
    gaps: fc.array(fc.boolean(), { minLength: 100, maxLength: 100 }),
  })
  .map(({ fp, lp, items, gaps }): Stream => {
    const fParts: { id: string; ts: number }[][] = Array.from({ length: fp }, () => []);
    const lParts: { id: string; ts: number; value: number }[][] = Array.from({ length: lp }, () => []);
    items.forEach((it, i) => {
      const id = `id${i}`;
      if (it.hasFeature) fParts[it.partition % fp]?.push({ id, ts: it.ts });
      it.labels.forEach((d, k) => lParts[i % lp]?.push({ id, ts: it.ts + d, value: k + 1 }));
    });
    let g = 0;
    const features: FeatureRecord[] = [];
    const labels: LabelRecord[] = [];
    const queues: Rec[][] = [];
    fParts.forEach((list, p) => {
      let offset = 0;
      const q: Rec[] = [];
      for (const x of [...list.sort((a, b) => a.ts - b.ts), { id: `end-f${p}`, ts: END }]) {
        const r: FeatureRecord = { id: x.id, timestamp: x.ts, partition: p, offset: String(offset), row: Float32Array.of(offset) };
        q.push({ side: 'features', r });
        if (!x.id.startsWith('end')) features.push(r);
        offset += gaps[g++ % gaps.length] ? 2 : 1;
      }
      queues.push(q);
    });
    lParts.forEach((list, p) => {
      let offset = 0;
      const q: Rec[] = [];
      for (const x of [...list.sort((a, b) => a.ts - b.ts), { id: `end-l${p}`, ts: END, value: 0 }]) {
        const r: LabelRecord = { id: x.id, timestamp: x.ts, partition: p, offset: String(offset), label: x.value };
        q.push({ side: 'labels', r });
        if (!x.id.startsWith('end')) labels.push(r);
        offset += gaps[g++ % gaps.length] ? 2 : 1;
      }
      queues.push(q);
    });
    return { queues, features, labels, fp, lp };
  });

/** One delivery order: each step picks one of the partitions that still have records. */
function interleave(queues: readonly Rec[][], choices: readonly number[]): Rec[] {
  const rest = queues.map((q) => [...q]);
  const out: Rec[] = [];
  let c = 0;
  for (;;) {
    const open = rest.filter((q) => q.length > 0);
    if (open.length === 0) return out;
    const q = open[(choices[c++ % Math.max(1, choices.length)] ?? 0) % open.length] as Rec[];
    out.push(q.shift() as Rec);
  }
}

function newJoin(s: Stream, clock: { now: number }): LabelJoin {
  const join = new LabelJoin(options, () => clock.now);
  join.assign('features', [...Array(s.fp).keys()]);
  join.assign('labels', [...Array(s.lp).keys()]);
  return join;
}

/**
 * Delivers records in order, taking outputs where `takes` says. With `idle`, each step also moves the clock on
 * and reports one label partition caught up or not, so that the idle clock forces some expiries.
 */
function feed(
  join: LabelJoin,
  s: Stream,
  recs: readonly Rec[],
  takes: readonly boolean[],
  idle: readonly boolean[] | undefined,
  clock: { now: number },
  stop = recs.length,
  onStep?: (i: number, taken: readonly JoinOutput[]) => void,
): JoinOutput[] {
  const outputs: JoinOutput[] = [];
  for (let i = 0; i < stop; i++) {
    const rec = recs[i] as Rec;
    if (rec.side === 'features') join.addFeature(rec.r);
    else join.addLabel(rec.r);
    if (idle) {
      clock.now += 60;
      join.setCaughtUp('labels', i % s.lp, idle[i % idle.length] ?? false);
    }
    if (takes[i % takes.length]) outputs.push(join.take());
    onStep?.(i, outputs);
  }
  return outputs;
}

/** Feature `partition:offset` -> what happened to it: the label's coordinates, or the default and why. */
function outcomes(outputs: readonly JoinOutput[]): [string, string][] {
  return outputs.flatMap((o) =>
    o.examples.map((e): [string, string] => [
      `${e.feature.partition}:${e.feature.offset}`,
      e.labelFrom ? `label ${e.labelFrom.partition}:${e.labelFrom.offset}` : `default ${e.defaulted}`,
    ]),
  );
}

/** What the rules say, from the records alone: the first label of the id in partition order within the window. */
function oracle(s: Stream): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of s.features) {
    const l = s.labels.find((l) => l.id === f.id && Math.abs(l.timestamp - f.timestamp) <= MAX_DELAY);
    out.set(`${f.partition}:${f.offset}`, l ? `label ${l.partition}:${l.offset}` : 'default watermark');
  }
  return out;
}

interface Case {
  readonly s: Stream;
  readonly first: number[];
  readonly second: number[];
  readonly takes: boolean[];
  readonly checkpointAt: number;
  readonly crashAt: number;
}

const caseArb = fc.record({
  s: streamArb,
  first: fc.array(fc.nat(), { minLength: 1, maxLength: 300 }),
  second: fc.array(fc.nat(), { minLength: 1, maxLength: 300 }),
  takes: fc.array(fc.boolean(), { minLength: 1, maxLength: 50 }),
  checkpointAt: fc.double({ min: 0, max: 1, noNaN: true }),
  crashAt: fc.double({ min: 0, max: 1, noNaN: true }),
});

/**
 * Run 1 delivers in one interleaving, takes its state at a checkpoint (effects taken before it are committed;
 * decisions not taken yet may wait in the join) and crashes later (what it took after the checkpoint is lost).
 * Run 2 restores the state and re-reads each partition from its resume offset in another interleaving.
 */
function crashAndReplay(c: Case, idle?: readonly boolean[]): { committed: JoinOutput[]; replayed: JoinOutput[]; run2: LabelJoin } {
  const { s } = c;
  const order = interleave(s.queues, c.first);
  const checkpoint = Math.floor(c.checkpointAt * order.length);
  const crash = checkpoint + Math.floor(c.crashAt * (order.length - checkpoint));
  const clock1 = { now: 0 };
  const run1 = newJoin(s, clock1);
  let state: LabelJoinState | undefined;
  let committed: JoinOutput[] = [];
  feed(run1, s, order, c.takes, idle, clock1, crash, (i, taken) => {
    if (i === checkpoint - 1) {
      state = JSON.parse(JSON.stringify(run1.state())) as LabelJoinState;
      committed = [...taken];
    }
  });
  const clock2 = { now: clock1.now };
  const run2 = newJoin(s, clock2);
  if (state) run2.restore(state);
  const from = { features: run2.resumeOffsets('features'), labels: run2.resumeOffsets('labels') };
  const queues = s.queues.map((q) => q.filter((rec) => BigInt(rec.r.offset) >= BigInt(from[rec.side].get(rec.r.partition) ?? '0')));
  const replayed = feed(run2, s, interleave(queues, c.second), c.takes, idle, clock2);
  replayed.push(run2.take());
  return { committed, replayed, run2 };
}

describe('LabelJoin under crash and replay', () => {
  it('gives every record its effect exactly once, the same as a run without a crash, whatever the interleavings', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { s } = c;
        const refClock = { now: 0 };
        const ref = newJoin(s, refClock);
        const refOut = feed(ref, s, interleave(s.queues, c.first), [false], undefined, refClock);
        refOut.push(ref.take());
        const expected = oracle(s);
        expect(new Map(outcomes(refOut))).toEqual(expected);

        const { committed, replayed, run2 } = crashAndReplay(c);
        const all = outcomes([...committed, ...replayed]);
        expect(all.length).toBe(s.features.length);
        expect(new Map(all)).toEqual(expected);
        const labelsUsed = all.filter(([, o]) => o.startsWith('label')).map(([, o]) => o);
        expect(new Set(labelsUsed).size).toBe(labelsUsed.length);

        const n = run2.counts;
        expect(n.joined + n.late + n.duplicates + n.orphaned).toBe(s.labels.length);
        expect(n.joined + n.defaulted).toBe(s.features.length);
        expect(n.joined).toBe(ref.counts.joined);
        expect(n.defaulted).toBe(ref.counts.defaulted);
        expect(n.evicted).toBe(0);
        expect(run2.state().delays).toEqual(ref.state().delays);
        expect(run2.pending).toEqual({ features: s.fp, labels: s.lp, decided: 0 });
      }),
      { numRuns: 300 },
    );
  });

  it('with the idle clock forcing expiries: still exactly once, and the same outcome for every record it did not force', () => {
    fc.assert(
      fc.property(caseArb, fc.array(fc.boolean(), { minLength: 1, maxLength: 20 }), (c, idle) => {
        const { s } = c;
        const { committed, replayed, run2 } = crashAndReplay(c, idle);
        const all = outcomes([...committed, ...replayed]);
        expect(all.length).toBe(s.features.length);
        expect(new Set(all.map(([f]) => f)).size).toBe(all.length);
        const expected = oracle(s);
        for (const [f, o] of all) if (o !== 'default idle' && !expected.get(f)?.startsWith('label')) expect(o).toBe(expected.get(f));
        for (const [f, o] of all) if (o.startsWith('label')) expect(o).toBe(expected.get(f));
        const n = run2.counts;
        expect(n.joined + n.late + n.duplicates + n.orphaned).toBe(s.labels.length);
      }),
      { numRuns: 200 },
    );
  });
});
