import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AdaptiveStepSize } from '../../../src/learner/index.js';

describe('AdaptiveStepSize (learner.updateBatchSize: auto)', () => {
  it('takes a step per sample while the learner keeps up', () => {
    const s = new AdaptiveStepSize();
    for (let i = 0; i < 50; i++) expect(s.next(i % 2, 256)).toBe(1);
  });

  it('doubles while batches queue up, up to the whole batch, and halves back once the queue drains', () => {
    const s = new AdaptiveStepSize();
    const sizes: number[] = [];
    for (let i = 0; i < 20; i++) sizes.push(s.next(3, 256));
    expect(sizes.slice(0, 4)).toEqual([1, 2, 2, 4]);
    expect(sizes.at(-1)).toBe(256);
    const down: number[] = [];
    for (let i = 0; i < 40; i++) down.push(s.next(0, 256));
    // Once poolEvery is back to 1 (see below), the size halves every two batches.
    expect(down.filter((size) => size < 256).slice(0, 3)).toEqual([128, 128, 64]);
    expect(down.at(-1)).toBe(1);
  });

  it('once steps are whole batches and the queue still grows, doubles poolEvery up to 16; on the way back poolEvery drops first', () => {
    const s = new AdaptiveStepSize();
    const seen: [number, number][] = [];
    for (let i = 0; i < 40; i++) seen.push([s.next(3, 256), s.poolEvery]);
    // poolEvery stays 1 until the step is the whole batch.
    expect(seen.filter(([size]) => size < 256).every(([, every]) => every === 1)).toBe(true);
    expect(seen.at(-1)).toEqual([256, 16]);
    const back: [number, number][] = [];
    for (let i = 0; i < 40; i++) back.push([s.next(0, 256), s.poolEvery]);
    expect(back.slice(0, 4)).toEqual([
      [256, 16],
      [256, 8],
      [256, 8],
      [256, 4],
    ]);
    expect(back.filter(([size]) => size < 256).every(([, every]) => every === 1)).toBe(true);
    expect(back.at(-1)).toEqual([1, 1]);
  });

  it('keeps poolEvery at 1 when there is no pool to shed (maxPoolEvery 1)', () => {
    const s = new AdaptiveStepSize(2, 2, 1);
    for (let i = 0; i < 60; i++) s.next(3, 256);
    expect([s.current, s.poolEvery]).toEqual([256, 1]);
  });

  it('does not move on a single burst or a single idle batch', () => {
    const s = new AdaptiveStepSize();
    for (let i = 0; i < 30; i++) expect(s.next(i % 2 === 0 ? 3 : 0, 256)).toBe(1);
  });

  it('stays a power of two within [1, the batch rounded up to a power of two], whatever the queue', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(6), { maxLength: 200 }), fc.integer({ min: 1, max: 2048 }), (queue, batch) => {
        const s = new AdaptiveStepSize();
        let ceiling = 1;
        while (ceiling < batch) ceiling *= 2;
        let last = 1;
        for (const waiting of queue) {
          const size = s.next(waiting, batch);
          expect(size >= 1 && size <= ceiling).toBe(true);
          expect(Number.isInteger(Math.log2(size))).toBe(true);
          // One batch moves the size by at most a factor of two.
          expect(size === last || size === last * 2 || size === last / 2).toBe(true);
          last = size;
        }
      }),
    );
  });
});
