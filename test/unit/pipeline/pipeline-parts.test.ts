import fc from 'fast-check';
import { Subject, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import { BoundedBuffer, OffsetLedger, TriggerSet, toMicroBatches, type PackedBatch } from '../../../src/pipeline/index.js';
import { partitionKey, type RecordChunk } from '../../../src/core/index.js';
import { chunkOf } from '../../support/record-chunks.js';

describe('toMicroBatches', () => {
  it('emits a full batch at once, splitting a chunk, and the rest after maxWaitMs from its first record', () => {
    vi.useFakeTimers();
    const src = new Subject<RecordChunk>();
    const out: PackedBatch[] = [];
    src.pipe(toMicroBatches(3, 100)).subscribe((b) => out.push(b));
    src.next(chunkOf(0, 10, ['ok', 'bad', 'ok', 'ok', 'ok']));
    expect(out.length).toBe(1);
    expect([...(out[0] as PackedBatch).labels]).toEqual([10, 12, 13]);
    expect((out[0] as PackedBatch).rejected.map((r) => r.offset)).toEqual(['11']);
    expect((out[0] as PackedBatch).offsets.get(partitionKey('t', 0))).toEqual({ from: 10n, to: 14n });
    expect((out[0] as PackedBatch).records).toBe(4);
    vi.advanceTimersByTime(99);
    expect(out.length).toBe(1);
    vi.advanceTimersByTime(1);
    expect([...(out[1] as PackedBatch).labels]).toEqual([14]);
    expect((out[1] as PackedBatch).offsets.get(partitionKey('t', 0))).toEqual({ from: 14n, to: 15n });
    vi.advanceTimersByTime(1000);
    expect(out.length).toBe(2);
    vi.useRealTimers();
  });

  it('carries the logged outputs of a prediction log with their rows, NaN rows for chunks without them', () => {
    vi.useFakeTimers();
    const src = new Subject<RecordChunk>();
    const out: PackedBatch[] = [];
    src.pipe(toMicroBatches(3, 100)).subscribe((b) => out.push(b));
    const logged = (c: RecordChunk): RecordChunk => ({ ...c, logged: { width: 1, values: Float32Array.from(c.labels, (y) => y / 100) } });
    src.next(logged(chunkOf(0, 10, ['ok', 'ok'])));
    src.next(chunkOf(1, 20, ['ok']));
    src.next(logged(chunkOf(0, 12, ['ok', 'ok'])));
    vi.advanceTimersByTime(100);
    expect(out.map((b) => [...(b.logged?.values ?? [])])).toEqual([[0.1, 0.11, Number.NaN].map(Math.fround), [0.12, 0.13].map(Math.fround)]);
    vi.useRealTimers();
  });

  it('stamps a batch with the time its newest records arrived, not the time it was emitted', () => {
    vi.useFakeTimers();
    const src = new Subject<RecordChunk>();
    const out: PackedBatch[] = [];
    src.pipe(toMicroBatches(3, 100)).subscribe((b) => out.push(b));
    src.next(chunkOf(0, 0, ['ok']));
    vi.advanceTimersByTime(40);
    const newest = performance.now();
    src.next(chunkOf(0, 1, ['ok']));
    vi.advanceTimersByTime(60);
    expect(out.length).toBe(1);
    expect(performance.now() - newest).toBe(60);
    expect((out[0] as PackedBatch).receivedAt).toBe(newest);
    vi.useRealTimers();
  });

  it('property: every record once, in order; batches never exceed the size; offset ranges tile each partition', async () => {
    const chunkSpec = fc.record({
      partition: fc.integer({ min: 0, max: 1 }),
      kinds: fc.array(fc.constantFrom<'ok' | 'bad'>('ok', 'ok', 'ok', 'bad'), { minLength: 1, maxLength: 40, size: 'max' }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(chunkSpec, { maxLength: 30, size: 'max' }), fc.integer({ min: 1, max: 17 }), async (specs, size) => {
        const next = [0, 0];
        const chunks = specs.map(({ partition, kinds }) => {
          const c = chunkOf(partition, next[partition] as number, kinds);
          next[partition] = (next[partition] as number) + kinds.length;
          return c;
        });
        const src = new Subject<RecordChunk>();
        const done = lastValueFrom(src.pipe(toMicroBatches(size, 10_000), toArray()));
        chunks.forEach((c) => src.next(c));
        src.complete();
        const batches = await done;
        const expectRows = chunks.flatMap((c) => [...c.features]);
        expect(batches.flatMap((b) => [...b.features])).toEqual(expectRows);
        expect(batches.reduce((n, b) => n + b.records, 0)).toBe(chunks.reduce((n, c) => n + c.records, 0));
        expect(batches.flatMap((b) => b.rejected.map((r) => `${r.partition}:${r.offset}`))).toEqual(
          chunks.flatMap((c) => c.rejected.map((r) => `${r.partition}:${r.offset}`)),
        );
        for (const b of batches) {
          expect(b.size).toBeLessThanOrEqual(size);
          expect(b.records).toBeGreaterThan(0);
          // Every row and every rejected record lies inside its batch's range for its partition.
          for (let i = 0; i < b.size; i++) {
            const r = b.offsets.get(partitionKey('t', b.features[i * 2] as number));
            expect(r && r.from <= BigInt(b.labels[i] as number) && BigInt(b.labels[i] as number) < r.to).toBe(true);
          }
          for (const rej of b.rejected) {
            const r = b.offsets.get(partitionKey('t', rej.partition));
            expect(r && r.from <= BigInt(rej.offset) && BigInt(rej.offset) < r.to).toBe(true);
          }
        }
        for (const p of [0, 1]) {
          const ranges = batches.flatMap((b) => {
            const r = b.offsets.get(partitionKey('t', p));
            return r ? [r] : [];
          });
          let at = 0n;
          for (const r of ranges) {
            expect(r.from).toBe(at);
            at = r.to;
          }
          expect(at).toBe(BigInt(next[p] as number));
        }
      }),
    );
  });
});

describe('BoundedBuffer', () => {
  it('reports full at capacity and wakes waiters only when half drained', async () => {
    const b = new BoundedBuffer(4);
    b.offer(chunkOf(0, 0, ['ok', 'bad']));
    expect(b.full).toBe(false);
    b.offer(chunkOf(0, 2, ['ok', 'ok']));
    expect(b.full).toBe(true);
    let woke = false;
    void b.whenRoom().then(() => (woke = true));
    b.release(1);
    await Promise.resolve();
    expect(woke).toBe(false);
    b.release(1);
    await Promise.resolve();
    expect(woke).toBe(true);
    expect(b.highWater).toBe(4);
  });
});

describe('OffsetLedger', () => {
  it('cuts ranges that start where the previous cut ended and lists unmoved partitions with from == to', () => {
    const l = new OffsetLedger();
    l.restore([
      { topic: 't', partition: 0, from: '0', to: '10' },
      { topic: 't', partition: 1, from: '0', to: '5' },
    ]);
    expect(l.moved).toBe(false);
    l.apply(new Map([[partitionKey('t', 0), { from: 12n, to: 20n }]]));
    l.apply(new Map([[partitionKey('u', 0), { from: 3n, to: 4n }]]));
    expect(l.take()).toEqual([
      { topic: 't', partition: 0, from: '10', to: '20' },
      { topic: 't', partition: 1, from: '5', to: '5' },
      { topic: 'u', partition: 0, from: '3', to: '4' },
    ]);
    expect(l.moved).toBe(false);
    l.apply(new Map([[partitionKey('t', 1), { from: 5n, to: 9n }]]));
    expect(l.take().find((r) => r.partition === 1 && r.topic === 't')).toEqual({ topic: 't', partition: 1, from: '5', to: '9' });
  });
});

describe('TriggerSet', () => {
  const set = TriggerSet.fromConfig({ everySamples: 100, everySeconds: 5, volumeRatio: 0, onDrift: true, minGapSeconds: 0 });
  it('fires on samples, on time only when something was learned, and not otherwise', () => {
    const base = { samplesTotal: 0, metrics: {} };
    expect(set.evaluate({ ...base, samplesSinceLast: 100, secondsSinceLast: 0 })?.reason).toBe('samples');
    expect(set.evaluate({ ...base, samplesSinceLast: 1, secondsSinceLast: 5 })?.reason).toBe('interval');
    expect(set.evaluate({ ...base, samplesSinceLast: 0, secondsSinceLast: 50 })).toBeUndefined();
    expect(set.evaluate({ ...base, samplesSinceLast: 99, secondsSinceLast: 4.9 })).toBeUndefined();
  });
});

describe('minimum gap between versions', () => {
  it('holds every rule back until minGapSeconds have passed, then lets the pending reason through', () => {
    const set = TriggerSet.fromConfig({ everySamples: 100, everySeconds: 0, volumeRatio: 0, onDrift: true, minGapSeconds: 2 });
    const at = (seconds: number, since: number, driftSignal?: string) =>
      set.evaluate({ samplesSinceLast: since, samplesTotal: 10_000, secondsSinceLast: seconds, metrics: {}, driftSignal });
    expect(at(0.5, 500, 'adwin on error')).toBeUndefined();
    expect(at(1.99, 5000)).toBeUndefined();
    expect(at(2, 500, 'adwin on error')?.reason).toBe('drift');
    expect(at(2, 500)?.reason).toBe('samples');
  });
});

describe('drift, volume and performance triggers', () => {
  it('fires on a drift signal, on a volume ratio, and on a metric threshold or drop after minSamples', () => {
    const set = TriggerSet.fromConfig({
      everySamples: 0,
      everySeconds: 0,
      volumeRatio: 0.5,
      onDrift: true,
      minGapSeconds: 0,
      performance: { metric: 'accuracy_window', better: 'higher', threshold: 0.6, dropBy: 0.1, minSamples: 100 },
    });
    const s = (since: number, total: number, acc: number, driftSignal?: string) =>
      set.evaluate({ samplesSinceLast: since, samplesTotal: total, secondsSinceLast: 0, metrics: { accuracy_window: acc }, driftSignal });
    expect(s(10, 1000, 0.9, 'adwin on error')?.reason).toBe('drift');
    expect(s(10, 1000, 0.9)).toBeUndefined();
    expect(s(400, 1200, 0.9)?.reason).toBe('volume-ratio'); // 400 >= 0.5 * 800
    expect(s(100, 10_000, 0.55)?.detail).toMatch(/worse than 0.6/);
    set.reset();
    expect(s(100, 10_000, 0.9)).toBeUndefined();
    expect(s(150, 10_000, 0.79)?.detail).toMatch(/dropped 0.1100 from 0.9000/);
    expect(s(50, 10_000, 0.1)).toBeUndefined(); // too few samples since the last version
  });
});
