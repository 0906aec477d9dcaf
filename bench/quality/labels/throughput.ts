/**
 * The in-process cost of the join: the same feature records to the micro-batcher (`toMicroBatches`, as the
 * pipeline's), straight (today: each record carries its label) or through LabelJoin (addFeature / addLabel in
 * event-time order, `take()` after each fetch of `batch` feature records and the labels that arrived meanwhile).
 * Both paths write each example into a ChunkBuilder, as the decoder does, and push the chunk to the batcher. No
 * model, no Kafka, no decoding: the ratio is the join's share of the work between the fetch and the learner.
 */
import { Subject } from 'rxjs';
import { ChunkBuilder } from '../../../src/consumers/index.js';
import type { JoinedExample, LabelJoinOptions } from '../../../src/labels/index.js';
import { toMicroBatches } from '../../../src/pipeline/index.js';
import type { QualityStream } from '../streams.js';
import { JoinFeed } from './join-feed.js';
import { labelArrivals, type LabelSchedule } from './schedule.js';

export interface ThroughputResult {
  /** Feature records per second, straight to the batcher (median of the repeats). */
  readonly plainPerS: number;
  /** Feature records per second through the join (its label records read too), to the batcher. */
  readonly joinPerS: number;
  /** joinPerS / plainPerS. */
  readonly ratio: number;
  readonly records: number;
  readonly repeats: number;
}

/** The pipeline's micro-batcher fed with chunks; `close()` returns the rows it emitted. */
function batcher(batch: number, width: number) {
  const input = new Subject<ReturnType<ChunkBuilder['finish']>>();
  let rows = 0;
  let offset = 0;
  const sub = input.pipe(toMicroBatches(batch, 60_000)).subscribe((b) => (rows += b.size));
  return {
    /** Examples [0, size): row r and its label (each row copied into the chunk, as the decoder writes it). */
    push(size: number, row: (r: number) => Float32Array, label: (r: number) => number): void {
      if (size === 0) return;
      const chunk = new ChunkBuilder('features', 0, width, size);
      for (let r = 0; r < size; r++) {
        chunk.features.set(row(r), r * width);
        chunk.accept(label(r), String(offset++));
      }
      input.next(chunk.finish());
    },
    close(): number {
      input.complete();
      sub.unsubscribe();
      return rows;
    },
  };
}

/** Seconds to batch the stream's records straight (each with its label). */
function plainSeconds(s: QualityStream, batch: number): number {
  const t0 = performance.now();
  const b = batcher(batch, s.width);
  for (let from = 0; from < s.size; from += batch) {
    const to = Math.min(s.size, from + batch);
    const w = s.width;
    b.push(
      to - from,
      (r) => s.features.subarray((from + r) * w, (from + r + 1) * w),
      (r) => s.labels[from + r] as number,
    );
  }
  if (b.close() !== s.size) throw new RangeError('plain path lost records');
  return (performance.now() - t0) / 1000;
}

/** Seconds to join the stream's records with their labels and batch the examples. */
function joinSeconds(s: QualityStream, schedule: LabelSchedule, options: LabelJoinOptions, batch: number, arrivals: Int32Array): number {
  const t0 = performance.now();
  const feed = new JoinFeed(s, schedule, options, arrivals);
  const b = batcher(batch, s.width);
  const push = (ex: JoinedExample[]) =>
    b.push(
      ex.length,
      (r) => (ex[r] as JoinedExample).row,
      (r) => (ex[r] as JoinedExample).label,
    );
  for (let from = 0; from < s.size; from += batch) push(feed.deliverJoined(from, Math.min(s.size, from + batch)));
  push(feed.finishJoined());
  const rows = b.close();
  const c = feed.join.counts;
  if (rows !== c.joined + c.defaulted) throw new RangeError('join path lost records');
  return (performance.now() - t0) / 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** Times both paths `repeats` times, alternating, after one warm-up of each; medians. */
export function joinThroughput(s: QualityStream, schedule: LabelSchedule, options: LabelJoinOptions, batch: number, repeats = 5): ThroughputResult {
  const arrivals = labelArrivals(schedule);
  plainSeconds(s, batch);
  joinSeconds(s, schedule, options, batch, arrivals);
  const plain: number[] = [];
  const joined: number[] = [];
  for (let k = 0; k < repeats; k++) {
    plain.push(plainSeconds(s, batch));
    joined.push(joinSeconds(s, schedule, options, batch, arrivals));
  }
  const plainPerS = s.size / median(plain);
  const joinPerS = s.size / median(joined);
  return { plainPerS, joinPerS, ratio: joinPerS / plainPerS, records: s.size, repeats };
}
