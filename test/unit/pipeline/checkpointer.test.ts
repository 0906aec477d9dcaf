import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, parseConfig } from '../../../src/core/index.js';
import { FolderStore, readCheckpoint, WriterFence } from '../../../src/checkpoints/index.js';
import { OnlineLearner, selectBackend } from '../../../src/learner/index.js';
import { Checkpointer, type CheckpointContent } from '../../../src/pipeline/checkpointer.js';

const logger = createLogger({ level: 'silent' });

describe('Checkpointer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'st-checkpointer-'));
  let content: CheckpointContent;
  beforeAll(async () => {
    await selectBackend('auto', logger);
    const spec = parseConfig(
      { model: { name: 'm' }, kafka: { topics: ['t'] }, input: { features: [{ field: 'a' }], label: { field: 'y' } } },
      { env: {} },
    ).model;
    const learner = await OnlineLearner.create({ spec, inputWidth: 1, metricsWindow: 10, logger });
    content = { snapshot: await learner.snapshot(), state: {}, metrics: {}, drift: {} };
    learner.dispose();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('numbers versions major.minor and records each parent once, a promoted challenger its branch point too', async () => {
    const store = new FolderStore(dir);
    const c = await Checkpointer.open({ store, model: 'm', keep: 0, backend: 'test', modelSpec: {}, streamtrainVersion: '0', logger });
    const req = (extra: Partial<Parameters<Checkpointer['request']>[0]> = {}) => ({
      trigger: { reason: 'samples' as const },
      content: Promise.resolve(content),
      offsets: [],
      samplesTotal: 0,
      samplesSinceParent: 0,
      ...extra,
    });
    expect(c.request(req({ newMajor: true }))).toBe('1.0');
    expect(c.request(req())).toBe('1.1');
    // Branched from the head itself: one parent.
    expect(c.request(req({ newMajor: true, extraParents: ['1.1'] }))).toBe('2.0');
    // Branched from an older version: both.
    expect(c.request(req({ newMajor: true, extraParents: ['1.0'] }))).toBe('3.0');
    await c.drain();
    const parents = async (v: string) => (await readCheckpoint(store, 'm', v)).manifest.parents;
    expect(await parents('1.0')).toEqual([]);
    expect(await parents('1.1')).toEqual(['1.0']);
    expect(await parents('2.0')).toEqual(['1.1']);
    expect(await parents('3.0')).toEqual(['2.0', '1.0']);
  });

  it('tells its observer each write time, and the freshness of each announced version that holds records', async () => {
    const store = new FolderStore(join(dir, 'observed'));
    const writes: number[] = [];
    const published: { version: string; freshness: number }[] = [];
    const announced: string[] = [];
    const observer = {
      checkpointWritten: (s: number) => writes.push(s),
      versionPublished: (s: number) => published.push({ version: announced.at(-1) ?? '', freshness: s }),
    };
    const announce = (m: { version: string }) => {
      announced.push(m.version);
      return Promise.resolve();
    };
    const c = await Checkpointer.open({ store, model: 'm', keep: 0, backend: 'test', modelSpec: {}, streamtrainVersion: '0', logger, announce, observer });
    const req = { trigger: { reason: 'samples' as const }, content: Promise.resolve(content), offsets: [], samplesTotal: 0, samplesSinceParent: 0 };
    const before = performance.now();
    c.request({ ...req, newMajor: true });
    c.request({ ...req, newestRecordAt: before - 2_000 });
    await c.drain();
    const after = performance.now();
    expect(writes.length).toBe(2);
    for (const s of writes) expect(s).toBeGreaterThan(0);
    expect(writes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual((after - before) / 1000);
    // Only the version with records has a freshness, measured once it was announced.
    expect(published.map((p) => p.version)).toEqual(['1.1']);
    expect((published[0] as { freshness: number }).freshness).toBeGreaterThanOrEqual(2);
    expect((published[0] as { freshness: number }).freshness).toBeLessThanOrEqual(2 + (after - before) / 1000);
  });
  it('numbers after the versions listed ahead for its fence (listAhead), a listing used once', async () => {
    const store = new FolderStore(join(dir, 'ahead'));
    const deps = { store, model: 'm', keep: 0, backend: 'test', modelSpec: {}, streamtrainVersion: '0', logger };
    const req = { trigger: { reason: 'samples' as const }, content: Promise.resolve(content), offsets: [], samplesTotal: 0, samplesSinceParent: 0 };
    const first = await WriterFence.claim(store, 'm', 'a');
    const c1 = await Checkpointer.open({ ...deps, fence: first });
    expect(c1.request({ ...req, newMajor: true })).toBe('1.0');
    expect(c1.request(req)).toBe('1.1');
    await c1.drain();
    const fence = await WriterFence.claim(store, 'm', 'b');
    // A torn version (blobs, no manifest) left by a writer that crashed: its number is not reused.
    await store.put('m/versions/1.2/weights.bin', new Uint8Array([1]));
    Checkpointer.listAhead(store, fence);
    const c2 = await Checkpointer.open({ ...deps, fence }, '1.1');
    expect(c2.request(req)).toBe('1.3');
    await c2.drain();
    // Used once: another open with the same fence lists again (and sees what was left since).
    await store.put('m/versions/1.4/weights.bin', new Uint8Array([1]));
    const c3 = await Checkpointer.open({ ...deps, fence }, '1.1');
    expect(c3.request(req)).toBe('1.5');
    await c3.drain();
  });
});
