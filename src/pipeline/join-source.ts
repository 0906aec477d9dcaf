import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Logger, PartitionKey } from '../core/index.js';
import { parsePartitionKey, partitionKey } from '../core/index.js';
import { pauseUntilRoom, waitForTopics, type RecordSink, type SourceStats } from '../consumers/index.js';
import type { LabelFeed } from './label-feed.js';

export interface JoinSourceOptions {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly fromBeginning: boolean;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly logger: Logger;
  readonly feed: LabelFeed;
  /** How often the lag of both topics and the idle clock are looked at (ms); about `idleGraceMs / 10`. */
  readonly tickMs: number;
}

/** Records added to the join between two looks at its decisions (and at the buffer's room). */
const STEP = 256;

/**
 * The consumer of the label join: one group member reading the feature topic and the label topic, handing every
 * record to the LabelFeed and its decisions to the pipeline's buffer after each step of a fetched batch. Like
 * KafkaSource it never auto-commits (the pipeline commits the resume offsets of a durable checkpoint), skips what
 * Kafka delivers below what it has handed on, and pauses both topics while the buffer is full. It also pauses the
 * topic the join names while it is full (`pause`), reports each partition's lag to the join (`setCaughtUp`, from
 * the fetch's high watermark and, for partitions with nothing to fetch, from the brokers' offsets on a timer) and
 * lets the join's idle clock advance on that timer.
 */
export class JoinSource {
  private readonly consumer: Consumer;
  private readonly admin: Admin;
  private readonly next = new Map<PartitionKey, bigint>();
  private readonly log: Logger;
  readonly stats: SourceStats = { records: 0, duplicatesSkipped: 0, pauses: 0, paused: false };
  private sink?: RecordSink;
  private halted = false;
  private active: Promise<void> = Promise.resolve();
  private crashed?: (err: Error) => void;
  private timer?: NodeJS.Timeout;
  private joinPaused?: string;
  private ticking = false;

