import { pauseUntilRoom } from './pause-until-room.js';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Logger, PartitionKey, RecordChunk } from '../core/index.js';
import { parsePartitionKey, partitionKey } from '../core/index.js';
import { ChunkBuilder } from './chunk-builder.js';
import type { RecordDecoder } from './record-decoder.js';
import { waitForTopics } from './wait-for-topics.js';

/** Where the source delivers records, a chunk at a time. The pipeline's bounded buffer implements it. */
export interface RecordSink {
  /** Accepts one chunk of decoded records; never blocks. */
  offer(chunk: RecordChunk): void;
  /** True while the sink holds as many records as it may; the source stops fetching. */
  readonly full: boolean;
  /** Resolves when the sink has room again. */
  whenRoom(): Promise<void>;
}

export interface KafkaSourceOptions {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly fromBeginning: boolean;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly decoder: RecordDecoder;
  readonly logger: Logger;
  /**
   * The most records per chunk handed to the sink. The sink's fill is checked between chunks, so it may hold up
   * to `capacity - 1 + chunkRecords` records. @default 512
   */
  readonly chunkRecords?: number;
}

export interface SourceStats {
  records: number;
  duplicatesSkipped: number;
  pauses: number;
  paused: boolean;
}

/**
 * A kafkajs consumer-group member that feeds the pipeline.
 *
 * Offsets are never auto-committed: the pipeline commits only offsets whose effect is in a durable checkpoint.
 * The source keeps, per partition, the next offset it has handed on; anything Kafka delivers below it (after a
 * rebalance, a retry, or a commit lost in a crash) is skipped, so no record reaches the model twice.
 * When the sink is full the source pauses its topics and keeps heartbeating while it waits, so a slow learner
 * slows the consumer down without the group coordinator declaring it dead (the rebalance-loop trap).
 * @see https://kafka.js.org/docs/consuming#a-name-each-batch-a-eachbatch
 */
export class KafkaSource {
  private readonly consumer: Consumer;
  private readonly next = new Map<PartitionKey, bigint>();
  private readonly log: Logger;
  readonly stats: SourceStats = { records: 0, duplicatesSkipped: 0, pauses: 0, paused: false };
  private sink?: RecordSink;
  private halted = false;
  private active: Promise<void> = Promise.resolve();
  private crashed?: (err: Error) => void;

