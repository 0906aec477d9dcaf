/**
 * A fixed-size, mergeable summary of one feature's distribution: a histogram whose bin edges are the quantiles of
 * a reference window, and counts per bin. Once built it holds no individual value: only the edges (cut points)
 * and integer counts, which is also all its serialized form contains. Two sketches with the same edges merge by
 * adding counts, so windows from several partitions or micro-batches combine exactly.
 *
 * Bins are `(-inf, e0], (e0, e1], ..., (e_last, +inf)`: the outer bins catch values beyond the reference range,
 * which is where a shifted distribution shows first.
 */
import { ConfigError, describeValue } from '../core/errors.js';
import { checkNumber } from './params.js';
import { StateReader } from './snapshot-state.js';

/** The serialized sketch: cut points and counts, nothing else. */
export interface FeatureSketchJSON {
  readonly edges: readonly number[];
  readonly counts: readonly number[];
}

export class FeatureSketch {
  readonly #edges: Float64Array;
  readonly #counts: Float64Array;
  #total = 0;

  private constructor(edges: Float64Array, counts: Float64Array) {
    this.#edges = edges;
    this.#counts = counts;
    for (const c of counts) this.#total += c;
  }

  /**
   * Builds a sketch from a reference window: up to `bins - 1` cut points at the quantiles i/bins (linear
   * interpolation between order statistics; repeated cut points collapse, so a discrete or constant feature gets
   * fewer bins) and the window's counts. Non-finite values are skipped. The values are not kept.
   */
  static fromReference(values: ArrayLike<number>, bins: number): FeatureSketch {
    checkNumber('bins', bins, { min: 1, max: 1000, integer: true });
    const sorted = Float64Array.from(Array.from(values).filter((v) => Number.isFinite(v))).sort();
    const edges: number[] = [];
    const n = sorted.length;
    if (n > 0) {
      for (let i = 1; i < bins; i++) {
        const pos = ((n - 1) * i) / bins;
        const lo = Math.floor(pos);
        const hi = Math.min(n - 1, lo + 1);
        const a = sorted[lo] as number;
        const b = sorted[hi] as number;
        const t = pos - lo;
        // Weighted form, not a + (b - a)·t: b - a overflows for values near ±1.8e308.
        // At an exact order statistic (t = 0) the cut is the midpoint with the next value, so no edge is a
        // recorded value unless values repeat (serialized sketches must not carry raw values).
        const next = sorted[Math.min(n - 1, lo + 1)] as number;
        const edge = t === 0 ? Math.min(next, Math.max(a, a / 2 + next / 2)) : Math.min(b, Math.max(a, a * (1 - t) + b * t));
        if (edges.length === 0 || edge > (edges[edges.length - 1] as number)) edges.push(edge);
      }
    }
    const sketch = FeatureSketch.withEdges(edges);
    for (const v of sorted) sketch.add(v);
    return sketch;
  }

  /** An empty sketch over the given strictly increasing, finite cut points. */
  static withEdges(edges: readonly number[]): FeatureSketch {
    return new FeatureSketch(Float64Array.from(edges), new Float64Array(edges.length + 1));
  }

  /** Reads a serialized sketch, checking edges (finite, strictly increasing) and counts (integers >= 0). */
  static fromJSON(json: unknown, path = 'sketch'): FeatureSketch {
    const reader = StateReader.of(json, path);
    const edges = reader.numbers('edges');
    const counts = reader.numbers('counts', edges.length + 1, { min: 0, integer: true });
    for (let i = 1; i < edges.length; i++) {
      reader.require((edges[i] as number) > (edges[i - 1] as number), 'edges', 'be strictly increasing');
    }
    return new FeatureSketch(Float64Array.from(edges), Float64Array.from(counts));
  }

  /** A sketch with the same edges and no counts (for the next window). */
  emptyLike(): FeatureSketch {
    return new FeatureSketch(this.#edges, new Float64Array(this.#counts.length));
  }

  /** Number of bins (cut points + 1). */
  get bins(): number {
    return this.#counts.length;
  }

  /** Values counted. */
  get total(): number {
    return this.#total;
  }

  get edges(): readonly number[] {
    return Array.from(this.#edges);
  }

  get counts(): readonly number[] {
    return Array.from(this.#counts);
  }

  /** Index of the bin holding `value`: the number of cut points strictly below it. */
  binOf(value: number): number {
    let lo = 0;
    let hi = this.#edges.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.#edges[mid] as number) < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Counts one value; returns false (and counts nothing) when it is not finite. */
  add(value: number): boolean {
    if (!Number.isFinite(value)) return false;
    const bin = this.binOf(value);
    this.#counts[bin] = (this.#counts[bin] as number) + 1;
    this.#total += 1;
    return true;
  }

  /** Adds the counts of a sketch with the same edges into this one. */
  merge(other: FeatureSketch): this {
    if (!this.sameEdges(other)) {
      throw new ConfigError('sketch.edges', `Expected sketches with the same edges to merge, got ${describeValue(other.edges)} edges that differ`);
    }
    for (let i = 0; i < this.#counts.length; i++) this.#counts[i] = (this.#counts[i] as number) + (other.#counts[i] as number);
    this.#total += other.#total;
    return this;
  }

  sameEdges(other: FeatureSketch): boolean {
    return this.#edges.length === other.#edges.length && this.#edges.every((e, i) => e === other.#edges[i]);
  }

  toJSON(): FeatureSketchJSON {
    return { edges: Array.from(this.#edges), counts: Array.from(this.#counts) };
  }
}
