import type { Kafka } from 'kafkajs';
import type { Logger, MetricValues, StreamtrainConfig } from '../core/index.js';
import type { LoadedCheckpoint, ObjectStore, WriterFence } from '../checkpoints/index.js';
import type { PipelineObserver } from './observer.js';
import type { WorkerLearnerHost } from './worker-learner-host.js';
import type { LabelsStatus } from './label-feed.js';

export interface ServiceOptions {
  readonly config: StreamtrainConfig;
  readonly logger: Logger;
  /** Injected for tests and embedding; built from config otherwise. */
  readonly kafka?: Kafka;
  readonly store?: ObjectStore;
  /**
   * This instance's right to publish the model, claimed by whoever elected it (ClusterMember). Without one the
   * service claims a new epoch itself at start, which fences any other instance still writing the model.
   */
  readonly fence?: WriterFence;
  /** The checkpoint to start from, already read and verified (a standby's); `null`: start a new model. */
  readonly restored?: LoadedCheckpoint | null;
  /** A learner worker whose backend is already initialized (a standby's): the model is built in it at start. */
  readonly warmLearner?: WorkerLearnerHost;
  /** A short id of this instance (host, pid, random) for LATEST and manifests. @default host-pid-random */
  readonly instanceId?: string;
  /** Told step, checkpoint-write and freshness timings, e.g. for Prometheus histograms. */
  readonly observer?: PipelineObserver;
}

export interface ServiceStatus {
  readonly model: string;
  readonly version?: string;
  /** The writer epoch this instance publishes under (see LATEST). */
  readonly epoch?: number;
  readonly backend?: string;
  readonly samplesTotal: number;
  readonly samplesSinceVersion: number;
  readonly metrics: MetricValues;
  /**
   * `learner.updateBatchSize` as configured, the samples per gradient step of the last batch learned, and for a
   * model pool how many batches its other members skipped to one they learned (`poolEvery`, 1: none).
   */
  readonly learner?: {
    readonly updateBatchSize: number | 'auto';
    readonly stepSamples: number;
    readonly poolEvery: number;
    /** Records per micro-batch at most now: `batch.size`, up to `batch.maxSize` under backpressure. */
    readonly batchBound?: number;
  };
  readonly buffered: number;
  readonly paused: boolean;
  /** Times the consumer paused because the learner fell behind (backpressure). */
  readonly pauses: number;
  readonly deadLettered: Record<string, number>;
  readonly batches: number;
  readonly running: boolean;
  /** Drift decisions since the last version (detector fired, challenger started/promoted/dropped, adapt). */
  readonly decisions: readonly { at: string; event: string; detail: string }[];
  /** With `input.labels`: the join of later labels (counts, join rate, label delay, what waits). */
  readonly labels?: LabelsStatus;
  /** In a cluster (ClusterMember): whether this instance leads or stands by, and why it last changed. */
  readonly role?: 'starting' | 'standby' | 'leader' | 'stopped';
  readonly instance?: string;
  readonly lastTransition?: { readonly at: string; readonly role: string; readonly reason: string };
  /** With `model.partitionBy`: the partitions this instance owns and its live models (role `leader` while it owns any). */
  readonly keyed?: {
    readonly partitionBy: string;
    readonly liveModels: number;
    readonly evictions: number;
    readonly partitions: readonly {
      readonly topic: string;
      readonly partition: number;
      readonly epoch: number;
      readonly version: string | null;
      readonly keys: number;
      readonly next: string | null;
    }[];
  };
}
