import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FolderStore } from '../../../src/checkpoints/index.js';
import { storeContract } from '../../support/store-contract.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('FolderStore', () => {
  storeContract(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'st-folder-'));
    dirs.push(dir);
    return { store: new FolderStore(dir), model: 'm' };
  });

  it('leaves no temporary file behind and refuses keys outside its folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'st-folder-'));
    dirs.push(dir);
    const store = new FolderStore(dir);
    await store.put('a/b.bin', new Uint8Array([1]));
    expect(await readdir(join(dir, 'a'))).toEqual(['b.bin']);
    await expect(store.put('../escape', new Uint8Array([1]))).rejects.toThrow(/escapes/);
    expect(await store.get('a/missing')).toBeUndefined();
  });
});
