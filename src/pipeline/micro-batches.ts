import { Observable, type OperatorFunction } from 'rxjs';
import type { Batch, LoggedOutputs, PartitionKey, RecordChunk, RejectedRecord } from '../core/index.js';
import { partitionKey } from '../core/index.js';

/** A micro-batch ready for the learner, plus the rejected records that travelled with it. */
export interface PackedBatch extends Batch {
  readonly rejected: readonly RejectedRecord[];
  /** All records, accepted and rejected: what the buffer releases once the batch is learned. */
  readonly records: number;
  /** `performance.now()` when the batch's newest records reached the batcher: the start of its freshness. */
  readonly receivedAt: number;
}

/** Part of a chunk: rows [rowFrom, rowTo) and the offsets [from, to) of its partition they cover. */
interface Piece {
  readonly chunk: RecordChunk;
  readonly rowFrom: number;
  readonly rowTo: number;
  readonly from: bigint;
  readonly to: bigint;
  readonly rejected: readonly RejectedRecord[];
}

/**
 * Groups chunks of decoded records into micro-batches of `size` examples, emitting a partial batch when
 * `maxWaitMs` has passed since its first record (a quiet stream is still learned promptly). A chunk that
 * overflows a batch is split at an example: the first batch takes the offsets up to that example (rejected
 * records before it included), the next batch the rest, so consecutive batches' offset ranges tile each
 * partition. Rejected records alone do not fill a batch; a pending group of `4 * size` records is emitted
 * whatever it holds, so dead letters are not held back. Completion flushes the partial batch.
 *
 * `size` may be a function: it is called once as each batch starts (when its first chunk arrives) and bounds that
 * batch (an integer >= 1), so the bound can follow backpressure (see BatchBound) while the operator stays pure
 * of any state outside it.
 */
export function toMicroBatches(size: number | (() => number), maxWaitMs: number): OperatorFunction<RecordChunk, PackedBatch> {
  const boundOf = typeof size === 'number' ? () => size : size;
  return (source) =>
    new Observable<PackedBatch>((subscriber) => {
      let pending: Piece[] = [];
      let rows = 0;
      let records = 0;
      let receivedAt = 0;
      let timer: NodeJS.Timeout | undefined;
      /** The bound of the batch being filled, read when it starts. */
      let limit = 0;
      const open = () => {
        if (pending.length > 0) return;
        const b = boundOf();
        if (!Number.isInteger(b) || b < 1) throw new RangeError(`a micro-batch bound must be an integer >= 1, got ${b}`);
        limit = b;
      };
      const flush = () => {
        if (timer) clearTimeout(timer);
        timer = undefined;
        if (pending.length === 0) return;
        const out = pack(pending, rows, records, receivedAt);
        pending = [];
        rows = 0;
        records = 0;
        subscriber.next(out);
      };
      const add = (p: Piece) => {
        pending.push(p);
        receivedAt = performance.now();
        rows += p.rowTo - p.rowFrom;
        records += p.rowTo - p.rowFrom + p.rejected.length;
        if (pending.length === 1) timer = setTimeout(flush, maxWaitMs);
        if (rows >= limit || records >= 4 * limit) flush();
      };
      const sub = source.subscribe({
        next(chunk) {
          let row = 0;
          let from = chunk.from;
          let rejected = chunk.rejected;
          open();
          // Split while the rest of the chunk holds more examples than the pending batch has room for.
          while (chunk.size - row > limit - rows) {
            const end = row + (limit - rows);
            const splitAt = BigInt(chunk.offsets[end] as string);
            const before = rejected.filter((r) => BigInt(r.offset) < splitAt);
            rejected = rejected.slice(before.length);
            add({ chunk, rowFrom: row, rowTo: end, from, to: splitAt, rejected: before });
            row = end;
            from = splitAt;
            open();
          }
          add({ chunk, rowFrom: row, rowTo: chunk.size, from, to: chunk.to, rejected });
        },
        error(err) {
          if (timer) clearTimeout(timer);
          subscriber.error(err);
        },
        complete() {
          flush();
          subscriber.complete();
        },
      });
      return () => {
        if (timer) clearTimeout(timer);
        sub.unsubscribe();
      };
    });
}

/** Copies the pieces' rows into one row-major batch and merges their offset ranges per partition. */
function pack(pieces: readonly Piece[], size: number, records: number, receivedAt: number): PackedBatch {
  const width = (pieces[0] as Piece).chunk.width;
  const only = pieces.length === 1 ? (pieces[0] as Piece) : undefined;
  // One whole chunk is one batch: its buffers are used as they are.
  const whole = only && only.rowFrom === 0 && only.rowTo === only.chunk.size;
  const features = whole ? only.chunk.features : new Float32Array(size * width);
  const labels = whole ? only.chunk.labels : new Float32Array(size);
  const offsets = new Map<PartitionKey, { from: bigint; to: bigint }>();
  const rejected: RejectedRecord[] = [];
  let at = 0;
  for (const p of pieces) {
    const { chunk } = p;
    const n = p.rowTo - p.rowFrom;
    if (!whole && n > 0) {
      features.set(chunk.features.subarray(p.rowFrom * width, p.rowTo * width), at * width);
      labels.set(chunk.labels.subarray(p.rowFrom, p.rowTo), at);
    }
    at += n;
    for (const r of p.rejected) rejected.push(r);
    const k = partitionKey(chunk.topic, chunk.partition);
    const range = offsets.get(k);
    if (range) {
      if (p.from < range.from) range.from = p.from;
      if (p.to > range.to) range.to = p.to;
    } else offsets.set(k, { from: p.from, to: p.to });
  }
  const logged = whole ? only.chunk.logged : packLogged(pieces, size);
  return { size, width, features, labels, offsets, rejected, records, receivedAt, ...(logged ? { logged } : {}) };
}

/** The pieces' logged outputs in one row-major array (NaN rows where a piece has none); undefined when none has any. */
function packLogged(pieces: readonly Piece[], size: number): LoggedOutputs | undefined {
  const width = pieces.find((p) => p.chunk.logged)?.chunk.logged?.width;
  if (width === undefined) return undefined;
  const values = new Float32Array(size * width).fill(Number.NaN);
  let at = 0;
  for (const p of pieces) {
    const l = p.chunk.logged;
    if (l?.width === width) values.set(l.values.subarray(p.rowFrom * width, p.rowTo * width), at * width);
    at += p.rowTo - p.rowFrom;
  }
  return { width, values };
}
