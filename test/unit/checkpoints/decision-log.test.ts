import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendDecision, FolderStore, lastDecisionSeq, readDecisions, type DecisionDraft } from '../../../src/checkpoints/index.js';

const draft = (type: DecisionDraft['type'], version?: string): DecisionDraft => ({
  type,
  at: '2026-12-03T10:00:00.000Z',
  by: 'test',
  reason: type,
  arms: [],
  stats: {},
  startOffsets: [],
  ...(version ? { version } : {}),
});

describe('decision log', () => {
  let dir: string;
  let store: FolderStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'st-decisions-'));
    store = new FolderStore(dir);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('numbers decisions 1, 2, 3 and reads them back in order', async () => {
    for (const v of ['1.0', '1.3', '1.5']) await appendDecision(store, 'm', draft('pin', v));
    const read = await readDecisions(store, 'm');
    expect(read.map((d) => [d.seq, d.version])).toEqual([
      [1, '1.0'],
      [2, '1.3'],
      [3, '1.5'],
    ]);
    expect((await readDecisions(store, 'm', 2)).map((d) => d.seq)).toEqual([3]);
    expect(await lastDecisionSeq(store, 'm')).toBe(3);
  });

  it('refuses a conditional write whose number another writer took, and writes nothing', async () => {
    await appendDecision(store, 'm', draft('baseline', '1.0'));
    expect(await appendDecision(store, 'm', draft('pin', '1.0'), 1)).toBeUndefined();
    expect((await readDecisions(store, 'm')).map((d) => d.type)).toEqual(['baseline']);
    expect((await appendDecision(store, 'm', draft('unpin'), 2))?.seq).toBe(2);
  });

  it('gives concurrent writers distinct numbers, without gaps', async () => {
    const written = await Promise.all(Array.from({ length: 8 }, (_, i) => appendDecision(store, 'm', draft('pin', `1.${i}`))));
    expect(written.map((d) => d?.seq).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect((await readDecisions(store, 'm')).length).toBe(8);
  });
});
