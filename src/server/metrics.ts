import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { registerStatusSeries, type StatusSeries } from '../metrics/index.js';
import type { PipelineObserver, ServiceStatus } from '../pipeline/index.js';

/** A series read from the service's status at each scrape (see StatusSeries). */
export type StatusMetric = StatusSeries<ServiceStatus>;

/**
 * What /metrics reports from ServiceStatus, every series labelled with the model. A gauge for a new status
 * field is one line here, e.g.
 * `{ name: 'streamtrain_epoch', type: 'gauge', help: 'Leadership epoch.', value: (s) => s.epoch },`
 */
export const STATUS_METRICS: readonly StatusMetric[] = [
  {
    name: 'streamtrain_samples_total',
    type: 'counter',
    help: 'Samples learned (test-then-train) by the live model, restored ones included.',
    value: (s) => s.samplesTotal,
  },
  {
    name: 'streamtrain_learner_step_samples',
    type: 'gauge',
    help: 'Samples per gradient step of the last micro-batch learned (learner.updateBatchSize; auto coarsens under backpressure).',
    value: (s) => s.learner?.stepSamples,
  },
  {
    name: 'streamtrain_learner_pool_every',
    type: 'gauge',
    help: "A model pool's members other than the serving one learned one micro-batch in this many (1: every batch; more under backpressure).",
    value: (s) => s.learner?.poolEvery,
  },
  {
    name: 'streamtrain_batch_bound',
    type: 'gauge',
    help: 'Records per micro-batch at most now: batch.size, growing up to batch.maxSize while records queue up for the learner.',
    value: (s) => s.learner?.batchBound,
  },
  { name: 'streamtrain_batches_total', type: 'counter', help: 'Micro-batches learned since the process started.', value: (s) => s.batches },
  { name: 'streamtrain_buffered_records', type: 'gauge', help: 'Records consumed and not yet learned (the backpressure buffer).', value: (s) => s.buffered },
  { name: 'streamtrain_consumer_paused', type: 'gauge', help: '1 while the consumer is paused because the learner fell behind.', value: (s) => s.paused },
  { name: 'streamtrain_consumer_pauses_total', type: 'counter', help: 'Times the consumer paused because the learner fell behind.', value: (s) => s.pauses },
  {
    name: 'streamtrain_dead_letter_total',
    type: 'counter',
    help: 'Records sent to the dead-letter topic, by reason.',
    label: 'reason',
    values: (s) => s.deadLettered,
  },
  {
    name: 'streamtrain_leader',
    type: 'gauge',
    help: '1 while this instance leads (learns and publishes) the model, 0 while it stands by.',
    value: (s) => (s.role ?? 'leader') === 'leader',
  },
  {
    name: 'streamtrain_writer_epoch',
    type: 'gauge',
    help: 'The writer epoch this instance publishes under (0 when it does not lead).',
    value: (s) => s.epoch ?? 0,
  },
  {
    name: 'streamtrain_keyed_partitions',
    type: 'gauge',
    help: 'With model.partitionBy: partitions this instance owns (learns and checkpoints).',
    value: (s) => s.keyed?.partitions.length,
  },
  {
    name: 'streamtrain_keyed_models',
    type: 'gauge',
    help: 'With model.partitionBy: keyed models in the partitions this instance owns.',
    value: (s) => s.keyed?.partitions.reduce((n, p) => n + p.keys, 0),
  },
  { name: 'streamtrain_keyed_live_models', type: 'gauge', help: 'With model.partitionBy: keyed models in memory.', value: (s) => s.keyed?.liveModels },
  {
    name: 'streamtrain_keyed_evictions_total',
    type: 'counter',
    help: 'With model.partitionBy: keyed models evicted from memory (least recently used beyond model.maxLiveModels).',
    value: (s) => s.keyed?.evictions,
  },
  {
    name: 'streamtrain_labels_total',
    type: 'counter',
    help: 'With input.labels: effects of the label join since its state began, by outcome (joined, defaulted, dropped, evicted, late, duplicates, orphaned).',
    label: 'outcome',
    values: (s) => s.labels?.counts ?? {},
  },
  {
    name: 'streamtrain_labels_join_rate',
    type: 'gauge',
    help: 'With input.labels: joined / (joined + defaulted + dropped) feature records.',
    value: (s) => s.labels?.joinRate ?? undefined,
  },
  {
    name: 'streamtrain_labels_delay_ms',
    type: 'gauge',
    help: "With input.labels: the joined labels' delay (label timestamp - feature timestamp, ms), by quantile (p50, p99).",
    label: 'quantile',
    values: (s) => {
      const d = s.labels?.delayMs;
      const out: Record<string, number> = {};
      if (d?.p50 != null) out.p50 = d.p50;
      if (d?.p99 != null) out.p99 = d.p99;
      return out;
    },
  },
  {
    name: 'streamtrain_labels_pending',
    type: 'gauge',
    help: 'With input.labels: records waiting in the join for their partner, by side (features, labels).',
    label: 'side',
    values: (s): Record<string, number> => (s.labels ? { features: s.labels.pending.features, labels: s.labels.pending.labels } : {}),
  },
  {
    name: 'streamtrain_labels_skipped_total',
    type: 'counter',
    help: 'With input.labels: replayed records this process skipped because their effect was in the restored checkpoint.',
    value: (s) => s.labels?.skipped,
  },
  { name: 'streamtrain_metric', type: 'gauge', help: 'Live prequential metrics of the model, by name.', label: 'name', values: (s) => s.metrics },
  {
    name: 'streamtrain_version_major',
    type: 'gauge',
    help: 'Major of the newest version this instance published (or, standing by, follows).',
    value: (s) => versionPart(s.version, 1),
  },
  {
    name: 'streamtrain_version_minor',
    type: 'gauge',
    help: 'Minor of the newest version this instance published (or, standing by, follows).',
    value: (s) => versionPart(s.version, 2),
  },
];

