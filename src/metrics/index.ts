/** Prometheus series read from a status object at each scrape: shared by the service's /metrics and the subscriber's. */
export { registerStatusSeries, type StatusSeries } from './status-series.js';
