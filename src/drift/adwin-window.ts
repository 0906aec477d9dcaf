/**
 * ADWIN's compressed window (the "exponential histogram" of ADWIN2): row `i` holds up to `maxBuckets` buckets,
 * each summarising 2^i consecutive values by their sum and their sum of squared deviations. Oldest buckets come
 * first in each row, and higher rows are older. A full row merges its two oldest buckets into the next row, so
 * `W` values take O(maxBuckets · log W) memory.
 *
 * River's implementation decides on float64 comparisons; to reproduce its drift indices exactly, every sum below
 * is computed in the same order as River's (`rust_src/adwin.rs`, River 0.26).
 *
 * @see A. Bifet and R. Gavaldà, "Learning from time-changing data with adaptive windowing", SIAM SDM 2007.
 * @see B. Babcock, M. Datar, R. Motwani, L. O'Callaghan, "Maintaining variance and k-medians over data stream
 *   windows", PODS 2003 (merging variances of buckets).
 */
import type { JsonValue } from './detector.js';
import { encodeNumber, encodeNumbers, type StateReader } from './snapshot-state.js';

/**
 * The buckets of one size, oldest first, in a ring of `maxBuckets + 1` slots (a row is compressed as soon as it
 * holds that many): inserting and merging move no elements, where arrays would shift on every merge.
 */
class BucketRow {
  private readonly totals: Float64Array;
  private readonly variances: Float64Array;
  private head = 0;
  length = 0;

  constructor(private readonly capacity: number) {
    this.totals = new Float64Array(capacity);
    this.variances = new Float64Array(capacity);
  }

  private slot(k: number): number {
    const i = this.head + k;
    return i >= this.capacity ? i - this.capacity : i;
  }

  /** Sum of the k-th oldest bucket. */
  total(k: number): number {
    return this.totals[this.slot(k)] as number;
  }

  /** Sum of squared deviations of the k-th oldest bucket. */
  variance(k: number): number {
    return this.variances[this.slot(k)] as number;
  }

  push(total: number, variance: number): void {
    const i = this.slot(this.length);
    this.totals[i] = total;
    this.variances[i] = variance;
    this.length += 1;
  }

  /** Drops the `n` oldest buckets. */
  dropOldest(n: number): void {
    this.head = this.slot(n);
    this.length -= n;
  }

  encode(): { [key: string]: JsonValue } {
    const totals: number[] = [];
    const variances: number[] = [];
    for (let k = 0; k < this.length; k++) {
      totals.push(this.total(k));
      variances.push(this.variance(k));
    }
    return { totals: encodeNumbers(totals), variances: encodeNumbers(variances) };
  }
}

export interface AdwinWindowOptions {
  readonly delta: number;
  readonly clock: number;
  readonly maxBuckets: number;
  readonly minWindowLength: number;
  readonly gracePeriod: number;
}

export class AdwinWindow {
  width = 0;
  total = 0;
  /** Sum of squared deviations from the window mean (not divided by the width). */
  variance = 0;
  private tick = 0;
  private rows: BucketRow[];

  constructor(private readonly options: AdwinWindowOptions) {
    this.rows = [this.newRow()];
  }

  private newRow(): BucketRow {
    return new BucketRow(this.options.maxBuckets + 1);
  }

  /** Adds a value; returns true when a cut was found (the window then lost its oldest part). */
  update(value: number): boolean {
    this.insert(value);
    return this.detectChange();
  }

  private insert(value: number): void {
    (this.rows[0] as BucketRow).push(value, 0);
    this.width += 1;
    let increment = 0;
    if (this.width > 1) {
      const d = value - this.total / (this.width - 1);
      increment = ((this.width - 1) * d * d) / this.width;
    }
    this.variance += increment;
    this.total += value;
    this.compress();
  }

  private compress(): void {
    const { maxBuckets } = this.options;
    for (let i = 0; ; i++) {
      const row = this.rows[i] as BucketRow;
      if (row.length !== maxBuckets + 1) return;
      const size = 2 ** i;
      const t0 = row.total(0);
      const t1 = row.total(1);
      const v0 = row.variance(0);
      const v1 = row.variance(1);
      const mu0 = t0 / size;
      const mu1 = t1 / size;
      const merged = v0 + v1 + size * 0.5 * (mu0 - mu1) * (mu0 - mu1);
      if (i + 1 >= this.rows.length) this.rows.push(this.newRow());
      const next = this.rows[i + 1] as BucketRow;
      next.push(t0 + t1, merged);
      row.dropOldest(2);
      if (next.length <= maxBuckets) return;
    }
  }

