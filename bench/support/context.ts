/**
 * What every benchmark of a run shares: the services, the run id (prefix of every topic, group and S3 key the run
 * creates), one quiet logger, and the pre-filled source topic.
 */
import type { Kafka } from 'kafkajs';
import type { Logger } from '../../src/core/index.js';
import type { BenchServices } from './env.js';

export interface BenchContext {
  readonly services: BenchServices;
  readonly runId: string;
  readonly kafka: Kafka;
  readonly logger: Logger;
  /** Pre-filled topic of Elec2-sized records (2 partitions), `sourceRecords` long. */
  readonly sourceTopic: string;
  readonly sourceRecords: number;
  readonly sourcePartitions: number;
}

export interface Benchmark {
  readonly name: string;
  /** Records the benchmark reads from the shared source topic (0: it makes its own input). */
  readonly sourceRecords: number;
  run(ctx: BenchContext): Promise<void>;
}

/** A positive integer from the environment, for scaling a run down (smoke tests) or up. */
export function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(v) || v < 1) throw new Error(`Expected \`${name}\` to be an integer >= 1, got \`${raw}\``);
  return v;
}

export function envList(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  if (!raw) return fallback;
  return raw.split(',').map((s) => {
    const v = Number(s.trim());
    if (!Number.isInteger(v) || v < 1) throw new Error(`Expected \`${name}\` to list integers >= 1, got \`${raw}\``);
    return v;
  });
}
