import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig, partitionKey, type RecordChunk } from '../../../src/core/index.js';
import { chunkBelow, planReplay, replayParent, retrainLineage, versionMayScore } from '../../../src/pipeline/retrain-plan.js';
import { pickColumns, raceInputs } from '../../../src/pipeline/retrain-inputs.js';
import { assertCheckpointFits, modelSpecOf } from '../../../src/pipeline/model-fit.js';

const extent = (partition: number, low: bigint, high: bigint) => ({ topic: 't', partition, low, high });
const range = (partition: number, from: number, to: number) => ({ topic: 't', partition, from: String(from), to: String(to) });

describe('planReplay', () => {
  it('replays every partition from the oldest offset retained up to where the live model stands', () => {
    const plan = planReplay({ partitions: [extent(0, 0n, 900n), extent(1, 40n, 700n)], live: [range(0, 500, 800), range(1, 600, 650)] });
    expect(plan).toEqual([
      { topic: 't', partition: 0, start: 0n, stop: 800n },
      { topic: 't', partition: 1, start: 40n, stop: 650n },
    ]);
  });

  it('starts at the offsets for a time, never below what is retained, and at the end when no record is that new', () => {
    const seek = new Map([
      [partitionKey('t', 0), 300n],
      [partitionKey('t', 1), 10n],
      [partitionKey('t', 2), -1n],
    ]);
    const plan = planReplay({
      partitions: [extent(0, 0n, 900n), extent(1, 40n, 700n), extent(2, 0n, 90n)],
      live: [range(0, 0, 800), range(1, 0, 650), range(2, 0, 90)],
      seek,
    });
    expect(plan.map((p) => [p.start, p.stop])).toEqual([
      [300n, 800n],
      [40n, 650n],
      [90n, 90n],
    ]);
  });

  it('races from the start where the live model stands before it or never read the partition', () => {
    const seek = new Map([[partitionKey('t', 0), 600n]]);
    const plan = planReplay({ partitions: [extent(0, 0n, 900n), extent(1, 0n, 50n)], live: [range(0, 0, 500)], seek });
    expect(plan.map((p) => [p.start, p.stop])).toEqual([
      [600n, 600n],
      [0n, 0n],
    ]);
  });

  it('refuses a live position past what the broker holds', () => {
    expect(() => planReplay({ partitions: [extent(0, 0n, 100n)], live: [range(0, 0, 200)] })).toThrow(/recreated/);
  });
});

function chunk(from: number, rowOffsets: number[], rejectedOffsets: number[], to: number, width = 2): RecordChunk {
  const size = rowOffsets.length;
  return {
    topic: 't',
    partition: 0,
    from: BigInt(from),
    to: BigInt(to),
    size,
    width,
    features: Float32Array.from({ length: size * width }, (_, i) => i),
    labels: Float32Array.from(rowOffsets),
    offsets: rowOffsets.map(String),
    rejected: rejectedOffsets.map((o) => ({
      kind: 'rejected' as const,
      topic: 't',
      partition: 0,
      offset: String(o),
      timestamp: 0,
      reason: 'undecodable',
      message: '',
    })),
    records: size + rejectedOffsets.length,
  };
}

describe('chunkBelow', () => {
  it('keeps exactly the rows and rejected records below the stop, and ends the range there', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 40 }), fc.nat(50), (rejectedMask, stopAt) => {
        const offsets = rejectedMask.map((_, i) => 100 + i);
        const rows = offsets.filter((_, i) => !rejectedMask[i]);
        const rejected = offsets.filter((_, i) => rejectedMask[i]);
        const c = chunk(100, rows, rejected, 100 + offsets.length);
        const stop = BigInt(100 + stopAt);
        const below = chunkBelow(c, stop);
        const expectRows = rows.filter((o) => o < 100 + stopAt);
        const expectRejected = rejected.filter((o) => o < 100 + stopAt);
        if (stopAt === 0) {
          expect(below).toBeUndefined();
          return;
        }
        expect(below?.offsets).toEqual(expectRows.map(String));
        expect([...(below?.labels ?? [])]).toEqual(expectRows);
        expect(below?.features.length).toBe(expectRows.length * 2);
        expect(below?.rejected.map((r) => Number(r.offset))).toEqual(expectRejected);
        expect(below?.records).toBe(expectRows.length + expectRejected.length);
        expect(below?.to).toBe(stop < c.to ? stop : c.to);
      }),
    );
  });
});

