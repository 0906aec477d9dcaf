import { expect, it } from 'vitest';
import { createLogger } from '../../src/core/index.js';
import {
  appendDecision,
  latestValidCheckpoint,
  listVersions,
  pruneVersions,
  readCheckpoint,
  readLatestPointer,
  writeCheckpoint,
  WriterFence,
  latestKey,
  type ManifestInput,
  type ObjectStore,
} from '../../src/checkpoints/index.js';
import { FencedError, type ModelSnapshot } from '../../src/core/index.js';

const logger = createLogger({ level: 'silent' });

export function fakeSnapshot(seed: number): ModelSnapshot {
  const w = new Float32Array([seed, seed + 0.5, -seed]);
  const opt = new Float32Array([seed * 2, 1]);
  return {
    topology: { class_name: 'Sequential', config: { name: 'm', layers: [] } },
    weightSpecs: [{ name: 'output_0/kernel', shape: [3, 1], dtype: 'float32' }],
    weightData: w.buffer,
    optimizer: {
      className: 'Adam',
      config: { learningRate: 0.01 },
      tensors: [{ name: 'm', shape: [2], dtype: 'float32', byteOffset: 0, byteLength: 8 }],
      data: opt.buffer,
    },
  };
}

export function manifestInput(model: string, version: string, parents: string[], total: number): ManifestInput {
  return {
    model,
    version,
    parents,
    createdAt: new Date(0).toISOString(),
    trigger: { reason: 'samples' },
    samples: { total, sinceParent: 10 },
    offsets: [{ topic: 't', partition: 0, from: '0', to: String(total) }],
    metrics: { accuracy: 0.9 },
    drift: {},
    streamtrainVersion: 'test',
    backend: 'cpu',
    modelSpec: {},
  };
}

