import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareOffsets, nextOffset, parseOffset, toOffset } from '../../../src/labels/offset.js';
import { OffsetTracker, undone } from '../../../src/labels/index.js';

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);
/** int64 offsets around the edges: small, near 2^53, near 2^63. */
const int64 = fc.oneof(
  fc.bigInt({ min: 0n, max: 1000n }),
  fc.bigInt({ min: SAFE - 1000n, max: SAFE + 1000n }),
  fc.bigInt({ min: (1n << 63n) - 1000n, max: (1n << 63n) - 1n }),
);

describe('Offset', () => {
  it('is a number up to 2^53 - 1 and a bigint above, parsed and compared exactly', () => {
    expect(parseOffset('42')).toBe(42);
    expect(parseOffset(String(SAFE))).toBe(Number.MAX_SAFE_INTEGER);
    expect(parseOffset(String(SAFE + 1n))).toBe(SAFE + 1n);
    expect(nextOffset(Number.MAX_SAFE_INTEGER)).toBe(SAFE + 1n);
    expect(parseOffset('9223372036854775807')).toBe(9223372036854775807n);
    fc.assert(
      fc.property(int64, int64, (a, b) => {
        const x = parseOffset(a.toString());
        const y = parseOffset(b.toString());
        expect(BigInt(x)).toBe(a);
        expect(toOffset(a)).toBe(x);
        expect(compareOffsets(x, y)).toBe(a < b ? -1 : a > b ? 1 : 0);
        expect(x === y).toBe(a === b);
        expect(BigInt(nextOffset(x))).toBe(a + 1n);
        expect(nextOffset(x)).toBe(toOffset(a + 1n));
      }),
    );
  });

  it('keeps an offset tracker exact across 2^53 and up to 2^63, given bigints or numbers', () => {
    const step = fc.oneof(fc.record({ receive: fc.integer({ min: 1, max: 3 }) }), fc.record({ done: fc.nat() }));
    fc.assert(
      fc.property(int64, fc.array(step, { maxLength: 100 }), fc.boolean(), (start, steps, asNumbers) => {
        const t = new OffsetTracker();
        const done = new Set<bigint>();
        const pending: bigint[] = [];
        const arg = (o: bigint) => (asNumbers && o <= SAFE ? Number(o) : o);
        let next = start;
        for (const s of steps) {
          if ('receive' in s) {
            const o = pending.length || done.size ? next + BigInt(s.receive) - 1n : next;
            for (let k = next; k < o; k++) done.add(k);
            t.receive(arg(o));
            pending.push(o);
            next = o + 1n;
          } else if (pending.length) {
            const [o] = pending.splice(s.done % pending.length, 1) as [bigint];
            t.markDone(arg(o));
            done.add(o);
          }
        }
        const restored = new OffsetTracker(JSON.parse(JSON.stringify(t.state() ?? null)) ?? undefined);
        for (let o = start - 2n; o < next + 2n; o++) {
          const expected = o < start ? pending.length + done.size > 0 : done.has(o);
          expect(t.isDone(o)).toBe(expected);
          expect(restored.isDone(arg(o))).toBe(expected);
        }
        if (pending.length + done.size > 0) {
          const min = pending.reduce((m, o) => (o < m ? o : m), next);
          expect(t.resumeOffset).toBe(min);
          expect(t.state()?.resume).toBe(min.toString());
        }
      }),
    );
  });

  it('reopens offsets across 2^53 exactly (undone)', () => {
    const at = (k: number) => (SAFE - 2n + BigInt(k)).toString();
    const state = { resume: at(0), done: [[at(1), at(6)] as const] };
    expect(undone(state, [SAFE - 2n + 3n, Number(SAFE - 2n)])).toEqual({
      resume: at(0),
      done: [
        [at(1), at(3)],
        [at(4), at(6)],
      ],
    });
    expect(undone({ resume: at(4), done: [] }, [SAFE + 1n])).toEqual({ resume: at(3), done: [] });
  });
});
