import { describe, expect, it } from 'vitest';
import {
  LabelJoin,
  OffsetTracker,
  stateExcluding,
  undone,
  type FeatureRecord,
  type JoinedExample,
  type LabelJoinOptions,
  type LabelRecord,
} from '../../../src/labels/index.js';

const options: LabelJoinOptions = {
  featureTopic: 'served',
  labelTopic: 'outcomes',
  maxDelayMs: 100,
  onMissing: 'default',
  defaultLabel: 0,
  maxPending: 10_000,
  idleGraceMs: 0,
  reportLate: true,
};

type Item = { side: 'features'; r: FeatureRecord } | { side: 'labels'; r: LabelRecord };

/** The next offset of a partition, as a string. */
function bump(next: number[], p: number): string {
  const o = next[p] ?? 0;
  next[p] = o + 1;
  return String(o);
}

/** A seeded stream on two partitions of each topic: labels on time, late, missing, duplicated. */
function stream(seed: number, n: number): Item[] {
  let s = seed >>> 0;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const items: Item[] = [];
  const next: Record<'f' | 'l', number[]> = { f: [0, 0], l: [0, 0] };
  for (let i = 0; i < n; i++) {
    const fp = i % 2;
    const ts = i * 10;
    items.push({ side: 'features', r: { id: `id${i}`, timestamp: ts, partition: fp, offset: bump(next.f, fp), row: Float32Array.of(i) } });
    const u = rnd();
    if (u < 0.2) continue;
    const delay = u < 0.3 ? 150 + Math.floor(rnd() * 50) : Math.floor(rnd() * 90);
    const copies = u > 0.95 ? 2 : 1;
    for (let c = 0; c < copies; c++) {
      const lp = Math.floor(rnd() * 2);
      items.push({ side: 'labels', r: { id: `id${i}`, timestamp: ts + delay, partition: lp, offset: bump(next.l, lp), label: 1 } });
    }
  }
  // Labels ordered by timestamp per partition, interleaved with the features by timestamp.
  return items.sort((a, b) => a.r.timestamp - b.r.timestamp || (a.side === b.side ? Number(a.r.offset) - Number(b.r.offset) : a.side === 'features' ? -1 : 1));
}

function run(join: LabelJoin, items: readonly Item[], from?: { features: Map<number, string>; labels: Map<number, string> }): JoinedExample[] {
  const out: JoinedExample[] = [];
  for (const it of items) {
    const at = from?.[it.side].get(it.r.partition);
    if (at !== undefined && BigInt(it.r.offset) < BigInt(at)) continue;
    if (it.side === 'features') join.addFeature(it.r);
    else join.addLabel(it.r);
    out.push(...join.take().examples);
  }
  for (const side of ['features', 'labels'] as const) for (const p of [0, 1]) join.setCaughtUp(side, p, true);
  out.push(...join.take().examples);
  return out;
}

function newJoin(): LabelJoin {
  const join = new LabelJoin(options, () => 1e12);
  join.assign('features', [0, 1]);
  join.assign('labels', [0, 1]);
  return join;
}

const key = (e: JoinedExample) => `${e.feature.partition}:${e.feature.offset}:${e.label}`;

describe('stateExcluding', () => {
  it('undone reopens offsets below and inside the done ranges', () => {
    const t = new OffsetTracker();
    for (let o = 0n; o < 10n; o++) t.receive(o);
    for (const o of [0n, 1n, 2n, 4n, 5n, 6n, 8n]) t.markDone(o);
    expect(t.state()).toEqual({
      resume: '3',
      done: [
        ['4', '7'],
        ['8', '9'],
      ],
    });
    expect(undone(t.state()!, [1n, 5n])).toEqual({
      resume: '1',
      done: [
        ['2', '3'],
        ['4', '5'],
        ['6', '7'],
        ['8', '9'],
      ],
    });
    expect(undone(t.state()!, [4n])).toEqual({
      resume: '3',
      done: [
        ['5', '7'],
        ['8', '9'],
      ],
    });
    expect(undone(t.state()!, [8n, 6n])).toEqual({ resume: '3', done: [['4', '6']] });
    expect(undone(t.state()!, [])).toEqual(t.state());
  });

  for (const seed of [1, 7, 42, 2026]) {
    it(`a restore from the state without the unlearned examples gives exactly those examples again (seed ${seed})`, () => {
      const items = stream(seed, 300);
      const first = newJoin();
      const all = run(first, items);
      expect(all.length).toBe(300);
      for (const cut of [0, 1, 57, 150, 299, 300]) {
        const learned = all.slice(0, cut);
        const pending = all.slice(cut);
        const state = stateExcluding(first.state(), pending);
        expect(state.counters.joined + state.counters.defaulted).toBe(cut);
        const second = newJoin();
        second.restore(state);
        const from = { features: second.resumeOffsets('features'), labels: second.resumeOffsets('labels') };
        const again = run(second, items, from);
        expect(again.map(key).sort()).toEqual(pending.map(key).sort());
        expect(new Set([...learned, ...again].map((e) => `${e.feature.partition}:${e.feature.offset}`)).size).toBe(300);
        const { counters } = second.state();
        expect(counters.joined).toBe(first.counts.joined);
        expect(counters.defaulted).toBe(first.counts.defaulted);
        expect(second.delays().count).toBe(first.delays().count);
      }
    });
  }
});
