import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../src/core/index.js';
import { LabelJoin, labelJoinOptions, type FeatureRecord, type LabelJoinOptions, type LabelRecord } from '../../../src/labels/index.js';

const base: LabelJoinOptions = {
  featureTopic: 'served',
  labelTopic: 'outcomes',
  maxDelayMs: 100,
  onMissing: 'default',
  defaultLabel: 0,
  maxPending: 1000,
  idleGraceMs: 50,
  reportLate: true,
};

function feature(id: string, timestamp: number, offset: number, partition = 0): FeatureRecord {
  return { id, timestamp, partition, offset: String(offset), row: Float32Array.of(offset) };
}

function label(id: string, timestamp: number, offset: number, value = 1, partition = 0): LabelRecord {
  return { id, timestamp, partition, offset: String(offset), label: value };
}

function makeJoin(options: Partial<LabelJoinOptions> = {}, clock = { now: 0 }): LabelJoin {
  const join = new LabelJoin({ ...base, ...options }, () => clock.now);
  join.assign('features', [0]);
  join.assign('labels', [0]);
  return join;
}

describe('LabelJoin', () => {
  it('joins a label that follows its feature, with both coordinates and the delay', () => {
    const join = makeJoin();
    join.addFeature(feature('a', 1000, 0));
    join.addLabel(label('a', 1040, 7, 1));
    const out = join.take();
    expect(out.examples).toEqual([
      {
        row: Float32Array.of(0),
        label: 1,
        feature: { topic: 'served', partition: 0, offset: '0', timestamp: 1000 },
        labelFrom: { topic: 'outcomes', partition: 0, offset: '7', timestamp: 1040 },
      },
    ]);
    expect(join.counts.joined).toBe(1);
    expect(join.delays().count).toBe(1);
    expect(join.delays().p50).toBeCloseTo(40, -0.5);
  });

  it('passes what a prediction log says was served on with the example, joined or defaulted', () => {
    const clock = { now: 0 };
    const join = makeJoin({}, clock);
    const served = { version: '1.2', output: Float32Array.of(0.8) };
    join.addFeature({ ...feature('a', 1000, 0), served });
    join.addFeature({ ...feature('b', 1001, 1), served: { version: '1.3', output: Float32Array.of(0.1) } });
    join.addLabel(label('a', 1040, 0, 1));
    join.addLabel(label('z', 1300, 1, 1));
    const out = join.take();
    expect(out.examples.map((e) => [e.served?.version, e.label, e.defaulted])).toEqual([
      ['1.2', 1, undefined],
      ['1.3', 0, 'watermark'],
    ]);
  });

  it('joins a label that arrives before its feature', () => {
    const join = makeJoin();
    join.addLabel(label('a', 1010, 0, 1));
    expect(join.pending.labels).toBe(1);
    join.addFeature(feature('a', 1000, 0));
    expect(join.take().examples.map((e) => e.labelFrom?.offset)).toEqual(['0']);
    expect(join.pending).toEqual({ features: 0, labels: 0, decided: 0 });
  });

  it('defaults a feature once the labels watermark passes its deadline, and not before', () => {
    const join = makeJoin();
    join.addFeature(feature('a', 1000, 0));
    join.addLabel(label('other', 1100, 0));
    expect(join.take().examples).toEqual([]);
    join.addLabel(label('other2', 1101, 1));
    const out = join.take();
    expect(out.examples).toMatchObject([{ label: 0, defaulted: 'watermark', feature: { offset: '0' } }]);
    expect(join.counts.defaulted).toBe(1);
  });

  it('drops an unlabelled feature with onMissing: drop', () => {
    const join = makeJoin({ onMissing: 'drop' });
    join.addFeature(feature('a', 1000, 0));
    join.addLabel(label('x', 2000, 0));
    const out = join.take();
    expect(out.examples).toEqual([]);
    expect(out.dropped).toEqual([{ topic: 'served', partition: 0, offset: '0', timestamp: 1000 }]);
    expect(join.counts.dropped).toBe(1);
  });

  it('waits for the slowest label partition: the watermark is the minimum over partitions', () => {
    const join = makeJoin();
    join.assign('labels', [0, 1]);
    join.addFeature(feature('a', 1000, 0));
    join.addLabel(label('x', 5000, 0, 1, 0));
    expect(join.pending.features).toBe(1);
    join.addLabel(label('y', 1050, 0, 1, 1));
    expect(join.pending.features).toBe(1);
    join.addLabel(label('a', 1090, 1, 1, 1));
    expect(join.take().examples).toMatchObject([{ label: 1, labelFrom: { partition: 1, offset: '1' } }]);
  });

  it('moves expiry on with the idle clock when the label topic is caught up', () => {
    const clock = { now: 0 };
    const join = makeJoin({}, clock);
    join.addFeature(feature('a', 1000, 0));
    join.setCaughtUp('labels', 0, true);
    clock.now = 1140;
    join.advance();
    expect(join.pending.features).toBe(1);
    clock.now = 1151;
    join.advance();
    expect(join.take().examples).toMatchObject([{ label: 0, defaulted: 'idle' }]);
  });

  it('orphans a label whose feature does not come within the window of the features watermark', () => {
    const join = makeJoin();
    join.addLabel(label('a', 1000, 0));
    join.addFeature(feature('b', 1100, 0));
    expect(join.pending.labels).toBe(1);
    join.addFeature(feature('c', 1101, 1));
    join.take();
    expect(join.counts.orphaned).toBe(1);
    expect(join.pending.labels).toBe(0);
  });

  it('counts a label for an expired feature as late and reports it without the payload', () => {
    const join = makeJoin();
    join.addFeature(feature('a', 1000, 0));
    join.addLabel(label('x', 1200, 0));
    join.addLabel(label('a', 1201, 1, 1));
    const out = join.take();
    expect(out.examples).toMatchObject([{ defaulted: 'watermark' }]);
    expect(out.deadLetters).toEqual([{ topic: 'outcomes', partition: 0, offset: '1', timestamp: 1201, reason: 'late' }]);
    expect(join.counts.late).toBe(1);
  });

  it('counts a label outside the window of the waiting feature of its id as late', () => {
    const join = makeJoin({ reportLate: false });
    join.assign('labels', [0, 1]);
    join.addFeature(feature('a', 1000, 0));
    join.addLabel(label('a', 1101, 0, 1, 1));
    const out = join.take();
    expect(out.deadLetters).toEqual([]);
    expect(join.counts.late).toBe(1);
    expect(join.pending.features).toBe(1);
  });

  it('lets the first label win; a second label for the id is a duplicate', () => {
    const join = makeJoin();
    join.addFeature(feature('a', 1000, 0));
    join.addLabel(label('a', 1010, 0, 1));
    join.addLabel(label('a', 1020, 1, 0));
    const out = join.take();
    expect(out.examples.map((e) => e.label)).toEqual([1]);
    expect(join.counts.duplicates).toBe(1);
    // Both labels waiting when the feature comes: the first in arrival order wins, the other waits and is counted at expiry.
    const j2 = makeJoin();
    j2.addLabel(label('b', 1010, 0, 1));
    j2.addLabel(label('b', 1005, 1, 0));
    j2.addFeature(feature('b', 1000, 0));
    expect(j2.take().examples.map((e) => e.labelFrom?.offset)).toEqual(['0']);
    j2.addFeature(feature('z', 5000, 1));
    j2.take();
    expect(j2.counts.duplicates).toBe(1);
  });

  it('treats each feature record as its own example when an id repeats', () => {
    const join = makeJoin();
    join.addFeature(feature('a', 1000, 0));
    join.addFeature(feature('a', 1001, 1));
    join.addLabel(label('a', 1010, 0, 1));
    join.addLabel(label('x', 2000, 1));
    expect(join.take().examples.map((e) => [e.feature.offset, e.label, e.defaulted])).toEqual([
      ['0', 1, undefined],
      ['1', 0, 'watermark'],
    ]);
  });

  it('at maxPending expires the oldest record of the side holding more, and asks to pause that side', () => {
    const join = makeJoin({ maxPending: 3 });
    join.addFeature(feature('a', 1000, 0));
    join.addFeature(feature('b', 1001, 1));
    join.addLabel(label('z', 990, 0));
    expect(join.full).toBe(true);
    expect(join.pause).toBe('features');
    join.addFeature(feature('c', 1002, 2));
    expect(join.take().examples).toMatchObject([{ feature: { offset: '0' }, defaulted: 'full' }]);
    expect(join.counts.evicted).toBe(1);
    expect(join.pending).toMatchObject({ features: 2, labels: 1 });
    // Labels holding more: the oldest label goes, orphaned.
    const j2 = makeJoin({ maxPending: 2 });
    j2.addLabel(label('p', 1000, 0));
    j2.addLabel(label('q', 1001, 1));
    j2.addLabel(label('r', 1002, 2));
    j2.take();
    expect(j2.counts).toMatchObject({ orphaned: 1, evicted: 1 });
  });

  it('does not ask to pause when the other side is caught up: pausing cannot help, the oldest is expired instead', () => {
    const join = makeJoin({ maxPending: 2 });
    join.addFeature(feature('a', 1000, 0));
    join.addFeature(feature('b', 1001, 1));
    expect(join.pause).toBe('features');
    join.setCaughtUp('labels', 0, true);
    expect(join.full).toBe(true);
    expect(join.pause).toBeUndefined();
  });

  it('resumes a paused side once the waiting records fall to 90% of maxPending', () => {
    const join = makeJoin({ maxPending: 20 });
    for (let i = 0; i < 20; i++) join.addFeature(feature(`f${i}`, 1000 + i, i));
    expect(join.pause).toBe('features');
    join.addLabel(label('f0', 1001, 0));
    expect(join.pause).toBe('features');
    join.addLabel(label('f1', 1002, 1));
    expect(join.pause).toBeUndefined();
  });

  it('skips a replayed record already done after a restore, and joins again one that was pending', () => {
    const join = makeJoin();
    join.addFeature(feature('a', 1000, 0));
    join.addFeature(feature('b', 1001, 1));
    join.addLabel(label('a', 1010, 0));
    join.take();
    const state = JSON.parse(JSON.stringify(join.state()));
    expect(state.features).toEqual({ '0': { resume: '1', done: [] } });
    const again = makeJoin();
    again.restore(state);
    expect(again.resumeOffsets('features')).toEqual(new Map([[0, '1']]));
    expect(again.addFeature(feature('b', 1001, 1))).toBe(true);
    expect(again.addLabel(label('a', 1010, 0))).toBe(false);
    expect(again.skipped).toBe(1);
    again.addLabel(label('b', 1011, 1));
    expect(again.take().examples.map((e) => e.feature.offset)).toEqual(['1']);
    expect(again.counts.joined).toBe(2);
  });

  it('keeps no record content in its state', () => {
    const join = makeJoin();
    join.addFeature(feature('secret-id', 1000, 0));
    join.addLabel(label('secret-id', 1001, 0, 42));
    join.take();
    const text = JSON.stringify(join.state());
    expect(text).not.toContain('secret');
    expect(text).not.toContain('42');
  });

  it('checks its parameters', () => {
    expect(() => makeJoin({ maxPending: 0 })).toThrow(ConfigError);
    expect(() => makeJoin({ maxDelayMs: -1 })).toThrow(ConfigError);
  });
});