/** The major (1) or minor (2) of a `major.minor` version; undefined without one. */
function versionPart(version: string | undefined, part: 1 | 2): number | undefined {
  const m = version === undefined ? null : /^(\d+)\.(\d+)$/.exec(version);
  return m ? Number(m[part]) : undefined;
}

/** Seconds per micro-batch learned: from 0.1 ms (a bare logistic step on 256 samples) to seconds (a large network). */
export const STEP_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
/** Seconds per checkpoint write: tens of milliseconds on a local store, about a second on S3; a minute with retries. */
export const CHECKPOINT_WRITE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Seconds from a version's newest record to its announcement: a checkpoint write and more, up to minutes when behind. */
export const FRESHNESS_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];

export interface ServiceMetricsOptions {
  /** The value of the `model` label on every streamtrain series. */
  readonly model: string;
  /** Read at each scrape; may refer to a service built after these metrics (it is not called before a scrape). */
  readonly status: () => ServiceStatus;
  /** Default process metrics (CPU, memory, event loop, GC) in this registry too; true unless false. */
  readonly processMetrics?: boolean;
}

/**
 * The service's Prometheus metrics in a registry of its own (not prom-client's global one, so two services in
 * one process do not clash): the status series of STATUS_METRICS, the process metrics, and histograms of the
 * step, checkpoint-write and freshness timings the pipeline reports through PipelineObserver. Pass it to
 * StreamtrainService as `observer` and to startHttpServer as `metrics`.
 */
export class ServiceMetrics implements PipelineObserver {
  readonly registry = new Registry();
  private readonly labels: { model: string };
  private readonly step: Histogram<'model'>;
  private readonly checkpointWrite: Histogram<'model'>;
  private readonly freshness: Histogram<'model'>;
  private readonly drift: Counter<'model' | 'event'>;

  constructor(opts: ServiceMetricsOptions) {
    this.labels = { model: opts.model };
    registerStatusSeries(this.registry, STATUS_METRICS, opts.status, ['model'], () => this.labels);
    this.step = this.histogram(
      'streamtrain_step_seconds',
      'Seconds the learner spent on one micro-batch (test-then-train and drift machinery, queueing excluded).',
      STEP_BUCKETS,
    );
    this.checkpointWrite = this.histogram(
      'streamtrain_checkpoint_write_seconds',
      'Seconds to write one checkpoint durably (dead-letter flush, blobs, manifest, LATEST; retries included).',
      CHECKPOINT_WRITE_BUCKETS,
    );
    this.freshness = this.histogram(
      'streamtrain_publication_freshness_seconds',
      "Seconds from a version's newest record reaching the pipeline to the version being durable, committed and announced.",
      FRESHNESS_BUCKETS,
    );
    this.drift = new Counter({
      name: 'streamtrain_drift_decisions_total',
      help: 'Drift decisions since the process started, by event (drift: a detector fired; challenger-started, challenger-promoted, adapt-started, ...).',
      labelNames: ['model', 'event'],
      registers: [this.registry],
    });
    // Present from the start, so increase() sees the first detection.
    this.drift.inc({ ...this.labels, event: 'drift' }, 0);
    if (opts.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  batchLearned(seconds: number): void {
    this.step.observe(this.labels, seconds);
  }

  checkpointWritten(seconds: number): void {
    this.checkpointWrite.observe(this.labels, seconds);
  }

  versionPublished(freshnessSeconds: number): void {
    this.freshness.observe(this.labels, freshnessSeconds);
  }

  driftDecision(event: string): void {
    this.drift.inc({ ...this.labels, event });
  }

  /** The Prometheus text exposition of every metric. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private histogram(name: string, help: string, buckets: number[]): Histogram<'model'> {
    const h = new Histogram({ name, help, buckets, labelNames: ['model'], registers: [this.registry] });
    // Present from the start with count 0, so rate() and alerts work before the first observation.
    h.zero(this.labels);
    return h;
  }
}
