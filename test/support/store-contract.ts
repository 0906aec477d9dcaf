import { expect, it } from 'vitest';
import { createLogger } from '../../src/core/index.js';
import {
  latestValidCheckpoint,
  listVersions,
  pruneVersions,
  readCheckpoint,
  readLatestPointer,
  writeCheckpoint,
  type ManifestInput,
  type ObjectStore,
} from '../../src/checkpoints/index.js';
import type { ModelSnapshot } from '../../src/core/index.js';


const logger = createLogger({ level: 'silent' });

export function fakeSnapshot(seed: number): ModelSnapshot {
  const w = new Float32Array([seed, seed + 0.5, -seed]);
  const opt = new Float32Array([seed * 2, 1]);
  return {
    topology: { class_name: 'Sequential', config: { name: 'm', layers: [] } },
    weightSpecs: [{ name: 'output_0/kernel', shape: [3, 1], dtype: 'float32' }],
    weightData: w.buffer,
    optimizer: { className: 'Adam', config: { learningRate: 0.01 }, tensors: [{ name: 'm', shape: [2], dtype: 'float32', byteOffset: 0, byteLength: 8 }], data: opt.buffer },
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
}