/** The behaviour every ObjectStore must have, run against the folder store and against a real S3 server. */
export function storeContract(makeStore: () => Promise<{ store: ObjectStore; model: string }>): void {
  it('round-trips a checkpoint and moves LATEST last', async () => {
    const { store, model } = await makeStore();
    const w = await writeCheckpoint(store, manifestInput(model, '1.0', [], 0), fakeSnapshot(1), { detectors: { a: 1 } });
    await writeCheckpoint(store, manifestInput(model, '1.1', ['1.0'], 10), fakeSnapshot(2), { detectors: { a: 2 } });
    expect(w.uri).toContain(`${model}/versions/1.0/`);
    expect(await readLatestPointer(store, model)).toBe('1.1');
    expect((await listVersions(store, model)).map((v) => `${v.major}.${v.minor}`)).toEqual(['1.0', '1.1']);
    const c = await readCheckpoint(store, model, '1.1');
    expect(new Float32Array(c.snapshot.weightData)).toEqual(new Float32Array([2, 2.5, -2]));
    expect(new Float32Array(c.snapshot.optimizer.data)).toEqual(new Float32Array([4, 1]));
    expect(c.state).toEqual({ detectors: { a: 2 } });
    expect(c.manifest.parents).toEqual(['1.0']);
    expect(Object.keys(c.manifest.hashes).sort()).toEqual(['model.json', 'state.bin', 'weights.bin']);
  });

  it('skips a corrupt or torn newest version and falls back to the newest that verifies', async () => {
    const { store, model } = await makeStore();
    await writeCheckpoint(store, manifestInput(model, '1.0', [], 0), fakeSnapshot(1), {});
    await writeCheckpoint(store, manifestInput(model, '1.1', ['1.0'], 10), fakeSnapshot(2), {});
    await writeCheckpoint(store, manifestInput(model, '1.2', ['1.1'], 20), fakeSnapshot(3), {});
    // 1.2: a flipped byte in the weights; 1.3: blobs written, crash before the manifest.
    const bad = (await store.get(`${model}/versions/1.2/weights.bin`)) as Uint8Array;
    bad[0] = (bad[0] as number) ^ 0xff;
    await store.put(`${model}/versions/1.2/weights.bin`, bad);
    await store.put(`${model}/versions/1.3/weights.bin`, new Uint8Array([1, 2, 3]));
    const c = await latestValidCheckpoint(store, model, logger);
    expect(c?.manifest.version).toBe('1.1');
    await expect(readCheckpoint(store, model, '1.2')).rejects.toThrow(/sha256/);
  });

  it('prunes old minors but keeps LATEST', async () => {
    const { store, model } = await makeStore();
    for (let i = 0; i < 5; i++) await writeCheckpoint(store, manifestInput(model, `1.${i}`, i ? [`1.${i - 1}`] : [], i * 10), fakeSnapshot(i), {});
    const removed = await pruneVersions(store, model, 2);
    expect(removed).toEqual(['1.0', '1.1', '1.2']);
    expect((await listVersions(store, model)).map((v) => v.minor)).toEqual([3, 4]);
    expect((await store.list(`${model}/versions/1.0/`)).length).toBe(0);
  });

  it('never prunes a version a rollback or a pin names', async () => {
    const { store, model } = await makeStore();
    for (let i = 0; i < 5; i++) await writeCheckpoint(store, manifestInput(model, `1.${i}`, i ? [`1.${i - 1}`] : [], i * 10), fakeSnapshot(i), {});
    const decision = { at: new Date(0).toISOString(), by: 'test', reason: 'test', arms: [], stats: {}, startOffsets: [] };
    await appendDecision(store, model, { ...decision, type: 'rollback', version: '1.1', training: 'continue' });
    await appendDecision(store, model, { ...decision, type: 'pin', version: '1.0' });
    expect(await pruneVersions(store, model, 2)).toEqual(['1.2']);
    expect((await listVersions(store, model)).map((v) => v.minor)).toEqual([0, 1, 3, 4]);
  });

  it('creates only what does not exist, and replaces only with the current tag', async () => {
    const { store, model } = await makeStore();
    const bytes = (n: number): Uint8Array => new Uint8Array([n, n + 1, n + 2]);
    expect(await store.create(`${model}/x`, bytes(1))).toBe(true);
    expect(await store.create(`${model}/x`, bytes(9))).toBe(false);
    expect(await store.get(`${model}/x`)).toEqual(bytes(1));

    expect(await store.replace(`${model}/p`, bytes(1), 'no-such-tag')).toBeUndefined();
    const t1 = await store.replace(`${model}/p`, bytes(1), undefined);
    expect(t1).toBeDefined();
    expect(await store.replace(`${model}/p`, bytes(2), undefined)).toBeUndefined();
    const got = await store.getTagged(`${model}/p`);
    expect(got).toEqual({ data: bytes(1), tag: t1 });
    const t2 = await store.replace(`${model}/p`, bytes(2), t1);
    expect(t2).toBeDefined();
    expect(t2).not.toBe(t1);
    // The old tag no longer matches: a writer that read before t2 is refused and nothing changes.
    expect(await store.replace(`${model}/p`, bytes(3), t1)).toBeUndefined();
    expect(await store.get(`${model}/p`)).toEqual(bytes(2));
    expect(await store.list(`${model}/`)).toEqual(expect.arrayContaining([`${model}/x`, `${model}/p`]));
    expect((await store.list(`${model}/`)).length).toBe(2);
  });

  it('lets exactly one of several racing compare-and-swaps win', async () => {
    const { store, model } = await makeStore();
    const tag = (await store.replace(`${model}/p`, new Uint8Array([0]), undefined)) as string;
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => store.replace(`${model}/p`, new Uint8Array([n]), tag)));
    const winners = results.map((t, i) => (t === undefined ? -1 : i + 1)).filter((n) => n > 0);
    expect(winners).toHaveLength(1);
    expect(await store.get(`${model}/p`)).toEqual(new Uint8Array([winners[0] as number]));
  });

  it('refuses a stale writer: after a takeover its LATEST move fails and its version is not restored', async () => {
    const { store, model } = await makeStore();
    const a = await WriterFence.claim(store, model, 'writer-a');
    await writeCheckpoint(store, manifestInput(model, '1.0', [], 0), fakeSnapshot(1), {}, a);
    await writeCheckpoint(store, manifestInput(model, '1.1', ['1.0'], 10), fakeSnapshot(2), {}, a);
    const b = await WriterFence.claim(store, model, 'writer-b');
    expect(b.epoch).toBe(a.epoch + 1);
    // A still believes it leads: the store refuses it, not an election.
    await expect(writeCheckpoint(store, manifestInput(model, '1.2', ['1.1'], 20), fakeSnapshot(3), {}, a)).rejects.toBeInstanceOf(FencedError);
    expect(await readLatestPointer(store, model)).toBe('1.1');
    expect((await latestValidCheckpoint(store, model, logger))?.manifest.version).toBe('1.1');
    // The new writer takes the next free number and its lineage is the one restored.
    await expect(writeCheckpoint(store, manifestInput(model, '1.2', ['1.1'], 20), fakeSnapshot(4), {}, b)).rejects.toThrow(/already exists/);
    await writeCheckpoint(store, manifestInput(model, '1.3', ['1.1'], 20), fakeSnapshot(4), {}, b);
    const restored = await latestValidCheckpoint(store, model, logger);
    expect(restored?.manifest.version).toBe('1.3');
    expect(restored?.manifest.epoch).toBe(b.epoch);
    // Once 1.3 is damaged, the fallback skips A's unpublished 1.2 and lands on 1.1.
    await store.delete(`${model}/versions/1.3/weights.bin`);
    expect((await latestValidCheckpoint(store, model, logger))?.manifest.version).toBe('1.1');
  });

  it('reads a LATEST written before epochs as epoch 0 and takes it over', async () => {
    const { store, model } = await makeStore();
    await writeCheckpoint(store, manifestInput(model, '1.0', [], 0), fakeSnapshot(1), {});
    await store.delete(latestKey(model));
    await store.put(latestKey(model), new TextEncoder().encode('1.0'));
    expect(await readLatestPointer(store, model)).toBe('1.0');
    const fence = await WriterFence.claim(store, model, 'w');
    expect(fence.epoch).toBe(1);
    expect(fence.latest.epochs).toEqual([{ epoch: 1, since: '1.0' }]);
    expect((await latestValidCheckpoint(store, model, logger))?.manifest.version).toBe('1.0');
  });
}
