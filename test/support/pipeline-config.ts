import { parseConfig, type StreamtrainConfig } from '../../src/core/index.js';
import type { S3Settings } from '../integration/services.js';

/** SEA-style records: x1, x2 in [0, 10), label 1 iff x1 + x2 <= 9, from a tiny seeded LCG. */
export function seaRecords(count: number, seed = 1): { x1: number; x2: number; x3: number; y: number }[] {
  let s = seed >>> 0;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  return Array.from({ length: count }, () => {
    const x1 = Math.round(rnd() * 1e6) / 1e5;
    const x2 = Math.round(rnd() * 1e6) / 1e5;
    const x3 = Math.round(rnd() * 1e6) / 1e5;
    return { x1, x2, x3, y: x1 + x2 <= 9 ? 1 : 0 };
  });
}

export interface TestConfigOptions {
  readonly brokers: string[];
  readonly topic: string;
  readonly model: string;
  readonly s3?: S3Settings;
  readonly folder?: string;
  readonly extra?: Record<string, unknown>;
  /** Merged into the `model` section. */
  readonly modelExtra?: Record<string, unknown>;
}

/** The config tree a user would write for the SEA-style test stream. */
export function testConfigTree(o: TestConfigOptions): Record<string, unknown> {
  const store = o.s3
    ? { type: 's3', bucket: o.s3.bucket, prefix: `it/${o.model}`, endpoint: o.s3.endpoint, region: o.s3.region, forcePathStyle: o.s3.forcePathStyle }
    : { type: 'folder', path: o.folder };
  return {
    model: { name: o.model, type: 'logistic', optimizer: { type: 'adam', learningRate: 0.05 }, ...o.modelExtra },
    kafka: { brokers: o.brokers, topics: [o.topic], groupId: `it-${o.model}`, sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1_000 },
    input: {
      features: [
        { field: 'x1', scale: { mean: 5, std: 2.9 } },
        { field: 'x2', scale: { mean: 5, std: 2.9 } },
        { field: 'x3', scale: { mean: 5, std: 2.9 } },
      ],
      label: { field: 'y' },
    },
    deadLetter: { topic: `${o.topic}.dlq` },
    batch: { size: 100, maxWaitMs: 200 },
    triggers: { everySamples: 1000, everySeconds: 2 },
    publish: { versionsTopic: `${o.topic}.versions` },
    checkpoints: { store },
    logLevel: 'warn',
    ...o.extra,
  };
}

export function testConfig(o: TestConfigOptions): StreamtrainConfig {
  const env: Record<string, string> = o.s3 ? { S3_ACCESS_KEY_ID: o.s3.accessKeyId, S3_SECRET_ACCESS_KEY: o.s3.secretAccessKey } : {};
  return parseConfig(testConfigTree(o), { env });
}
