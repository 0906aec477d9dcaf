import { concatMap, from } from 'rxjs';
import type { Kafka } from 'kafkajs';
import type { Logger, PartitionKey, RecordChunk } from '../core/index.js';
import { partitionKey } from '../core/index.js';
import { KafkaSource, type RecordDecoder, type RecordSink } from '../consumers/index.js';
import { BoundedBuffer } from './bounded-buffer.js';
import { toMicroBatches, type PackedBatch } from './micro-batches.js';
import { chunkBelow } from './retrain-plan.js';

export interface StreamOptions {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly decoder: RecordDecoder;
  readonly logger: Logger;
  readonly batchSize: number;
  readonly maxWaitMs: number;
  readonly maxBuffered: number;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  /** Where each partition is read from. */
  readonly from: ReadonlyMap<PartitionKey, bigint>;
  /** Where each partition ends (exclusive): the stream stops once every partition got there. Absent: it follows the topics. */
  readonly until?: ReadonlyMap<PartitionKey, bigint>;
  /** Stops the stream after this long. */
  readonly maxMs?: number;
  /** Handles one micro-batch; false stops the stream. */
  readonly onBatch: (batch: PackedBatch) => Promise<boolean>;
}

/**
 * Reads source partitions from given offsets through the service's own consumer, backpressure buffer and
 * micro-batching, and hands each micro-batch to `onBatch` in order. Never commits an offset and writes nothing:
 * the records live in memory until their batch is handled. Resolves once stopped (by `until`, `onBatch`,
 * `maxMs`), with whether it was stopped by the time limit.
 */
export async function streamBatches(o: StreamOptions): Promise<{ timedOut: boolean }> {
  const buffer = new BoundedBuffer(o.maxBuffered);
  const source = new KafkaSource({
    kafka: o.kafka,
    groupId: o.groupId,
    topics: o.topics,
    fromBeginning: true,
    sessionTimeoutMs: o.sessionTimeoutMs,
    heartbeatIntervalMs: o.heartbeatIntervalMs,
    decoder: o.decoder,
    logger: o.logger,
    chunkRecords: Math.min(1024, Math.max(64, o.batchSize), o.maxBuffered),
  });
  let stopping: Promise<void> | undefined;
  /** Set when `onBatch` or the time limit stopped the stream: batches still on their way are dropped unhandled. */
  let discard = false;
  let timedOut = false;
  const stop = (): Promise<void> =>
    (stopping ??= source
      .halt()
      .catch(() => undefined)
      .then(() => buffer.complete()));
  const done = new Promise<void>((resolve, reject) => {
    source.onFatal(reject);
    buffer.chunks$
      .pipe(
        toMicroBatches(o.batchSize, o.maxWaitMs),
        concatMap((batch) =>
          from(
            (async () => {
              if (!discard && !(await o.onBatch(batch))) {
                discard = true;
                void stop();
              }
              buffer.release(batch.records);
            })(),
          ),
        ),
      )
      .subscribe({ error: reject, complete: resolve });
  });
  done.catch(() => undefined);
  const sink = o.until ? new CutSink(buffer, o.from, o.until, () => void stop()) : buffer;
  const timer =
    o.maxMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = discard = true;
          void stop();
        }, o.maxMs);
  try {
    if (o.until && [...o.until].every(([k, end]) => (o.from.get(k) ?? end) >= end)) return { timedOut };
    await source.start(sink, o.from);
    await done;
    return { timedOut };
  } finally {
    clearTimeout(timer);
    await stop();
    await source.stop().catch(() => undefined);
  }
}

/** Passes on each partition's records below its end, and calls `ended` once every partition reached its end. */
class CutSink implements RecordSink {
  private readonly open: Set<PartitionKey>;

  constructor(
    private readonly buffer: BoundedBuffer,
    from: ReadonlyMap<PartitionKey, bigint>,
    private readonly until: ReadonlyMap<PartitionKey, bigint>,
    private readonly ended: () => void,
  ) {
    this.open = new Set([...until].filter(([k, end]) => (from.get(k) ?? end) < end).map(([k]) => k));
  }

  get full(): boolean {
    return this.buffer.full;
  }

  whenRoom(): Promise<void> {
    return this.buffer.whenRoom();
  }

  offer(chunk: RecordChunk): void {
    const key = partitionKey(chunk.topic, chunk.partition);
    const end = this.until.get(key);
    if (end === undefined || !this.open.has(key)) return;
    const below = chunkBelow(chunk, end);
    if (below && below.records > 0) this.buffer.offer(below);
    if (chunk.to >= end) {
      this.open.delete(key);
      if (this.open.size === 0) this.ended();
    }
  }
}
