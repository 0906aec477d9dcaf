import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  encodeKey,
  FolderStore,
  keyedHeads,
  keyModelName,
  listVersions,
  partitionLineage,
  readManifest,
  WriterFence,
  writePartitionCheckpoint,
  type PartitionManifest,
} from '../../../src/checkpoints/index.js';
import { createLogger, FencedError, formatVersion, inputColumns, parseConfig, type VersionEvent } from '../../../src/core/index.js';
import { LocalLearnerHost, type LearnerHostOptions } from '../../../src/pipeline/learner-host.js';
import { LiveModels, type LiveModel } from '../../../src/pipeline/keyed-models.js';
import { PartitionSlot, type KeyCut, type SlotDeps } from '../../../src/pipeline/keyed-slot.js';
import { keyedTable } from '../../../src/cli/versions-keyed.js';
import { separableBatch } from '../../support/separable-batch.js';

const logger = createLogger({ level: 'silent' });
const config = parseConfig({
  model: { name: 'keyed', partitionBy: 'tenant' },
  kafka: { topics: ['t'] },
  input: { features: [{ field: 'a' }, { field: 'b' }, { field: 'c' }], label: { field: 'y' } },
});
const options: LearnerHostOptions = {
  spec: config.model,
  drift: config.drift,
  inputWidth: 3,
  inputColumns: inputColumns(config.input.features),
  metricsWindow: 200,
  updateBatchSize: 0,
  backend: 'cpu',
  regressionErrors: false,
};

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function tempStore(): Promise<FolderStore> {
  const dir = await mkdtemp(join(tmpdir(), 'st-keyed-'));
  dirs.push(dir);
  return new FolderStore(dir);
}

function deps(store: FolderStore, events: VersionEvent[] = [], commits: bigint[] = []): SlotDeps {
  return {
    store,
    model: 'keyed',
    keep: 0,
    backend: 'cpu',
    modelSpec: {},
    streamtrainVersion: 'test',
    logger,
    beforeWrite: () => Promise.resolve(),
    commit: (_t, _p, next) => (commits.push(next), Promise.resolve()),
    announce: (e) => (events.push(e), Promise.resolve()),
  };
}

async function learnedCut(key: string, seed: number, samples: number, sinceVersion: number): Promise<KeyCut> {
  const host = await LocalLearnerHost.create(options, logger);
  await host.step(separableBatch(seed, 32));
  const cut = { key, capture: await host.capture(), samples, sinceVersion, newMajor: false };
  await host.dispose();
  return cut;
}

describe('keyed store layout', () => {
  it('encodes any key into one path segment, reversibly', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }), (key) => {
        const enc = encodeKey(key);
        expect(enc).toMatch(/^[A-Za-z0-9_%-]+$/);
        expect(decodeURIComponent(enc)).toBe(key);
      }),
    );
  });
});

