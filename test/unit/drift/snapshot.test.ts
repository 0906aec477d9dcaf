import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { createDetector, DETECTOR_KINDS, restoreDetector, type DetectorKind, type DetectorSnapshot, type DriftDetector } from '../../../src/drift/index.js';
import { bernoulliStream, gaussianStream } from './streams.js';

const CUSTOM: Record<DetectorKind, Record<string, unknown>> = {
  adwin: { delta: 0.05, clock: 1, maxBuckets: 3 },
  ddm: { warmStart: 100, warningThreshold: 1.5, driftThreshold: 2.5 },
  eddm: { warmStart: 50, alpha: 0.9, beta: 0.8 },
  'hddm-a': { twoSidedTest: true },
  'hddm-w': { lambda: 0.1, twoSidedTest: true },
  'page-hinkley': { threshold: 10, mode: 'up' },
  kswin: { alpha: 0.01, windowSize: 60, statSize: 20, seed: 9 },
};

function streamFor(kind: DetectorKind): number[] {
  if (kind === 'page-hinkley' || kind === 'kswin' || kind === 'adwin') return gaussianStream(4, 3000, 1500, 0, 1.5, 0.5);
  return bernoulliStream(4, 3000, 1500, 0.15, 0.55);
}

/** JSON round trip, as a checkpoint does. */
function viaJson(snapshot: DetectorSnapshot): unknown {
  return JSON.parse(JSON.stringify(snapshot));
}

function statuses(d: DriftDetector, values: readonly number[]): string {
  return values
    .map((x) => {
      const s = d.update(x);
      return `${+s.drift}${+s.warning}`;
    })
    .join('');
}

describe('snapshot mid-stream, restore, same tail: identical outputs', () => {
  for (const kind of DETECTOR_KINDS) {
    for (const [name, params] of [
      ['default', kind === 'kswin' ? { seed: 5 } : {}],
      ['custom', CUSTOM[kind]],
    ] as const) {
      it(`${kind} (${name} params)`, () => {
        const values = streamFor(kind);
        const probe = createDetector(kind, params);
        const drifts: number[] = [];
        values.forEach((x, i) => {
          if (probe.update(x).drift) drifts.push(i);
        });
        // Cut points: early (warm-up), mid-stream, right on a drift (its reset still pending), just after it.
        const cuts = [10, 700, ...drifts.slice(0, 2).flatMap((i) => [i + 1, i + 2]), 2999];
        for (const cut of cuts) {
          const original = createDetector(kind, params);
          for (const x of values.slice(0, cut)) original.update(x);
          original.update(NaN);
          const restored = restoreDetector(viaJson(original.snapshot()));
          expect(restored.kind).toBe(kind);
          expect(restored.samples).toBe(original.samples);
          expect(restored.ignored).toBe(1);
          expect([restored.drift, restored.warning]).toEqual([original.drift, original.warning]);
          const tail = values.slice(cut);
          expect(statuses(restored, tail)).toBe(statuses(original, tail));
          expect(JSON.stringify(restored.snapshot())).toBe(JSON.stringify(original.snapshot()));
        }
      });
    }
  }

  it('snapshots are plain JSON, with ±Infinity written as strings', () => {
    const snap = createDetector('ddm').snapshot();
    expect(snap).toEqual(viaJson(snap));
    expect(snap.state.psMin).toBe('Infinity');
    const w = createDetector('hddm-w').snapshot();
    expect([w.state.increaseCut, w.state.decreaseCut]).toEqual(['Infinity', '-Infinity']);
  });

  it('a KSWIN without a seed records the one it picked, so its restored copy samples the same', () => {
    const a = createDetector('kswin');
    const values = gaussianStream(8, 400, 200, 0, 1);
    for (const x of values.slice(0, 150)) a.update(x);
    const b = restoreDetector(viaJson(a.snapshot()));
    expect(statuses(b, values.slice(150))).toBe(statuses(a, values.slice(150)));
  });
});

describe('restoreDetector checks the snapshot', () => {
  const good = (): DetectorSnapshot => {
    const d = createDetector('adwin');
    for (const x of bernoulliStream(1, 200, 200, 0.3, 0.3)) d.update(x);
    return viaJson(d.snapshot()) as DetectorSnapshot;
  };
  type Snap = { kind: string; params: Record<string, unknown>; state: Record<string, unknown> & { window: Record<string, unknown> } };
  const cases: [string, (s: Snap) => unknown, RegExp][] = [
    ['not an object', () => 42, /`snapshot` to be a detector snapshot object/],
    ['unknown kind', (s) => ({ ...s, kind: 'cusum' }), /`snapshot.kind` to be one of/],
    ['bad params', (s) => ({ ...s, params: { ...s.params, delta: 5 } }), /`delta` to be a number in \(0, 1\), got `5`/],
    ['unknown param', (s) => ({ ...s, params: { ...s.params, foo: 1 } }), /got `foo`/],
    ['missing state field', (s) => ({ ...s, state: { ...s.state, samples: undefined } }), /`snapshot.state.samples` to be a number/],
    ['NaN in state', (s) => ({ ...s, state: { ...s.state, window: { ...s.state.window, total: 'NaN' } } }), /`snapshot.state.window.total` to be a number/],
    [
      'inconsistent width',
      (s) => ({ ...s, state: { ...s.state, window: { ...s.state.window, width: 7 } } }),
      /`snapshot.state.window.width` to equal the values summarised/,
    ],
  ];
  it.each(cases)('%s', (_, mutate, message) => {
    const snap = () => mutate(good() as unknown as Snap);
    expect(() => restoreDetector(snap())).toThrow(ConfigError);
    expect(() => restoreDetector(snap())).toThrow(message);
  });

  it('KSWIN generator words are checked', () => {
    const s = viaJson(createDetector('kswin', { seed: 1 }).snapshot()) as { state: { rng: { words: number[] } } };
    s.state.rng.words = s.state.rng.words.slice(1);
    expect(() => restoreDetector(s)).toThrow(/`snapshot.state.rng.words` to be an array of 624 numbers/);
  });
});
