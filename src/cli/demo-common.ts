import { openSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The generators draw features uniformly from a known range ([0, 10) for SEA, [0, 1) for the hyperplane):
 * standardizing with that range's mean and std is a fixed, documented transform, not something learned
 * from the stream. Recorded files get no scaling.
 */
export function generatorScale(source: string): { scale?: { mean: number; std: number } } {
  if (source === 'sea') return { scale: { mean: 5, std: 10 / Math.sqrt(12) } };
  if (source === 'hyperplane') return { scale: { mean: 0.5, std: 1 / Math.sqrt(12) } };
  return {};
}

/** The demo's checkpoint store: MinIO when the local services' S3_ENDPOINT is set, else a folder under `workDir`. */
export function demoStore(workDir: string): Record<string, unknown> {
  return process.env.S3_ENDPOINT ? { store: { type: 's3', prefix: 'demo' } } : { store: { type: 'folder', path: resolve(workDir, 'checkpoints') } };
}

/** A file descriptor appending to the service log. */
export function openLog(path: string): number {
  return openSync(path, 'a');
}
