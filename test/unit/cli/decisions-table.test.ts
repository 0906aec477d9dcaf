import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendDecision, FolderStore } from '../../../src/checkpoints/index.js';
import { decisionsTable } from '../../../src/cli/decisions-table.js';

describe('decisionsTable', () => {
  let dir: string;
  beforeEach(async () => void (dir = await mkdtemp(join(tmpdir(), 'st-dtable-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('is empty without decisions, and lists each one with who and why', async () => {
    const store = new FolderStore(dir);
    expect(await decisionsTable(store, 'm')).toBe('');
    const base = { at: '2026-12-03T10:00:00.000Z', stats: {}, startOffsets: [] };
    await appendDecision(store, 'm', {
      ...base,
      type: 'start',
      by: 'decider d1',
      reason: 'new line 2',
      policy: 'canary',
      champion: 1,
      arms: [{ major: 2, share: 0.01 }],
    });
    await appendDecision(store, 'm', { ...base, type: 'rollback', by: 'ana@host', reason: 'bad canary', version: '1.7', arms: [] });
    const lines = (await decisionsTable(store, 'm')).split('\n');
    expect(lines[1]).toBe('Rollout decisions:');
    expect(lines[3]).toMatch(/^1\s+start\s+canary 1 vs 2@0.01\s+2026-12-03T10:00:00.000Z\s+decider d1\s+new line 2$/);
    expect(lines[4]).toMatch(/^2\s+rollback\s+1.7\s+.*ana@host\s+bad canary$/);
  });
});