  /** Drops the oldest bucket (the first of the last row). */
  private dropOldest(): void {
    const last = this.rows.length - 1;
    const row = this.rows[last] as BucketRow;
    const n = 2 ** last;
    const u = row.total(0);
    const v = row.variance(0);
    const mu = u / n;
    this.width -= n;
    this.total -= u;
    const muWindow = this.total / this.width;
    this.variance -= v + (n * this.width * (mu - muWindow) * (mu - muWindow)) / (n + this.width);
    row.dropOldest(1);
    if (row.length === 0) this.rows.pop();
  }

  private detectChange(): boolean {
    const { clock, gracePeriod, minWindowLength } = this.options;
    let changed = false;
    this.tick += 1;
    if (this.tick % clock !== 0 || !(this.width > gracePeriod)) return false;
    let again = true;
    while (again) {
      again = false;
      let n0 = 0;
      let n1 = this.width;
      let u0 = 0;
      let u1 = this.total;
      // These depend on the width only: computed once per pass, not per cut point (the same float64 values).
      const deltaPrime = Math.log((2 * Math.log(this.width)) / this.options.delta);
      const meanVariance = this.variance / this.width;
      // Cut points run from the oldest bucket to the newest; the newest value never stands alone in W1's place.
      scan: for (let i = this.rows.length - 1; i >= 0; i--) {
        const row = this.rows[i] as BucketRow;
        const size = 2 ** i;
        for (let k = 0; k < row.length; k++) {
          n0 += size;
          n1 -= size;
          const t = row.total(k);
          u0 += t;
          u1 -= t;
          if (i === 0 && k === row.length - 1) break scan;
          if (n1 >= minWindowLength && n0 >= minWindowLength && this.isCut(n0, n1, u0 / n0 - u1 / n1, deltaPrime, meanVariance)) {
            again = true;
            changed = true;
            if (this.width > 0) {
              this.dropOldest();
              break scan;
            }
          }
        }
      }
    }
    return changed;
  }

  /** Hoeffding-style bound with the window variance (Bernstein form of ADWIN2's epsilon_cut). */
  private isCut(n0: number, n1: number, meanDifference: number, deltaPrime: number, meanVariance: number): boolean {
    const { minWindowLength } = this.options;
    const mRecip = 1 / (n0 - minWindowLength + 1) + 1 / (n1 - minWindowLength + 1);
    const epsilon = Math.sqrt(2 * mRecip * meanVariance * deltaPrime) + (2 / 3) * deltaPrime * mRecip;
    return Math.abs(meanDifference) > epsilon;
  }

  toJSON(): { [key: string]: JsonValue } {
    return {
      width: this.width,
      total: encodeNumber(this.total),
      variance: encodeNumber(this.variance),
      tick: this.tick,
      rows: this.rows.map((r) => r.encode()),
    };
  }

  static read(reader: StateReader, options: AdwinWindowOptions): AdwinWindow {
    const w = new AdwinWindow(options);
    w.width = reader.number('width', { min: 0, integer: true });
    w.total = reader.number('total');
    w.variance = reader.number('variance');
    w.tick = reader.number('tick', { min: 0, integer: true });
    const rows = reader.children('rows');
    reader.require(rows.length >= 1, 'rows', 'hold at least one row');
    w.rows = rows.map((r) => {
      const totals = r.numbers('totals');
      const variances = r.numbers('variances', totals.length);
      r.require(totals.length <= options.maxBuckets, 'totals', `hold at most ${options.maxBuckets} buckets`);
      const row = w.newRow();
      totals.forEach((t, k) => row.push(t, variances[k] as number));
      return row;
    });
    const counted = w.rows.reduce((sum, r, i) => sum + r.length * 2 ** i, 0);
    reader.require(counted === w.width, 'width', `equal the values summarised by the buckets (${counted})`);
    return w;
  }
}
