import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { SubscriberStatus } from './subscriber-status.js';

/** A series read from the subscriber's status at each scrape; a record gives one series per key (label `label`). */
interface Series {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge';
  readonly label?: string;
  readonly values: (s: SubscriberStatus, nowMs: number) => number | undefined | Readonly<Record<string, number>>;
}

const SERIES: readonly Series[] = [
  {
    name: 'streamtrain_subscriber_version_info',
    type: 'gauge',
    help: 'The version that answers requests outside any rollout share: 1 on the series of that version.',
    label: 'version',
    values: (s) => (s.version !== undefined ? { [s.version]: 1 } : {}),
  },
  {
    name: 'streamtrain_subscriber_version_age_seconds',
    type: 'gauge',
    help: 'Seconds since the trainer wrote the version that answers: how stale the served model is.',
    values: (s, now) => (s.versionCreatedAt !== undefined ? (now - Date.parse(s.versionCreatedAt)) / 1000 : undefined),
  },
  {
    name: 'streamtrain_subscriber_loaded_versions',
    type: 'gauge',
    help: 'Versions held in memory (rollout lines, pins, keys).',
    values: (s) => s.loaded.length,
  },
  { name: 'streamtrain_subscriber_version_loads_total', type: 'counter', help: 'Versions loaded and swapped in since start.', values: (s) => s.loads.loaded },
  {
    name: 'streamtrain_subscriber_version_load_failures_total',
    type: 'counter',
    help: 'Versions announced or named by a decision that could not be loaded; the current one kept serving.',
    values: (s) => s.loads.failed,
  },
  {
    name: 'streamtrain_subscriber_version_load_seconds_total',
    type: 'counter',
    help: 'Seconds spent loading versions, from the event or decision to the swap (with loads_total: the mean).',
    values: (s) => s.loads.seconds,
  },
  {
    name: 'streamtrain_subscriber_last_version_load_seconds',
    type: 'gauge',
    help: 'Seconds the last load took, from the event or decision to the swap.',
    values: (s) => s.loads.lastSeconds,
  },
  {
    name: 'streamtrain_subscriber_requests_total',
    type: 'counter',
    help: 'Requests answered, by the version that answered.',
    label: 'version',
    values: (s) => s.requests.byVersion,
  },
  {
    name: 'streamtrain_subscriber_fallbacks_total',
    type: 'counter',
    help: 'Requests whose candidate failed and the champion answered.',
    values: (s) => s.requests.fallbacks,
  },
  {
    name: 'streamtrain_subscriber_shadow_predictions_total',
    type: 'counter',
    help: 'Shadow predictions, by candidate version.',
    label: 'version',
    values: (s) => Object.fromEntries(Object.entries(s.requests.shadow).map(([v, c]) => [v, c.predictions])),
  },
  {
    name: 'streamtrain_subscriber_shadow_disagreements_total',
    type: 'counter',
    help: 'Shadow predictions of another class than the champion, by candidate version.',
    label: 'version',
    values: (s) => Object.fromEntries(Object.entries(s.requests.shadow).map(([v, c]) => [v, c.disagreements])),
  },
  {
    name: 'streamtrain_subscriber_interleaved_total',
    type: 'counter',
    help: 'Rankings served interleaved (team draft).',
    values: (s) => s.requests.interleaved,
  },
  { name: 'streamtrain_subscriber_rollout_decision_seq', type: 'gauge', help: 'The last rollout decision applied.', values: (s) => s.rollout?.decisionSeq },
  {
    name: 'streamtrain_subscriber_rollout_pinned',
    type: 'gauge',
    help: '1 while a pin (a rollback or an operator) holds the served version.',
    values: (s) => (s.rollout ? Number(s.rollout.pin !== undefined) : undefined),
  },
  {
    name: 'streamtrain_subscriber_prediction_log_queued',
    type: 'gauge',
    help: 'Prediction records waiting to be sent.',
    values: (s) => s.predictionLog?.queued,
  },
  {
    name: 'streamtrain_subscriber_prediction_log_queued_bytes',
    type: 'gauge',
    help: 'Bytes of the prediction records waiting to be sent.',
    values: (s) => s.predictionLog?.queuedBytes,
  },
  {
    name: 'streamtrain_subscriber_prediction_log_sent_total',
    type: 'counter',
    help: 'Prediction records the broker acknowledged.',
    values: (s) => s.predictionLog?.sent,
  },
  {
    name: 'streamtrain_subscriber_prediction_log_dropped_total',
    type: 'counter',
    help: 'Prediction records given up (queue full, or stopped before their ack).',
    values: (s) => s.predictionLog?.dropped,
  },
  {
    name: 'streamtrain_subscriber_prediction_log_failed_sends_total',
    type: 'counter',
    help: "Sends that failed after kafkajs' retries.",
    values: (s) => s.predictionLog?.failedSends,
  },
];

export interface SubscriberMetricsOptions {
  /** The registry to add the series to (a service's own registry); a new one by default. */
  readonly registry?: Registry;
  /** Also Node's process metrics (prom-client's defaults); off by default, as a service usually registers them. */
  readonly processMetrics?: boolean;
}

/**
 * Prometheus series of a subscriber (a `ModelSubscriber`, or anything with its `status()`), read from its status
 * at each scrape and labelled with the model: the version that answers and its age, loads and their time, requests
 * by version, fallbacks, shadows, the rollout decision applied, and the prediction log's queue. Serve
 * `await registry.metrics()` on the service's /metrics. Returns the registry.
 */
export function subscriberMetrics(subscriber: { status(): SubscriberStatus }, options: SubscriberMetricsOptions = {}): Registry {
  const registry = options.registry ?? new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  for (const series of SERIES) {
    const labelNames = series.label ? ['model', series.label] : ['model'];
    const collect = (metric: Counter | Gauge) => {
      const s = subscriber.status();
      metric.reset();
      const put = (labels: Record<string, string>, v: number | undefined) => {
        if (v === undefined || !Number.isFinite(v)) return;
        if (metric instanceof Counter) metric.inc({ model: s.model, ...labels }, v);
        else metric.set({ model: s.model, ...labels }, v);
      };
      const v = series.values(s, Date.now());
      if (typeof v === 'object') for (const [key, x] of Object.entries(v)) put({ [series.label as string]: key }, x);
      else put({}, v);
    };
    const config = { name: series.name, help: series.help, labelNames, registers: [registry] };
    if (series.type === 'counter') {
      const c: Counter = new Counter({ ...config, collect: () => collect(c) });
    } else {
      const g: Gauge = new Gauge({ ...config, collect: () => collect(g) });
    }
  }
  return registry;
}