  constructor(private readonly options: JoinSourceOptions) {
    this.log = options.logger.child({ module: 'consumer' });
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: options.heartbeatIntervalMs,
      maxBytesPerPartition: 1 << 20,
      maxBytes: 8 << 20,
      maxWaitTimeInMs: 100,
      retry: { retries: 10 },
    });
    this.admin = options.kafka.admin();
  }

  private get topics(): string[] {
    return [this.options.feed.featureTopic, this.options.feed.labelTopic];
  }

  onFatal(handler: (err: Error) => void): void {
    this.crashed = handler;
  }

  /** Joins the group and starts delivering; `from` holds the restored checkpoint's resume offsets of both topics. */
  async start(sink: RecordSink, from: ReadonlyMap<PartitionKey, bigint>): Promise<void> {
    this.sink = sink;
    for (const [k, v] of from) this.next.set(k, v);
    const { consumer, options } = this;
    const feed = options.feed;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      for (const [topic, partitions] of Object.entries(payload.memberAssignment))
        for (const partition of partitions) {
          const at = this.next.get(partitionKey(topic, partition));
          if (at !== undefined) consumer.seek({ topic, partition, offset: at.toString() });
        }
      this.log.info({ assignment: payload.memberAssignment }, 'joined consumer group (features and labels)');
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.log.error({ err: payload.error.message, restart: payload.restart }, 'consumer crashed');
      if (!payload.restart) this.crashed?.(payload.error);
    });
    await waitForTopics(options.kafka, this.topics, this.log);
    await this.admin.connect();
    // Every partition of both topics holds its topic's watermark back until it has a record or is caught up.
    for (const topic of this.topics) {
      const offsets = await this.admin.fetchTopicOffsets(topic);
      feed.join.assign(
        feed.sideOf(topic),
        offsets.map((o) => o.partition),
      );
    }
    await consumer.connect();
    await consumer.subscribe({ topics: this.topics, fromBeginning: options.fromBeginning });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => (this.active = this.eachBatch(payload)),
    });
    this.timer = setInterval(() => void this.tick(), options.tickMs);
  }

  /** Commits the resume offsets of a durable checkpoint, for the lag tools. */
  async commit(offsets: ReadonlyMap<PartitionKey, bigint>): Promise<void> {
    const list = [...offsets].map(([k, offset]) => ({ ...parsePartitionKey(k), offset: offset.toString() }));
    if (list.length) await this.consumer.commitOffsets(list);
  }

  /** Stops handing records on but stays in the group (see KafkaSource.halt). */
  async halt(): Promise<void> {
    this.halted = true;
    clearInterval(this.timer);
    this.consumer.pause(this.topics.map((topic) => ({ topic })));
    await this.active.catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.halted = true;
    clearInterval(this.timer);
    await Promise.all([this.consumer.disconnect(), this.admin.disconnect().catch(() => undefined)]);
  }

  /** Lag of every partition from the brokers' high watermarks, then the idle clock; decisions go to the buffer. */
  private async tick(): Promise<void> {
    if (this.halted || this.ticking) return;
    this.ticking = true;
    const feed = this.options.feed;
    try {
      for (const topic of this.topics) {
        const side = feed.sideOf(topic);
        for (const o of await this.admin.fetchTopicOffsets(topic)) {
          const at = this.next.get(partitionKey(topic, o.partition));
          const caughtUp = at !== undefined ? at >= BigInt(o.high) : BigInt(o.high) <= BigInt(o.low);
          feed.join.setCaughtUp(side, o.partition, caughtUp);
        }
      }
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not read the topics offsets; the idle clock waits');
    } finally {
      this.ticking = false;
    }
    if (this.halted) return;
    feed.join.advance();
    feed.flush(this.sink as RecordSink);
    this.applyJoinPause();
  }

  /** Pauses the topic the join names while it is full, resumes it when the join has room. */
  private applyJoinPause(): void {
    const side = this.options.feed.join.pause;
    const topic = side === undefined ? undefined : side === 'features' ? this.options.feed.featureTopic : this.options.feed.labelTopic;
    if (topic === this.joinPaused || this.halted) return;
    if (this.joinPaused) this.consumer.resume([{ topic: this.joinPaused }]);
    if (topic) this.consumer.pause([{ topic }]);
    this.log.info({ paused: topic ?? null }, topic ? 'label join full: pausing a topic' : 'label join has room: resuming');
    this.joinPaused = topic;
  }

  private async eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const sink = this.sink as RecordSink;
    const feed = this.options.feed;
    const key = partitionKey(batch.topic, batch.partition);
    const messages = batch.messages;
    let start = 0;
    const expected = this.next.get(key);
    if (expected !== undefined) {
      while (start < messages.length && BigInt((messages[start] as (typeof messages)[number]).offset) < expected) start++;
      this.stats.duplicatesSkipped += start;
    }
    let last: string | undefined = start > 0 ? messages[start - 1]?.offset : undefined;
    try {
      if (isStale()) return;
      let i = start;
      while (i < messages.length) {
        if (this.halted || !isRunning() || this.joinPaused === batch.topic) return;
        if (sink.full) {
          await pauseUntilRoom({
            consumer: this.consumer,
            topics: this.topics,
            sink,
            stats: this.stats,
            heartbeatIntervalMs: this.options.heartbeatIntervalMs,
            heartbeat,
            isRunning,
            isStale,
            halted: () => this.halted,
            keepPaused: (topic) => topic === this.joinPaused,
          });
          if (this.halted || !isRunning() || isStale()) return;
        }
        const end = Math.min(messages.length, i + STEP);
        for (; i < end; i++) {
          const m = messages[i] as (typeof messages)[number];
          await feed.add(batch.topic, batch.partition, m);
          last = m.offset;
          this.stats.records++;
        }
        feed.flush(sink);
        this.applyJoinPause();
        if (i < messages.length) await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      feed.flush(sink);
      if (last !== undefined) {
        const after = BigInt(last) + 1n;
        if (after > (this.next.get(key) ?? -1n)) this.next.set(key, after);
        resolveOffset(last);
        feed.join.setCaughtUp(feed.sideOf(batch.topic), batch.partition, after >= BigInt(batch.highWatermark));
        feed.flush(sink);
      }
    }
    await heartbeat();
  }
}
