/**
 * Result files: `bench/results/<name>.json` (inputs, machine, every number) and the flat `summary.json` that the
 * README table is rendered from. The summary is read-modify-written, so each benchmark keeps the keys of others.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

export const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));
export const SUMMARY_FILE = `${RESULTS_DIR}summary.json`;

export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGb: number;
  readonly node: string;
  readonly platform: string;
  /** 1/5/15-minute load averages when the result was written: other jobs on the machine skew the numbers. */
  readonly loadAverage: number[];
}

export function machine(): MachineInfo {
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadAverage: os.loadavg().map((x) => round(x, 2)),
  };
}

function writeJson(path: string, value: unknown): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, path);
}

export function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Writes `bench/results/<name>.json` with machine and date added. */
export function writeResult(name: string, body: Record<string, unknown>): string {
  const path = `${RESULTS_DIR}${name}.json`;
  writeJson(path, { benchmark: name, date: new Date().toISOString(), machine: machine(), ...body });
  return path;
}

/** Merges flat keys into summary.json, keeping the keys other benchmarks own. */
export function mergeSummary(keys: Record<string, number | string | boolean | null>): void {
  const current = readJson<Record<string, unknown>>(SUMMARY_FILE) ?? {};
  const m = machine();
  writeJson(SUMMARY_FILE, { ...current, ...keys, machine: `${m.cpu} (${m.cores} cores), node ${m.node}`, date: new Date().toISOString() });
}

/** Rounds for humans and JSON alike. */
export function round(x: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Nearest-rank percentile of an ascending-sorted array. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}
