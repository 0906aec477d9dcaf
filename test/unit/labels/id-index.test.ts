import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdIndex, type Outcome } from '../../../src/labels/id-index.js';

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

/** Resolves `id` as `o`, as the join does (pin, remember, release). */
function set(ids: IdIndex, id: string, o: Outcome): void {
  ids.remember(ids.slot(id), o);
  ids.release();
}

/** The remembered outcome of `id`, leaving the table as it was. */
function get(ids: IdIndex, id: string): Outcome | undefined {
  const o = ids.outcome(ids.slot(id));
  ids.release();
  return o;
}

describe('IdIndex', () => {
  it('remembers the last `capacity` distinct ids set, as a Map in setting order does', () => {
    const op = fc.record({ id: fc.integer({ min: 0, max: 40 }), expired: fc.boolean() });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.array(op, { maxLength: 400 }), (capacity, ops) => {
        const r = new IdIndex(capacity);
        const ref = new Reference(capacity);
        for (const { id, expired } of ops) {
          set(r, String(id), expired ? 'expired' : 'joined');
          ref.set(String(id), expired ? 'expired' : 'joined');
          expect(r.size).toBe(ref.map.size);
          expect(r.ids).toBe(ref.map.size);
        }
        for (let id = 0; id <= 40; id++) expect(get(r, String(id))).toBe(ref.map.get(String(id)));
        expect(r.ids).toBe(ref.map.size);
      }),
    );
  });

  it('stays exact through compaction: many sets, ids repeated and new', () => {
    const r = new IdIndex(500);
    const ref = new Reference(500);
    for (let k = 0; k < 20_000; k++) {
      const id = String(k % 7 === 0 ? k % 300 : k);
      const o: Outcome = k % 3 === 0 ? 'expired' : 'joined';
      set(r, id, o);
      ref.set(id, o);
    }
    for (let k = 0; k < 20_000; k++) expect(get(r, String(k))).toBe(ref.map.get(String(k)));
    const small = new IdIndex(10);
    for (let k = 0; k < 10_000; k++) set(small, String(k % 3), 'joined');
    expect(small.size).toBe(3);
    expect(small.ids).toBe(3);
  });

  it('keeps a pinned slot, and one with records waiting, when its outcome is forgotten', () => {
    const ids = new IdIndex(1);
    const x = ids.slot('x');
    x.labels = {} as never; // a label of x waits
    ids.release();
    set(ids, 'a', 'joined');
    expect(ids.ids).toBe(2);
    const a = ids.slot('a'); // the slot an add works on
    x.labels = undefined;
    ids.remember(x, 'expired'); // resolving x forgets a, which stays while pinned
    expect(ids.outcome(a)).toBeUndefined();
    expect(ids.ids).toBe(2);
    ids.release();
    expect(ids.ids).toBe(1);
  });
});
