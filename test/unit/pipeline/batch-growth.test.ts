import fc from 'fast-check';
import { Subject, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { toMicroBatches } from '../../../src/pipeline/index.js';
import { BatchBound } from '../../../src/pipeline/batch-bound.js';
import { partitionKey, type RecordChunk } from '../../../src/core/index.js';
import { chunkOf } from '../../support/record-chunks.js';

describe('BatchBound', () => {
  it('never leaves batch.size while nothing is held (learning at ordinary rates is unchanged)', () => {
    const bound = new BatchBound(256, 1024, () => 0);
    for (let i = 0; i < 1000; i++) expect(bound.next()).toBe(256);
  });

  it('never leaves batch.size while less than two batches are held', () => {
    let held = 0;
    const bound = new BatchBound(256, 1024, () => held);
    for (let i = 0; i <= 512; i++) {
      held = i;
      expect(bound.next()).toBe(256);
    }
  });

  it('doubles while records queue up, up to maxSize, and halves back to size as the queue drains', () => {
    let held = 8192;
    const bound = new BatchBound(256, 1024, () => held);
    expect([bound.next(), bound.next(), bound.next()]).toEqual([512, 1024, 1024]);
    held = 1500; // between one and two batches' worth: stays
    expect(bound.next()).toBe(1024);
    held = 100;
    expect([bound.next(), bound.next(), bound.next()]).toEqual([512, 256, 256]);
    expect(bound.current).toBe(256);
  });

  it('with maxSize equal to size, never grows', () => {
    const bound = new BatchBound(256, 256, () => 1e9);
    expect(bound.next()).toBe(256);
  });

  it('property: the bound stays within [size, maxSize] and is size while nothing is held', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 0, max: 8 }),
        fc.array(fc.nat({ max: 5000 }), { maxLength: 60 }),
        (size, extra, helds) => {
          const maxSize = size * (1 + extra);
          let held = 0;
          const bound = new BatchBound(size, maxSize, () => held);
          for (const h of helds) {
            held = h;
            const b = bound.next();
            expect(b).toBeGreaterThanOrEqual(size);
            expect(b).toBeLessThanOrEqual(maxSize);
          }
          // Drained: back to size within log2(maxSize / size) + 1 batches.
          held = 0;
          for (let i = 0; i < 8; i++) bound.next();
          expect(bound.current).toBe(size);
        },
      ),
    );
  });
});

describe('toMicroBatches with a growing size', () => {
  it('property: a bound read as each batch starts bounds it; every record once, in order; offsets tile each partition', async () => {
    const chunkSpec = fc.record({
      partition: fc.integer({ min: 0, max: 1 }),
      kinds: fc.array(fc.constantFrom<'ok' | 'bad'>('ok', 'ok', 'ok', 'bad'), { minLength: 1, maxLength: 40, size: 'max' }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(chunkSpec, { maxLength: 30, size: 'max' }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 10 }),
        async (specs, sizes) => {
          const next = [0, 0];
          const chunks = specs.map(({ partition, kinds }) => {
            const c = chunkOf(partition, next[partition] as number, kinds);
            next[partition] = (next[partition] as number) + kinds.length;
            return c;
          });
          const bounds: number[] = [];
          const sizeNow = () => {
            const s = sizes[bounds.length % sizes.length] as number;
            bounds.push(s);
            return s;
          };
          const src = new Subject<RecordChunk>();
          const done = lastValueFrom(src.pipe(toMicroBatches(sizeNow, 10_000), toArray()));
          chunks.forEach((c) => src.next(c));
          src.complete();
          const batches = await done;
          expect(batches.flatMap((b) => [...b.features])).toEqual(chunks.flatMap((c) => [...c.features]));
          expect(batches.reduce((n, b) => n + b.records, 0)).toBe(chunks.reduce((n, c) => n + c.records, 0));
          expect(batches.flatMap((b) => b.rejected.map((r) => `${r.partition}:${r.offset}`))).toEqual(
            chunks.flatMap((c) => c.rejected.map((r) => `${r.partition}:${r.offset}`)),
          );
          // One bound per batch, read as it starts; a batch cut on rows is exactly its bound.
          expect(bounds.length).toBe(batches.length);
          batches.forEach((b, i) => {
            const bound = bounds[i] as number;
            expect(b.size).toBeLessThanOrEqual(bound);
            if (i < batches.length - 1 && b.records < 4 * bound) expect(b.size).toBe(bound);
            for (let r = 0; r < b.size; r++) {
              const range = b.offsets.get(partitionKey('t', b.features[r * 2] as number));
              expect(range && range.from <= BigInt(b.labels[r] as number) && BigInt(b.labels[r] as number) < range.to).toBe(true);
            }
          });
          for (const p of [0, 1]) {
            let at = 0n;
            for (const b of batches) {
              const r = b.offsets.get(partitionKey('t', p));
              if (!r) continue;
              expect(r.from).toBe(at);
              at = r.to;
            }
            expect(at).toBe(BigInt(next[p] as number));
          }
        },
      ),
    );
  });
});