  constructor(private readonly options: KafkaSourceOptions) {
    this.log = options.logger.child({ module: 'consumer' });
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: options.heartbeatIntervalMs,
      // Bounded fetches: with the sink's own bound this caps the memory held by records not yet learned.
      maxBytesPerPartition: 1 << 20,
      maxBytes: 8 << 20,
      // How long a fetch may wait for records, and so how long a disconnect may wait for the fetch in flight
      // (paused topics, as in a graceful stop, sleep as long): the default 5 s would hold up a handover.
      // Records end a wait as soon as they arrive, so this only sets how often an idle consumer asks again.
      maxWaitTimeInMs: 100,
      retry: { retries: 10 },
    });
  }

  /** Calls `handler` when kafkajs gives up (a non-retriable crash): the service should stop and be restarted. */
  onFatal(handler: (err: Error) => void): void {
    this.crashed = handler;
  }

  /** Next offset to read per partition, as of the last record handed to the sink. */
  positions(): ReadonlyMap<PartitionKey, bigint> {
    return this.next;
  }

  /**
   * Joins the group and starts delivering. `from` holds the restored checkpoint's `to` offsets: assigned
   * partitions are moved there before the first fetch (and after every rebalance, to where we are now).
   */
  async start(sink: RecordSink, from: ReadonlyMap<PartitionKey, bigint>): Promise<void> {
    this.sink = sink;
    for (const [k, v] of from) this.next.set(k, v);
    const { consumer } = this;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      for (const [topic, partitions] of Object.entries(payload.memberAssignment)) {
        for (const partition of partitions) {
          const at = this.next.get(partitionKey(topic, partition));
          if (at !== undefined) consumer.seek({ topic, partition, offset: at.toString() });
        }
      }
      this.log.info({ assignment: payload.memberAssignment, memberId: payload.memberId }, 'joined consumer group');
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.log.error({ err: payload.error.message, restart: payload.restart }, 'consumer crashed');
      if (!payload.restart) this.crashed?.(payload.error);
    });
    await waitForTopics(this.options.kafka, this.options.topics, this.log);
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.options.topics], fromBeginning: this.options.fromBeginning });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => (this.active = this.eachBatch(payload)),
    });
  }

  /** Commits `to` offsets (next offset to read) for the lag tools; only called after a durable checkpoint. */
  async commit(offsets: ReadonlyMap<PartitionKey, bigint>): Promise<void> {
    const list = [...offsets].map(([k, offset]) => ({ ...parsePartitionKey(k), offset: offset.toString() }));
    if (list.length) await this.consumer.commitOffsets(list);
  }

  /**
   * Stops handing records on but stays in the group, so the offsets of a last checkpoint can still be
   * committed: pauses every topic and waits for the batch in progress to return.
   */
  async halt(): Promise<void> {
    this.halted = true;
    this.consumer.pause(this.options.topics.map((topic) => ({ topic })));
    await this.active.catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.halted = true;
    await this.consumer.disconnect();
  }

  private async eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const sink = this.sink as RecordSink;
    const key = partitionKey(batch.topic, batch.partition);
    const decoder = this.options.decoder;
    const width = decoder.extractor.width;
    const messages = batch.messages;
    // Offsets within a fetched batch increase: only the head can fall below what was already handed on.
    let start = 0;
    const expected = this.next.get(key);
    if (expected !== undefined) {
      while (start < messages.length && BigInt((messages[start] as (typeof messages)[number]).offset) < expected) start++;
      this.stats.duplicatesSkipped += start;
    }
    // kafkajs' resolveOffset parses offsets into Longs: call it once for the last record handed on, not per record.
    let last: string | undefined = start > 0 ? messages[start - 1]?.offset : undefined;
    const chunkRecords = Math.max(1, this.options.chunkRecords ?? 512);
    let chunk: ChunkBuilder | undefined;
    try {
      // isStale() walks kafkajs state: checked per batch and after every wait, not per record.
      if (isStale()) return;
      let i = start;
      while (i < messages.length) {
        if (this.halted || !isRunning()) return;
        if (sink.full) {
          await pauseUntilRoom({
            consumer: this.consumer,
            topics: this.options.topics,
            sink,
            stats: this.stats,
            heartbeatIntervalMs: this.options.heartbeatIntervalMs,
            heartbeat,
            isRunning,
            isStale,
            halted: () => this.halted,
          });
          if (this.halted || !isRunning() || isStale()) return;
        }
        const end = Math.min(messages.length, i + chunkRecords);
        chunk = new ChunkBuilder(batch.topic, batch.partition, width, end - i);
        for (; i < end; i++) {
          const m = messages[i] as (typeof messages)[number];
          if (decoder.isAsync) await decoder.decodeIntoAsync(chunk, m.value, m.offset, m.timestamp);
          else decoder.decodeInto(chunk, m.value, m.offset, m.timestamp);
          last = m.offset;
        }
        this.stats.records += chunk.records;
        sink.offer(chunk.finish());
        chunk = undefined;
        // A fetched batch can hold thousands of records: let the learner's replies and timers in between
        // chunks, so a learner on another thread gets its next batch without waiting for the whole fetch.
        if (i < messages.length) await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      // Records decoded before an error (a registry outage) are handed on: `last` already counts them.
      if (chunk && chunk.records > 0) {
        this.stats.records += chunk.records;
        sink.offer(chunk.finish());
      }
      if (last !== undefined) {
        const after = BigInt(last) + 1n;
        // Never backwards: a batch of duplicates only tells kafkajs where to fetch next.
        if (after > (this.next.get(key) ?? -1n)) this.next.set(key, after);
        resolveOffset(last);
      }
    }
    await heartbeat();
  }
}
