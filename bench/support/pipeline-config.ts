/**
 * The config a user would write for an Elec2-sized stream (8 numeric features, 0/1 label), stored in MinIO
 * under the run's prefix. Everything not set here keeps its documented default (drift detection included).
 */
import { parseConfig, type StreamtrainConfig } from '../../src/core/index.js';
import { s3Env, type BenchServices } from './env.js';

export type BenchModel = 'logreg' | 'mlp';

export interface BenchConfigOptions {
  readonly services: BenchServices;
  readonly runId: string;
  /** Unique per service instance: model name, group id and S3 sub-prefix derive from it. */
  readonly name: string;
  readonly topic: string;
  readonly model: BenchModel;
  readonly batchSize: number;
  readonly everySamples: number;
  readonly everySeconds: number;
  readonly maxWaitMs?: number;
  /** @default the config default, 8 × `batch.maxSize` (32 × batchSize: batches grow to 4 × batchSize under backpressure) */
  readonly maxBuffered?: number;
  /** @default 'auto' */
  readonly backend?: 'auto' | 'wasm' | 'cpu' | 'tensorflow';
}

export const FEATURES = ['x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7', 'x8'] as const;

export function benchConfigTree(o: BenchConfigOptions): Record<string, unknown> {
  return {
    model: {
      name: o.name,
      type: o.model === 'logreg' ? 'logistic' : 'mlp',
      ...(o.model === 'mlp' ? { hiddenUnits: [64] } : {}),
      optimizer: { type: 'adam', learningRate: 0.01 },
      // BENCH_AVERAGING_HORIZON=0 measures the pipeline without weight averaging; the default is the config default.
      ...(process.env.BENCH_AVERAGING_HORIZON ? { averaging: { horizon: Number(process.env.BENCH_AVERAGING_HORIZON) } } : {}),
    },
    kafka: { topics: [o.topic], groupId: `${o.runId}-${o.name}`, fromBeginning: true },
    input: { features: FEATURES.map((field) => ({ field, type: 'numeric' })), label: { field: 'y' } },
    deadLetter: { topic: `${o.runId}.dead-letter` },
    batch: {
      size: o.batchSize,
      ...(o.maxWaitMs === undefined ? {} : { maxWaitMs: o.maxWaitMs }),
      ...(o.maxBuffered === undefined ? {} : { maxBuffered: o.maxBuffered }),
    },
    // BENCH_LEARNER_THREAD=main measures the one-thread pipeline; the default is the config default (worker).
    learner: {
      ...(o.backend === undefined ? {} : { backend: o.backend }),
      ...(process.env.BENCH_LEARNER_THREAD ? { thread: process.env.BENCH_LEARNER_THREAD } : {}),
    },
    checkpoints: { store: { type: 's3', prefix: o.runId } },
    triggers: { everySamples: o.everySamples, everySeconds: o.everySeconds },
    publish: { versionsTopic: `${o.runId}.${o.name}.versions` },
    drift: { topic: `${o.runId}.drift` },
    logLevel: 'warn',
  };
}

export function benchConfig(o: BenchConfigOptions): StreamtrainConfig {
  return parseConfig(benchConfigTree(o), { env: { ...s3Env(o.services), KAFKA_BROKERS: o.services.brokers.join(',') } });
}
