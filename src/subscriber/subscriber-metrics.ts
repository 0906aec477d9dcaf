import { collectDefaultMetrics, Registry } from 'prom-client';
import { registerStatusSeries, type StatusSeries } from '../metrics/index.js';
import type { SubscriberStatus } from './subscriber-status.js';

const SERIES: readonly StatusSeries<SubscriberStatus>[] = [
  {
    name: 'streamtrain_subscriber_version_info',
    type: 'gauge',
    help: 'The version that answers requests outside any rollout share: 1 on the series of that version.',
    label: 'version',
    values: (s): Record<string, number> => (s.version !== undefined ? { [s.version]: 1 } : {}),
  },
  {
    name: 'streamtrain_subscriber_version_age_seconds',
    type: 'gauge',
    help: 'Seconds since the trainer wrote the version that answers: how stale the served model is.',
    value: (s) => (s.versionCreatedAt !== undefined ? (Date.now() - Date.parse(s.versionCreatedAt)) / 1000 : undefined),
  },
  {
    name: 'streamtrain_subscriber_loaded_versions',
    type: 'gauge',
    help: 'Versions held in memory (rollout lines, pins, keys).',
    value: (s) => s.loaded.length,
  },
  { name: 'streamtrain_subscriber_version_loads_total', type: 'counter', help: 'Versions loaded and swapped in since start.', value: (s) => s.loads.loaded },
  {
    name: 'streamtrain_subscriber_version_load_failures_total',
    type: 'counter',
    help: 'Versions announced or named by a decision that could not be loaded; the current one kept serving.',
    value: (s) => s.loads.failed,
  },
  {
    name: 'streamtrain_subscriber_version_load_seconds_total',
    type: 'counter',
    help: 'Seconds spent loading versions, from the event, the decision or the start to the swap (with loads_total: the mean).',
    value: (s) => s.loads.seconds,
  },
  {
    name: 'streamtrain_subscriber_last_version_load_seconds',
    type: 'gauge',
    help: 'Seconds the last load took, from the event, the decision or the start to the swap.',
    value: (s) => s.loads.lastSeconds,
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
    value: (s) => s.requests.fallbacks,
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
    value: (s) => s.requests.interleaved,
  },
  { name: 'streamtrain_subscriber_rollout_decision_seq', type: 'gauge', help: 'The last rollout decision applied.', value: (s) => s.rollout?.decisionSeq },
  {
    name: 'streamtrain_subscriber_rollout_pinned',
    type: 'gauge',
    help: '1 while a pin (a rollback or an operator) holds the served version.',
    value: (s) => (s.rollout ? s.rollout.pin !== undefined : undefined),
  },
  {
    name: 'streamtrain_subscriber_prediction_log_queued',
    type: 'gauge',
    help: 'Prediction records waiting to be sent.',
    value: (s) => s.predictionLog?.queued,
  },
  {
    name: 'streamtrain_subscriber_prediction_log_queued_bytes',
    type: 'gauge',
    help: 'Bytes of the prediction records waiting to be sent.',
    value: (s) => s.predictionLog?.queuedBytes,
  },
  {
    name: 'streamtrain_subscriber_prediction_log_sent_total',
    type: 'counter',
    help: 'Prediction records the broker acknowledged.',
    value: (s) => s.predictionLog?.sent,
  },
  {
    name: 'streamtrain_subscriber_prediction_log_dropped_total',
    type: 'counter',
    help: 'Prediction records given up (queue full, or stopped before their ack).',
    value: (s) => s.predictionLog?.dropped,
  },
  {
    name: 'streamtrain_subscriber_prediction_log_failed_sends_total',
    type: 'counter',
    help: "Sends that failed after kafkajs' retries.",
    value: (s) => s.predictionLog?.failedSends,
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
  registerStatusSeries(
    registry,
    SERIES,
    () => subscriber.status(),
    ['model'],
    (s) => ({ model: s.model }),
  );
  return registry;
}
