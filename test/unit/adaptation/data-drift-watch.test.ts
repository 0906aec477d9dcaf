import { describe, expect, it } from 'vitest';
import { inputColumns, parseConfig, type FeatureSpec } from '../../../src/core/index.js';
import { DataDriftWatch } from '../../../src/adaptation/index.js';

const FEATURES: FeatureSpec[] = [
  { field: 'a', type: 'numeric' },
  { field: 'b', type: 'numeric' },
  { field: 'c', type: 'categorical', encoding: 'one-hot', values: ['x', 'y'] },
];

function dataConfig(extra: Record<string, unknown> = {}) {
  return parseConfig(
    {
      model: { name: 'm' },
      kafka: { topics: ['t'] },
      input: { features: FEATURES, label: { field: 'y' } },
      drift: { data: { inputs: true, predictions: true, referenceSize: 400, windowSize: 200, ...extra } },
    },
    { env: {} },
  ).drift.data;
}

/** A batch of 100 rows (a, b, c=x, c=y) and scores; `shift` moves `a` or `b` by 3 standard deviations. */
function batch(seed: number, shift?: 'a' | 'b') {
  let s = seed >>> 0;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const normal = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const features = new Float32Array(400);
  const scores = new Float32Array(100);
  for (let i = 0; i < 100; i++) {
    const hot = rnd() < 0.5 ? 0 : 1;
    features.set([normal() + (shift === 'a' ? 3 : 0), normal() + (shift === 'b' ? 3 : 0), 1 - hot, hot], i * 4);
    scores[i] = rnd();
  }
  return { features, scores };
}

/** Feeds batches 0..n-1 (the shift from batch `from` on); returns the signals. */
function feed(watch: DataDriftWatch, n: number, shift?: 'a' | 'b', from = 4, start = 0) {
  const out = [];
  for (let k = start; k < n; k++) {
    const b = batch(k + 1, k >= from ? shift : undefined);
    const signal = watch.update(b.features, 100, b.scores);
    if (signal) out.push({ batch: k, ...signal });
  }
  return out;
}

describe('DataDriftWatch', () => {
  it('names input positions after their fields: numeric, one-hot, vector, hashed', () => {
    const specs: FeatureSpec[] = [...FEATURES, { field: 'v', type: 'vector', size: 2 }, { field: 'h', type: 'categorical', encoding: 'hash', buckets: 2 }];
    expect(inputColumns(specs).map((c) => c.name)).toEqual(['a', 'b', 'c=x', 'c=y', 'v[0]', 'v[1]', 'h#0', 'h#1']);
    expect(inputColumns(specs).map((c) => c.field)).toEqual(['a', 'b', 'c', 'c', 'v', 'v', 'h', 'h']);
  });

  it('reports a shifted input under its field name, with every watched column scored', () => {
    const signals = feed(new DataDriftWatch(dataConfig(), inputColumns(FEATURES)), 12, 'b');
    expect(signals.length).toBeGreaterThan(0);
    const first = signals[0] as (typeof signals)[number];
    expect(first.signal).toBe('input');
    expect(first.batch).toBeGreaterThanOrEqual(4);
    expect(first.scores.b_psi).toBeGreaterThan(0.25);
    expect(first.scores.a_psi).toBeLessThan(0.25);
    expect(Object.keys(first.scores)).toEqual(expect.arrayContaining(['a_psi', 'a_ks', 'b_psi', 'b_ks', 'c=x_psi', 'c=y_ks']));
    // Nothing fires on the same stream without the shift.
    expect(feed(new DataDriftWatch(dataConfig(), inputColumns(FEATURES)), 12)).toEqual([]);
  });

  it('watches only the fields in drift.data.features', () => {
    const columns = inputColumns(FEATURES);
    expect(feed(new DataDriftWatch(dataConfig({ features: ['a'] }), columns), 12, 'b')).toEqual([]);
    const signals = feed(new DataDriftWatch(dataConfig({ features: ['a'] }), columns), 12, 'a');
    expect(signals.length).toBeGreaterThan(0);
    expect(Object.keys(signals[0]?.scores ?? {}).sort()).toEqual(['a_ks', 'a_psi', 'score', 'window']);
  });

  it('resumes a checkpointed monitor only when it watched what the config asks for', () => {
    const columns = inputColumns(FEATURES);
    const reference = feed(new DataDriftWatch(dataConfig({ features: ['a', 'b'] }), columns), 14, 'b', 9);
    expect(reference.length).toBeGreaterThan(0);
    const first = new DataDriftWatch(dataConfig({ features: ['a', 'b'] }), columns);
    feed(first, 7, 'b', 9);
    const state = JSON.parse(JSON.stringify(first.state())) as ReturnType<DataDriftWatch['state']>;

    const same = new DataDriftWatch(dataConfig({ features: ['a', 'b'] }), columns);
    expect(same.restore(state)).toEqual([]);
    expect(feed(same, 14, 'b', 9, 7)).toEqual(reference);

    // Another set of fields: the input monitor starts over (its reference fills again), the prediction one resumes.
    const other = new DataDriftWatch(dataConfig({ features: ['b'] }), columns);
    expect(other.restore(state)).toEqual(['inputs']);
    expect(other.state().inputs?.reference).toBeNull();
    expect(other.state().predictions?.reference).not.toBeNull();

    // A state that does not read back (a damaged checkpoint) starts that monitor fresh instead of failing the start.
    const damaged = { ...state, predictions: { ...state.predictions, ignored: 'x' } } as unknown as typeof state;
    const third = new DataDriftWatch(dataConfig({ features: ['a', 'b'] }), columns);
    expect(third.restore(damaged)).toEqual(['predictions']);
    expect(third.state().inputs?.reference).not.toBeNull();
  });
});