describe('the live versions that may score', () => {
  const positions = new Map([
    [partitionKey('t', 0), 800n],
    [partitionKey('t', 1), 650n],
  ]);
  it('only a version that learned nothing at or past the race position scores', () => {
    expect(versionMayScore([range(0, 0, 800), range(1, 0, 650)], positions)).toBe(true);
    expect(versionMayScore([range(0, 0, 801), range(1, 0, 600)], positions)).toBe(false);
    expect(versionMayScore([range(2, 0, 1)], positions)).toBe(false);
    expect(versionMayScore([], positions)).toBe(true);
  });

  it('the replay parent is the newest version whose offsets end at or before the replay start', () => {
    const plan = [{ topic: 't', partition: 0, start: 300n, stop: 800n }];
    const lineage = [
      { version: '1.3', offsets: [range(0, 400, 800)] },
      { version: '1.2', offsets: [range(0, 300, 400)] },
      { version: '1.1', offsets: [range(0, 0, 300)] },
      { version: '1.0', offsets: [] },
    ];
    expect(replayParent(lineage, plan)).toBe('1.1');
    expect(replayParent(lineage, [{ ...plan[0]!, start: 0n }])).toBe('1.0');
    expect(replayParent(lineage.slice(0, 2), [{ ...plan[0]!, start: 0n }])).toBeNull();
  });

  it('the lineage names the replayed and raced ranges per partition', () => {
    const lineage = retrainLineage({
      from: 'earliest',
      plan: [
        { topic: 't', partition: 1, start: 40n, stop: 650n },
        { topic: 't', partition: 0, start: 0n, stop: 800n },
      ],
      end: new Map([[partitionKey('t', 0), 1_000n]]),
      racedVersions: ['1.3', '1.4'],
      replayParent: '1.0',
      race: { samples: 200, n: 200, lead: 0.2, pValue: 1e-6, alpha: 0.005 },
    });
    expect(lineage.replayed).toEqual([range(0, 0, 800), range(1, 40, 650)]);
    expect(lineage.raced).toEqual([range(0, 800, 1_000), range(1, 650, 650)]);
    expect(lineage.racedVersions).toEqual(['1.3', '1.4']);
  });
});

const tree = (model: Record<string, unknown>, features: unknown[]) => ({
  model: { name: 'm', ...model },
  kafka: { topics: ['t'] },
  input: { features, label: { field: 'y' } },
  checkpoints: { store: { type: 'folder', path: '/tmp/x' } },
});

describe('a retrain decodes each record once for both models', () => {
  const live = modelSpecOf(parseConfig(tree({ type: 'logistic' }, [{ field: 'a' }, { field: 'b', scale: { mean: 1, std: 2 } }])));

  it('the candidate reads its own columns first; the live model its fields wherever they are', () => {
    const config = parseConfig(
      tree({ type: 'mlp', hiddenUnits: [8] }, [
        { field: 'b', scale: { mean: 1, std: 2 } },
        { field: 'c', type: 'categorical', values: ['x', 'y'] },
      ]),
    );
    const r = raceInputs(config, live);
    expect(r.input.features.map((f) => f.field)).toEqual(['b', 'c', 'a']);
    expect(r.candidateWidth).toBe(3);
    expect(r.width).toBe(4);
    expect([...r.liveColumns]).toEqual([3, 0]);
    expect([...pickColumns(Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), 2, 4, r.liveColumns)]).toEqual([4, 1, 8, 5]);
  });

  it('refuses another label or a field encoded differently, naming the setting', () => {
    const otherLabel = parseConfig({ ...tree({ type: 'mlp' }, [{ field: 'a' }]), input: { features: [{ field: 'a' }], label: { field: 'z' } } });
    expect(() => raceInputs(otherLabel, live)).toThrow(expect.objectContaining({ field: 'input.label' }));
    const rescaled = parseConfig(tree({ type: 'mlp' }, [{ field: 'b', scale: { mean: 0, std: 3 } }]));
    expect(() => raceInputs(rescaled, live)).toThrow(expect.objectContaining({ field: 'input.features' }));
  });
});

describe('an instance refuses a checkpoint made with another architecture or feature set', () => {
  const old = parseConfig(tree({ type: 'logistic' }, [{ field: 'a' }]));
  const retrained = parseConfig(tree({ type: 'mlp', hiddenUnits: [16] }, [{ field: 'a' }]));
  const manifest = { version: '2.0', modelSpec: modelSpecOf(retrained), retrain: { from: 'earliest' } as never };

  it('names the architecture, the version and the fix', () => {
    expect(() => assertCheckpointFits(old, manifest)).toThrow(/2\.0 .*retrain.*mlp \[16\].*logistic.*roll out/);
    expect(() => assertCheckpointFits(retrained, manifest)).not.toThrow();
    const fewer = parseConfig(tree({ type: 'mlp', hiddenUnits: [16] }, [{ field: 'a' }, { field: 'b' }]));
    expect(() => assertCheckpointFits(fewer, manifest)).toThrow(expect.objectContaining({ field: 'input.features' }));
  });

  it('lets through a change of settings that keeps the model, and manifests without a spec', () => {
    const faster = parseConfig(tree({ type: 'mlp', hiddenUnits: [16], optimizer: { learningRate: 0.1 } }, [{ field: 'a' }]));
    expect(() => assertCheckpointFits(faster, manifest)).not.toThrow();
    expect(() => assertCheckpointFits(old, { version: '1.0', modelSpec: undefined })).not.toThrow();
  });
});