describe('a partition of keyed models', () => {
  it('publishes its keys with its offsets in one checkpoint, and continues their lineages after a new owner claims it', async () => {
    const store = await tempStore();
    const events: VersionEvent[] = [];
    const commits: bigint[] = [];
    const a = await PartitionSlot.adopt(deps(store, events, commits), 't', 3, 'a');
    expect(a.fence.epoch).toBe(1);
    a.absorbed(0n, 100n, 100, 90);
    expect(a.cut({ reason: 'samples' }, [await learnedCut('eu', 1, 50, 50), await learnedCut('us/east', 2, 40, 40)])).toBe(true);
    await a.drain();
    a.absorbed(100n, 150n, 50, 50);
    expect(a.cut({ reason: 'samples' }, [await learnedCut('eu', 3, 100, 50)])).toBe(true);
    await a.drain();
    expect(commits).toEqual([100n, 150n]);
    expect(events.map((e) => `${e.key} ${e.version}`)).toEqual(['eu 1.0', 'us/east 1.0', 'eu 1.1']);

    // The next owner starts from the newest checkpoint: offsets and every key's head.
    const b = await PartitionSlot.adopt(deps(store), 't', 3, 'b');
    expect(b.fence.epoch).toBe(2);
    expect(b.next).toBe(150n);
    expect(b.source('eu').head).toEqual({ version: '1.1', samples: 100 });
    expect(b.source('us/east').head).toEqual({ version: '1.0', samples: 40 });
    b.absorbed(150n, 160n, 10, 10);
    b.cut({ reason: 'samples' }, [await learnedCut('eu', 4, 110, 10)]);
    await b.drain();

    const lineage = await partitionLineage(store, 'keyed', 't', 3);
    expect(lineage.map((m) => [m.version, m.offsets.from, m.offsets.to, m.writer])).toEqual([
      ['1.0', '0', '100', 'a'],
      ['1.1', '100', '150', 'a'],
      ['1.2', '150', '160', 'b'],
    ]);
    const eu = await readManifest(store, keyModelName('keyed', 'eu'), '1.2');
    expect(eu.parents).toEqual(['1.1']);
    expect(eu.key).toBe('eu');
    expect(eu.samples).toEqual({ total: 110, sinceParent: 10 });
    expect(eu.epoch).toBe(2);
    expect([...(await keyedHeads(store, 'keyed'))].map(([k, h]) => [k, h.version, h.partition])).toEqual([
      ['eu', '1.2', 3],
      ['us/east', '1.0', 3],
    ]);

    // The previous owner is refused by the store, and learns that it lost the partition.
    a.absorbed(150n, 170n, 20, 20);
    a.cut({ reason: 'samples' }, [await learnedCut('eu', 5, 120, 20)]);
    await a.drain();
    expect(a.lost).toBe(true);
    expect((await partitionLineage(store, 'keyed', 't', 3)).map((m) => m.version)).toEqual(['1.0', '1.1', '1.2']);
  });

  it('a deliberately stale writer cannot move the partition, even with a manifest number nobody took', async () => {
    const store = await tempStore();
    const stale = await WriterFence.claim(store, 'keyed/partitions/t-0', 'stale');
    await WriterFence.claim(store, 'keyed/partitions/t-0', 'new');
    const manifest: PartitionManifest = {
      formatVersion: 1,
      model: 'keyed',
      topic: 't',
      partition: 0,
      version: '1.9',
      parent: null,
      createdAt: new Date().toISOString(),
      trigger: 'samples',
      offsets: { topic: 't', partition: 0, from: '0', to: '10' },
      records: 10,
      keys: {},
      epoch: stale.epoch,
      writer: stale.writer,
    };
    await expect(writePartitionCheckpoint(store, manifest, stale)).rejects.toBeInstanceOf(FencedError);
    expect(await partitionLineage(store, 'keyed', 't', 0)).toEqual([]);
  });

  it('skips a version number a fenced writer left behind', async () => {
    const store = await tempStore();
    const a = await PartitionSlot.adopt(deps(store), 't', 1, 'a');
    a.absorbed(0n, 10n, 10, 10);
    a.cut({ reason: 'samples' }, [await learnedCut('k', 1, 10, 10)]);
    await a.drain();
    // A stale owner wrote k 1.1 and partition 1.1 but could not publish them.
    await store.create(`${keyModelName('keyed', 'k')}/versions/1.1/manifest.json`, new TextEncoder().encode('{}'));
    await store.create('keyed/partitions/t-1/versions/1.1/manifest.json', new TextEncoder().encode('{}'));
    const b = await PartitionSlot.adopt(deps(store), 't', 1, 'b');
    b.absorbed(10n, 20n, 10, 10);
    b.cut({ reason: 'samples' }, [await learnedCut('k', 2, 20, 10)]);
    await b.drain();
    const lineage = await partitionLineage(store, 'keyed', 't', 1);
    expect(lineage.map((m) => m.version)).toEqual(['1.0', '1.2']);
    expect(lineage[1]?.keys).toEqual({ k: { version: '1.2', samples: 20 } });
  });
});

