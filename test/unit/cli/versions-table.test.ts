import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FolderStore, WriterFence, writeCheckpoint } from '../../../src/checkpoints/index.js';
import { versionRows, versionsTable } from '../../../src/cli/versions-table.js';
import { fakeSnapshot, manifestInput } from '../../support/store-contract.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('streamtrain versions', () => {
  it('shows each version with its epoch and writer, and marks what a fenced writer left unpublished', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'st-versions-'));
    dirs.push(dir);
    const store = new FolderStore(dir);
    const a = await WriterFence.claim(store, 'm', 'pod-a');
    await writeCheckpoint(store, manifestInput('m', '1.0', [], 0), fakeSnapshot(1), {}, a);
    await writeCheckpoint(store, manifestInput('m', '1.1', ['1.0'], 10), fakeSnapshot(2), {}, a);
    const b = await WriterFence.claim(store, 'm', 'pod-b');
    // A, not knowing it lost the lease, creates 1.2; its LATEST move is refused.
    await expect(writeCheckpoint(store, manifestInput('m', '1.2', ['1.1'], 20), fakeSnapshot(3), {}, a)).rejects.toThrow(/may no longer publish/);
    await writeCheckpoint(store, manifestInput('m', '1.3', ['1.1'], 20), fakeSnapshot(4), {}, b);

    const { latest, epoch, writer, rows } = await versionRows(store, 'm');
    expect({ latest, epoch, writer }).toEqual({ latest: '1.3', epoch: 2, writer: 'pod-b' });
    expect(rows.map((r) => [r.version, r.published, r.manifest?.epoch, r.manifest?.writer])).toEqual([
      ['1.0', true, 1, 'pod-a'],
      ['1.1', true, 1, 'pod-a'],
      ['1.2', false, 1, 'pod-a'],
      ['1.3', true, 2, 'pod-b'],
    ]);
    const table = await versionsTable(store, 'm');
    expect(table).toMatch(/^ {2}1\.2 .*1 pod-a \(unpublished\)$/m);
    expect(table).toMatch(/^\* 1\.3 .*2 pod-b$/m);
    expect(table).toContain('epoch 2 held by pod-b');
  });
});
