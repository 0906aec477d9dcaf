import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecentOutcomes, type Outcome } from '../../../src/labels/recent-outcomes.js';

/** The reference: a Map in setting order, the oldest key deleted beyond the capacity. */
class Reference {
  readonly map = new Map<string, Outcome>();
  constructor(private readonly capacity: number) {}
  set(id: string, o: Outcome): void {
    this.map.delete(id);
    this.map.set(id, o);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as string);
  }
}

describe('RecentOutcomes', () => {
  it('remembers the last `capacity` distinct ids set, as a Map in setting order does', () => {
    const op = fc.record({ id: fc.integer({ min: 0, max: 40 }), expired: fc.boolean() });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.array(op, { maxLength: 400 }), (capacity, ops) => {
        const r = new RecentOutcomes(capacity);
        const ref = new Reference(capacity);
        for (const { id, expired } of ops) {
          r.set(String(id), expired ? 'expired' : 'joined');
          ref.set(String(id), expired ? 'expired' : 'joined');
          expect(r.size).toBe(ref.map.size);
        }
        for (let id = 0; id <= 40; id++) expect(r.get(String(id))).toBe(ref.map.get(String(id)));
      }),
    );
  });

  it('stays exact through compaction: many sets, ids repeated and new', () => {
    const r = new RecentOutcomes(500);
    const ref = new Reference(500);
    for (let k = 0; k < 20_000; k++) {
      const id = String(k % 7 === 0 ? k % 300 : k);
      const o: Outcome = k % 3 === 0 ? 'expired' : 'joined';
      r.set(id, o);
      ref.set(id, o);
    }
    for (let k = 0; k < 20_000; k++) expect(r.get(String(k))).toBe(ref.map.get(String(k)));
    const small = new RecentOutcomes(10);
    for (let k = 0; k < 10_000; k++) small.set(String(k % 3), 'joined');
    expect(small.size).toBe(3);
  });
});
