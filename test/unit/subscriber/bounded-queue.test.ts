import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BoundedQueue } from '../../../src/subscriber/bounded-queue.js';

describe('BoundedQueue', () => {
  it('refuses an item past the count bound, without waiting, and keeps what it holds', () => {
    const q = new BoundedQueue<string>(2, 1000);
    expect(q.offer('a', 1)).toBe(true);
    expect(q.offer('b', 1)).toBe(true);
    expect(q.offer('c', 1)).toBe(false);
    expect(q.length).toBe(2);
    expect(q.take(10).items).toEqual(['a', 'b']);
    expect(q.offer('c', 1)).toBe(true);
  });

  it('refuses an item past the byte bound', () => {
    const q = new BoundedQueue<string>(100, 10);
    expect(q.offer('a', 6)).toBe(true);
    expect(q.offer('b', 5)).toBe(false);
    expect(q.offer('c', 4)).toBe(true);
    expect(q.bytes).toBe(10);
  });

  it('takes in order, by count and by batch bytes, and always at least one item', () => {
    const q = new BoundedQueue<number>(100, 1000);
    for (let i = 0; i < 6; i++) q.offer(i, 10);
    expect(q.take(2).items).toEqual([0, 1]);
    expect(q.take(10, 25).items).toEqual([2, 3]);
    expect(q.take(10, 5).items).toEqual([4]);
    expect(q.bytes).toBe(10);
    expect(q.take(10).items).toEqual([5]);
    expect(q.take(10).items).toEqual([]);
    expect(q.bytes).toBe(0);
  });

  it('puts a failed batch back at the head, as far as it fits, and says how many were lost', () => {
    const q = new BoundedQueue<string>(3, 1000);
    q.offer('a', 1);
    q.offer('b', 1);
    const batch = q.take(2);
    q.offer('c', 1);
    q.offer('d', 1);
    expect(q.putBack(batch.items, batch.sizes)).toBe(1);
    expect(q.take(10).items).toEqual(['a', 'c', 'd']);
  });

  it('keeps its order across the compaction of a long taken prefix', () => {
    const q = new BoundedQueue<number>(5000, Infinity);
    for (let i = 0; i < 3000; i++) q.offer(i, 1);
    const seen: number[] = [];
    for (let i = 0; i < 2000; i++) seen.push(...q.take(1).items);
    for (let i = 3000; i < 4000; i++) q.offer(i, 1);
    seen.push(...q.take(5000).items);
    expect(seen).toEqual(Array.from({ length: 4000 }, (_, i) => i));
    expect(q.bytes).toBe(0);
  });

  it('behaves like an unbounded array cut at its bounds (property)', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('offer' as const), size: fc.integer({ min: 0, max: 40 }) }),
      fc.record({ kind: fc.constant('take' as const), count: fc.integer({ min: 1, max: 5 }), bytes: fc.integer({ min: 1, max: 100 }) }),
      fc.record({ kind: fc.constant('fail' as const), count: fc.integer({ min: 1, max: 5 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 120 }), fc.array(op, { maxLength: 200 }), (maxItems, maxBytes, ops) => {
        const q = new BoundedQueue<number>(maxItems, maxBytes);
        let model: { id: number; size: number }[] = [];
        let next = 0;
        const bytes = () => model.reduce((s, x) => s + x.size, 0);
        for (const o of ops) {
          if (o.kind === 'offer') {
            const fits = model.length < maxItems && bytes() + o.size <= maxBytes;
            expect(q.offer(next, o.size)).toBe(fits);
            if (fits) model.push({ id: next, size: o.size });
            next++;
          } else if (o.kind === 'take') {
            const got = q.take(o.count, o.bytes);
            let n = 0;
            let b = 0;
            while (n < Math.min(o.count, model.length) && (n === 0 || b + (model[n] as { size: number }).size <= o.bytes))
              b += (model[n++] as { size: number }).size;
            expect(got.items).toEqual(model.slice(0, n).map((x) => x.id));
            model = model.slice(n);
          } else {
            const got = q.take(o.count);
            const taken = model.slice(0, got.items.length);
            model = model.slice(got.items.length);
            const lost = q.putBack(got.items, got.sizes);
            let kept = 0;
            while (kept < taken.length && model.length + kept + 1 <= maxItems && bytes() + taken.slice(0, kept + 1).reduce((s, x) => s + x.size, 0) <= maxBytes)
              kept++;
            expect(lost).toBe(taken.length - kept);
            model = [...taken.slice(0, kept), ...model];
          }
          expect(q.length).toBe(model.length);
          expect(q.bytes).toBe(bytes());
          expect(q.length).toBeLessThanOrEqual(maxItems);
          expect(q.bytes).toBeLessThanOrEqual(maxBytes);
        }
      }),
      { numRuns: 300 },
    );
  });
});
