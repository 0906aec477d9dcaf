import { sharedDataset } from '../../src/datasets/index.js';

/** One benchmark stream, fully materialized (the files are small), with the protocol's feature choices. */
export interface QualityStream {
  /** elec2 and sea: the benchmark streams; other names: development streams (studies/dev-responses.ts). */
  readonly name: string;
  readonly width: number;
  readonly features: Float32Array;
  readonly labels: Float32Array;
  readonly size: number;
  readonly driftPoints: readonly number[];
}

/**
 * Elec2: every column but `date` (7 features, already normalized to [0, 1]). SEA: x1, x2, x3 standardized with
 * the generator's known range, (x - 5) / (10 / sqrt(12)). The Python peers (peers.py) use exactly these.
 */
export function loadStream(name: 'elec2' | 'sea', dir?: string): QualityStream {
  const source = sharedDataset(name, dir);
  const fields = name === 'elec2' ? source.fields.filter((f) => f !== 'date') : source.fields;
  const rows: number[][] = [];
  const labels: number[] = [];
  for (const r of source) {
    rows.push(fields.map((f) => (name === 'sea' ? ((r[f] as number) - 5) / (10 / Math.sqrt(12)) : (r[f] as number))));
    labels.push(r.y as number);
  }
  const width = fields.length;
  const features = new Float32Array(rows.length * width);
  rows.forEach((row, i) => features.set(row, i * width));
  return { name, width, features, labels: Float32Array.from(labels), size: rows.length, driftPoints: name === 'sea' ? [12_500, 25_000, 37_500] : [] };
}

/** Rows [from, to) as a learner batch. */
export function slice(s: QualityStream, from: number, to: number): { size: number; width: number; features: Float32Array; labels: Float32Array } {
  return { size: to - from, width: s.width, features: s.features.subarray(from * s.width, to * s.width), labels: s.labels.subarray(from, to) };
}
