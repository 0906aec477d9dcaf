/**
 * The config a new user writes for the benchmark's Elec2-sized stream: the topic, the feature list, the label
 * and `standardize: true`, with everything else at the defaults `parseConfig` gives (batch size, learner step
 * size, model type, averaging, drift detection, triggers). Only what keeps a benchmark run isolated and
 * cleanable is added: the run's consumer group, topic names and store prefix, reading from the beginning, and
 * a quiet log.
 */
import { parseConfig, type StreamtrainConfig } from '../../src/core/index.js';
import { s3Env, type BenchServices } from './env.js';
import { FEATURES } from './pipeline-config.js';

export interface DefaultsConfigOptions {
  readonly services: BenchServices;
  readonly runId: string;
  /** Unique per service instance: model name, group id and topic names derive from it. */
  readonly name: string;
  readonly topic: string;
}

export function defaultsConfigTree(o: DefaultsConfigOptions): Record<string, unknown> {
  return {
    model: { name: o.name, standardize: true },
    kafka: { topics: [o.topic], groupId: `${o.runId}-${o.name}`, fromBeginning: true },
    input: { features: FEATURES.map((field) => ({ field, type: 'numeric' })), label: { field: 'y' } },
    deadLetter: { topic: `${o.runId}.dead-letter` },
    checkpoints: { store: { type: 's3', prefix: o.runId } },
    publish: { versionsTopic: `${o.runId}.${o.name}.versions` },
    drift: { topic: `${o.runId}.drift` },
    logLevel: 'warn',
    // An ablation, not a default: BENCH_DEFAULTS_BATCH='{"maxSize":256,"maxBuffered":8192}' overrides the batch section.
    ...(process.env.BENCH_DEFAULTS_BATCH ? { batch: JSON.parse(process.env.BENCH_DEFAULTS_BATCH) as Record<string, unknown> } : {}),
  };
}

export function defaultsConfig(o: DefaultsConfigOptions): StreamtrainConfig {
  return parseConfig(defaultsConfigTree(o), { env: { ...s3Env(o.services), KAFKA_BROKERS: o.services.brokers.join(',') } });
}

/** What the defaults resolve to today, for the result file (the defaults change; the run records which ran). */
export function resolvedDefaults(c: StreamtrainConfig): Record<string, unknown> {
  return {
    modelType: c.model.type,
    batchSize: c.batch.size,
    maxBuffered: c.batch.maxBuffered,
    learner: c.learner,
    optimizer: c.model.optimizer,
  };
}