describe('LabelJoin offsets beyond 2^53', () => {
  it('joins, skips replayed records and resumes exactly at int64 offsets across 2^53', () => {
    const base53 = BigInt(Number.MAX_SAFE_INTEGER) - 2n;
    const at = (k: number) => (base53 + BigInt(k)).toString();
    const join = makeJoin();
    const f = (id: string, ts: number, k: number): FeatureRecord => ({ id, timestamp: ts, partition: 0, offset: at(k), row: Float32Array.of(k) });
    const l = (id: string, ts: number, k: number): LabelRecord => ({ id, timestamp: ts, partition: 0, offset: at(k), label: 1 });
    for (let k = 0; k < 6; k++) join.addFeature(f(`id${k}`, 1000 + k, k));
    // Labels for the features at 2^53 - 1 and 2^53 + 1; the others wait.
    join.addLabel(l('id1', 1010, 0));
    join.addLabel(l('id3', 1010, 1));
    expect(join.addFeature(f('id0', 1000, 0))).toBe(false);
    expect(join.take().examples.map((e) => e.feature.offset)).toEqual([at(1), at(3)]);
    const state = join.state();
    expect(state.features['0']).toEqual({
      resume: at(0),
      done: [
        [at(1), at(2)],
        [at(3), at(4)],
      ],
    });
    expect(state.labels['0']).toEqual({ resume: at(2), done: [] });
    const restored = makeJoin();
    restored.restore(JSON.parse(JSON.stringify(state)));
    expect(restored.resumeOffsets('features').get(0)).toBe(at(0));
    const again = [0, 1, 2, 3, 4, 5].map((k) => restored.addFeature(f(`id${k}`, 1000 + k, k)));
    expect(again).toEqual([true, false, true, false, true, true]);
    expect(restored.skipped).toBe(2);
  });
});

describe('labelJoinOptions', () => {
  it('maps the input.labels section onto the join', () => {
    const config = parseConfig(
      {
        model: { name: 'm' },
        kafka: { topics: ['served'] },
        input: {
          features: [{ field: 'a' }],
          label: { field: 'y' },
          labels: { topic: 'outcomes', idField: 'rid', labelField: 'clicked', maxDelayMs: 500, lateToDeadLetter: true },
        },
      },
      { env: {} },
    );
    const options = labelJoinOptions(config.input.labels as NonNullable<typeof config.input.labels>, 'served');
    expect(options).toEqual({
      featureTopic: 'served',
      labelTopic: 'outcomes',
      maxDelayMs: 500,
      onMissing: 'default',
      defaultLabel: 0,
      maxPending: 100_000,
      idleGraceMs: 60_000,
      reportLate: true,
    });
    expect(() => new LabelJoin(options)).not.toThrow();
  });
});