describe('a partition with checkpoints.keep', () => {
  it('keeps its newest checkpoints and key versions, and still restores from them', async () => {
    const store = await tempStore();
    const a = await PartitionSlot.adopt({ ...deps(store), keep: 2 }, 't', 2, 'a');
    for (let i = 0; i < 4; i++) {
      a.absorbed(BigInt(i * 10), BigInt(i * 10 + 10), 10, 10);
      a.cut({ reason: 'samples' }, [await learnedCut('k', i, (i + 1) * 10, 10)]);
      await a.drain();
    }
    expect((await listVersions(store, 'keyed/partitions/t-2')).map(formatVersion)).toEqual(['1.2', '1.3']);
    expect((await listVersions(store, keyModelName('keyed', 'k'))).map(formatVersion)).toEqual(['1.2', '1.3']);
    const b = await PartitionSlot.adopt(deps(store), 't', 2, 'b');
    expect([b.next, b.source('k').head]).toEqual([40n, { version: '1.3', samples: 40 }]);
  });
});

describe('live keyed models', () => {
  it('never holds more than the cap: the least recently used goes, a dirty one parked with what it learned', async () => {
    const parked: { key: string; sinceVersion: number }[] = [];
    const models = new LiveModels(2, (m, p) => parked.push({ key: m.key, sinceVersion: p.sinceVersion }), logger);
    const make = async (key: string, sinceVersion: number): Promise<LiveModel> => {
      await models.makeRoom();
      const m: LiveModel = { key, partition: 't:0', host: await LocalLearnerHost.create(options, logger), samples: 5, sinceVersion, newMajor: false };
      models.add(m);
      return m;
    };
    await make('a', 3);
    await make('b', 0);
    models.get('a');
    await make('c', 0);
    expect(models.size).toBe(2);
    expect(models.get('b')).toBeUndefined();
    expect(parked).toEqual([]);
    await make('d', 0);
    expect(parked).toEqual([{ key: 'a', sinceVersion: 3 }]);
    expect(models.evictions).toBe(2);
    expect(models.of('t:0').map((m) => m.key)).toEqual(['c', 'd']);
    await models.disposeAll();
  });
});

describe('streamtrain versions of a keyed model', () => {
  it('lists partitions and key heads, and one key lineage with the head marked and a fenced leftover unpublished', async () => {
    const store = await tempStore();
    const a = await PartitionSlot.adopt(deps(store), 't', 0, 'a');
    a.absorbed(0n, 30n, 30, 30);
    a.cut({ reason: 'samples' }, [await learnedCut('eu', 1, 20, 20), await learnedCut('us', 2, 10, 10)]);
    await a.drain();
    const b = await PartitionSlot.adopt(deps(store), 't', 0, 'b');
    a.absorbed(30n, 40n, 10, 10);
    a.cut({ reason: 'samples' }, [await learnedCut('eu', 3, 30, 10)]);
    await a.drain();
    b.absorbed(30n, 35n, 5, 5);
    b.cut({ reason: 'samples' }, [await learnedCut('eu', 4, 25, 5)]);
    await b.drain();
    const summary = await keyedTable(store, 'keyed');
    expect(summary).toMatch(/t-0 +1\.2 +35 +2 +2 b/);
    expect(summary).toMatch(/eu +1\.2 +25 +t-0/);
    const eu = (await keyedTable(store, 'keyed', 'eu')).split('\n');
    expect(eu.find((l) => l.includes('1.1 '))).toMatch(/\(unpublished\)/);
    expect(eu.find((l) => l.startsWith('* '))).toMatch(/^\* 1\.2 +1\.0 +25 +\+5 +0:\[30,35\)/);
  });
});
