import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OffsetTracker } from '../../../src/labels/index.js';

describe('OffsetTracker', () => {
  it('moves the resume offset past done records and keeps done ones above a pending record as ranges', () => {
    const t = new OffsetTracker();
    for (const o of [10n, 11n, 12n, 13n]) t.receive(o);
    expect(t.resumeOffset).toBe(10n);
    t.markDone(11n);
    t.markDone(12n);
    expect(t.state()).toEqual({ resume: '10', done: [['11', '13']] });
    expect([10n, 11n, 12n, 13n].map((o) => t.isDone(o))).toEqual([false, true, true, false]);
    t.markDone(10n);
    expect(t.state()).toEqual({ resume: '13', done: [] });
    expect(t.isDone(9n)).toBe(true);
  });

  it('counts offsets Kafka skipped (transaction markers, compaction) as done', () => {
    const t = new OffsetTracker();
    t.receive(0n);
    t.receive(5n);
    expect(t.state()).toEqual({ resume: '0', done: [['1', '5']] });
    t.markDone(0n);
    expect(t.resumeOffset).toBe(5n);
  });

  it('refuses to mark a record done before it was received', () => {
    const t = new OffsetTracker();
    t.receive(3n);
    expect(() => t.markDone(4n)).toThrow(RangeError);
  });

  it('restores from plain JSON: replayed pending records are received again, done ones stay done', () => {
    const t = new OffsetTracker();
    for (let o = 0n; o < 6n; o++) t.receive(o);
    t.markDone(1n);
    t.markDone(3n);
    const r = new OffsetTracker(JSON.parse(JSON.stringify(t.state())));
    expect(r.resumeOffset).toBe(0n);
    expect([0n, 1n, 2n, 3n, 4n, 5n].map((o) => r.isDone(o))).toEqual([false, true, false, true, false, false]);
    for (let o = 0n; o < 7n; o++) if (!r.isDone(o)) r.receive(o);
    for (const o of [0n, 2n, 4n, 5n, 6n]) r.markDone(o);
    expect(r.state()).toEqual({ resume: '7', done: [] });
  });

  it('agrees with a set of done offsets, keeps at most one range per pending record, and survives JSON', () => {
    const step = fc.oneof(fc.record({ receive: fc.integer({ min: 1, max: 3 }) }), fc.record({ done: fc.nat() }));
    fc.assert(
      fc.property(fc.nat({ max: 1000 }), fc.array(step, { maxLength: 200 }), (start, steps) => {
        const t = new OffsetTracker();
        const done = new Set<number>();
        const pending: number[] = [];
        let next = start;
        for (const s of steps) {
          if ('receive' in s) {
            const o = pending.length || done.size ? next + s.receive - 1 : next;
            for (let k = next; k < o; k++) done.add(k);
            t.receive(BigInt(o));
            pending.push(o);
            next = o + 1;
          } else if (pending.length) {
            const [o] = pending.splice(s.done % pending.length, 1) as [number];
            t.markDone(BigInt(o));
            done.add(o);
          }
          expect(t.rangeCount).toBeLessThanOrEqual(pending.length + 1);
        }
        const restored = new OffsetTracker(JSON.parse(JSON.stringify(t.state() ?? null)) ?? undefined);
        for (let o = start - 2; o < next + 2; o++) {
          const expected = o < start ? pending.length + done.size > 0 : done.has(o);
          expect(t.isDone(BigInt(o))).toBe(expected);
          expect(restored.isDone(BigInt(o))).toBe(expected);
        }
        if (pending.length + done.size > 0) expect(t.resumeOffset).toBe(BigInt(pending.length ? Math.min(...pending) : next));
      }),
    );
  });
});
