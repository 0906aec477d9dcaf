export { startHttpServer } from './http-server.js';
export {
  ServiceMetrics,
  STATUS_METRICS,
  STEP_BUCKETS,
  CHECKPOINT_WRITE_BUCKETS,
  FRESHNESS_BUCKETS,
  type ServiceMetricsOptions,
  type StatusMetric,
} from './metrics.js';
export { serveDecider } from './decider-server.js';
