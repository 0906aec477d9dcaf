/**
 * The live dashboard (docs/metrics.md "Dashboard"): charts of a status sampled over time, the model's version
 * lineage and its rollout decisions, served by any Node HTTP server that hands it its requests. Imports only
 * src/core and src/checkpoints, so the service and a downstream subscriber can both mount it.
 */
export { createDashboard, type Dashboard, type DashboardOptions } from './dashboard.js';
export { SeriesHistory, MarkLog, type HistoryColumns, type Mark } from './history.js';
export { LineageReader, parseDecision, type Lineage, type LineageVersion } from './lineage.js';
export { statusSeries, samplesPerSecond, type SeriesValues } from './series.js';
