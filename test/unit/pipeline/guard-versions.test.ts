import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/core/index.js';
import { FolderStore, WriterFence, writeCheckpoint } from '../../../src/checkpoints/index.js';
import { StoreVersions } from '../../../src/pipeline/guard-versions.js';
import { fakeSnapshot, manifestInput } from '../../support/store-contract.js';

const logger = createLogger({ level: 'silent' });
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe("the forgetting guard's store source", () => {
  it('serves a version the process published before it is durable, and past versions from the store', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'st-guard-'));
    dirs.push(dir);
    const store = new FolderStore(dir);
    const fence = await WriterFence.claim(store, 'm', 'pod-a');
    await writeCheckpoint(store, manifestInput('m', '1.0', [], 0), fakeSnapshot(1), {}, fence);
    const source = new StoreVersions(store, 'm', logger);

    // 1.1 is published (the learner ran ahead) but its checkpoint is not written yet: it joins the pool all the same.
    const pending = fakeSnapshot(2);
    source.published('1.1', pending);
    source.retain(new Set(['1.0', '1.1']));
    expect(await source.load('1.1')).toBe(pending);
    expect((await source.load('1.0'))?.weightSpecs).toEqual(fakeSnapshot(1).weightSpecs);

    // Out of the pool and no longer the newest: forgotten in memory, and absent from the store.
    source.published('1.2', fakeSnapshot(3));
    source.retain(new Set(['1.0']));
    expect(await source.load('1.1')).toBeUndefined();
    await source.close();
  });
});
