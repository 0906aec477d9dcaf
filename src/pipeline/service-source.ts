import type { Kafka } from 'kafkajs';
import type { Logger, OffsetRange, PartitionKey, RejectedRecord, StreamtrainConfig } from '../core/index.js';
import { KafkaSource, RecordDecoder, type RecordSink, type SourceStats } from '../consumers/index.js';
import type { LabelJoinState } from '../labels/index.js';
import { JoinSource } from './join-source.js';
import { LabelFeed } from './label-feed.js';
import { OffsetLedger, positionsOf } from './offset-ledger.js';

/** What the service needs of its consumer: KafkaSource, or JoinSource with `input.labels`. */
export interface PipelineSource {
  start(sink: RecordSink, from: ReadonlyMap<PartitionKey, bigint>): Promise<void>;
  commit(offsets: ReadonlyMap<PartitionKey, bigint>): Promise<void>;
  halt(): Promise<void>;
  stop(): Promise<void>;
  onFatal(handler: (err: Error) => void): void;
  readonly stats: SourceStats;
}

/** What the service needs of its offset ledger: OffsetLedger, or LabelFeed (resume offsets of both topics). */
export interface OffsetBook {
  apply(offsets: ReadonlyMap<PartitionKey, { from: bigint; to: bigint }>): void;
  readonly moved: boolean;
  take(): OffsetRange[];
}

export interface OpenedSource {
  readonly source: PipelineSource;
  readonly ledger: OffsetBook;
  /** Where each partition is read from: the restored checkpoint's `to` offsets. */
  readonly from: Map<PartitionKey, bigint>;
  /** With `input.labels`: the join. */
  readonly labels?: LabelFeed;
}

/**
 * The service's consumer and offset ledger, restored from a checkpoint: a KafkaSource with an OffsetLedger, or with
 * `input.labels` a JoinSource reading both topics into a LabelFeed, which is then the ledger.
 */
export function openSource(deps: {
  readonly config: StreamtrainConfig;
  readonly kafka: Kafka;
  readonly logger: Logger;
  readonly deadLetter: (r: RejectedRecord) => void;
  readonly restored?: { readonly offsets: readonly OffsetRange[]; readonly labels?: LabelJoinState };
}): OpenedSource {
  const { config, kafka, logger, restored } = deps;
  const offsets = restored?.offsets ?? [];
  const common = {
    kafka,
    groupId: config.kafka.groupId,
    fromBeginning: config.kafka.fromBeginning,
    sessionTimeoutMs: config.kafka.sessionTimeoutMs,
    heartbeatIntervalMs: config.kafka.heartbeatIntervalMs,
    logger,
  };
  const labels = config.input.labels;
  if (labels) {
    const feed = new LabelFeed(config, deps.deadLetter, logger.child({ module: 'labels' }));
    feed.restore(restored?.labels, offsets);
    const tickMs = Math.min(2000, Math.max(200, Math.floor(labels.idleGraceMs / 10)));
    return { source: new JoinSource({ ...common, feed, tickMs }), ledger: feed, from: positionsOf(offsets), labels: feed };
  }
  const ledger = new OffsetLedger();
  ledger.restore(offsets);
  const decoder = new RecordDecoder({
    input: config.input,
    label: { task: config.model.task, classes: config.model.classes },
    keepRejectedPayload: config.deadLetter.includePayload,
  });
  const source = new KafkaSource({
    ...common,
    topics: config.kafka.topics,
    decoder,
    // Chunks of about a batch: few hand-offs per batch, and the buffer's bound stays meaningful.
    chunkRecords: Math.min(1024, Math.max(64, config.batch.size), config.batch.maxBuffered),
  });
  return { source, ledger, from: positionsOf(offsets) };
}
