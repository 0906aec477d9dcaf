import { ConfigError } from '../core/index.js';
import { readDelimitedFile, rotatingHyperplane, seaConcepts, sharedDataset, type DatasetSource } from '../datasets/index.js';

export interface StreamSourceOptions {
  readonly seed: number;
  readonly length: number;
  /** Drift points for generators; default: a change every quarter of the stream. */
  readonly driftAt?: readonly number[];
  /** Width of a gradual change (0 = abrupt). */
  readonly driftWidth?: number;
  readonly datasetsDir?: string;
}

/**
 * Resolves `--source`: `sea` and `hyperplane` (seeded generators with concept changes at known points),
 * `shared:sea` / `shared:elec2` (the benchmark streams in ../shared/datasets), or `file:PATH` (CSV, space
 * separated or JSONL; the label is the `y` column or the last one).
 */
export function streamSource(spec: string, o: StreamSourceOptions): DatasetSource {
  const driftAt = o.driftAt ? [...o.driftAt] : [1, 2, 3].map((q) => Math.floor((q * o.length) / 4));
  if (spec === 'sea') return seaConcepts({ seed: o.seed, length: o.length, driftAt, driftWidth: o.driftWidth ?? 0 });
  if (spec === 'hyperplane') return rotatingHyperplane({ seed: o.seed, length: o.length, abruptAt: driftAt });
  if (spec === 'shared:sea' || spec === 'shared:elec2') return sharedDataset(spec.slice(7) as 'sea' | 'elec2', o.datasetsDir);
  if (spec.startsWith('file:')) return readDelimitedFile(spec.slice(5));
  throw new ConfigError('source', `Unknown source \`${spec}\`; expected sea, hyperplane, shared:sea, shared:elec2 or file:PATH`);
}
