import fc from 'fast-check';
import { Subject, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import { BoundedBuffer, OffsetLedger, TriggerSet, toBatches } from '../../../src/pipeline/index.js';
import { partitionKey, type ConsumedRecord } from '../../../src/core/index.js';

const example = (offset: number, partition = 0): ConsumedRecord => ({
  kind: 'example',
  example: { features: new Float32Array([offset]), label: 0, topic: 't', partition, offset: String(offset), timestamp: offset },
});

describe('toBatches', () => {
  it('emits full groups at once and the partial group after maxWaitMs from its first value', async () => {
    vi.useFakeTimers();
    const src = new Subject<number>();
    const out: number[][] = [];
    src.pipe(toBatches(3, 100)).subscribe((b) => out.push(b));
    [1, 2, 3, 4].forEach((v) => src.next(v));
    expect(out).toEqual([[1, 2, 3]]);
    vi.advanceTimersByTime(99);
    expect(out.length).toBe(1);
    vi.advanceTimersByTime(1);
    expect(out).toEqual([[1, 2, 3], [4]]);
    vi.advanceTimersByTime(1000);
    expect(out.length).toBe(2);
    vi.useRealTimers();
  });

  it('property: flushes everything on completion, in order, never an empty or oversized group', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer(), { maxLength: 200 }), fc.integer({ min: 1, max: 17 }), async (values, size) => {
        const src = new Subject<number>();
        const done = lastValueFrom(src.pipe(toBatches(size, 10_000), toArray()));
        values.forEach((v) => src.next(v));
        src.complete();
        const groups = await done;
        expect(groups.flat()).toEqual(values);
        expect(groups.every((g) => g.length > 0 && g.length <= size)).toBe(true);
      }),
    );
  });
});

describe('BoundedBuffer', () => {
  it('reports full at capacity and wakes waiters only when half drained', async () => {
    const b = new BoundedBuffer(4);
    for (let i = 0; i < 4; i++) b.offer(example(i));
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
    l.restore([{ topic: 't', partition: 0, from: '0', to: '10' }, { topic: 't', partition: 1, from: '0', to: '5' }]);
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
  const set = TriggerSet.fromConfig({ everySamples: 100, everySeconds: 5, volumeRatio: 0, onDrift: true });
  it('fires on samples, on time only when something was learned, and not otherwise', () => {
    const base = { samplesTotal: 0, metrics: {} };
    expect(set.evaluate({ ...base, samplesSinceLast: 100, secondsSinceLast: 0 })?.reason).toBe('samples');
    expect(set.evaluate({ ...base, samplesSinceLast: 1, secondsSinceLast: 5 })?.reason).toBe('interval');
    expect(set.evaluate({ ...base, samplesSinceLast: 0, secondsSinceLast: 50 })).toBeUndefined();
    expect(set.evaluate({ ...base, samplesSinceLast: 99, secondsSinceLast: 4.9 })).toBeUndefined();
  });
});

describe('drift, volume and performance triggers', () => {
  it('fires on a drift signal, on a volume ratio, and on a metric threshold or drop after minSamples', () => {
    const set = TriggerSet.fromConfig({ everySamples: 0, everySeconds: 0, volumeRatio: 0.5, onDrift: true, performance: { metric: 'accuracy_window', better: 'higher', threshold: 0.6, dropBy: 0.1, minSamples: 100 } });
    const s = (since: number, total: number, acc: number, driftSignal?: string) => set.evaluate({ samplesSinceLast: since, samplesTotal: total, secondsSinceLast: 0, metrics: { accuracy_window: acc }, driftSignal });
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
