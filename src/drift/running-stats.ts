/**
 * Running mean and variance with the exact float64 operation order of River's `stats.Mean` and `stats.Var`
 * (Welford/West updates), so detectors built on them take the same decisions as River's on the same input.
 *
 * @see B. P. Welford, "Note on a method for calculating corrected sums of squares and products",
 *   Technometrics 4(3), 1962.
 */
import type { JsonValue } from './detector.js';
import { encodeNumber, type StateReader } from './snapshot-state.js';

export class RunningMean {
  n = 0;
  mean = 0;

  update(x: number): void {
    this.n += 1;
    this.mean += (1 / this.n) * (x - this.mean);
  }

  clone(): RunningMean {
    const copy = new RunningMean();
    copy.n = this.n;
    copy.mean = this.mean;
    return copy;
  }

  toJSON(): { [key: string]: JsonValue } {
    return { n: this.n, mean: encodeNumber(this.mean) };
  }

  static read(reader: StateReader): RunningMean {
    const m = new RunningMean();
    m.n = reader.number('n', { min: 0, integer: true });
    m.mean = reader.number('mean');
    return m;
  }
}

/** Sample variance (divisor n - 1), 0 until two values were seen. */
export class RunningVariance {
  readonly mean = new RunningMean();
  /** Sum of squared deviations from the running mean. */
  squares = 0;

  update(x: number): void {
    const before = this.mean.mean;
    this.mean.update(x);
    this.squares += (x - before) * (x - this.mean.mean);
  }

  get(): number {
    return this.mean.n > 1 ? this.squares / (this.mean.n - 1) : 0;
  }

  toJSON(): { [key: string]: JsonValue } {
    return { ...this.mean.toJSON(), squares: encodeNumber(this.squares) };
  }

  static read(reader: StateReader): RunningVariance {
    const v = new RunningVariance();
    const m = RunningMean.read(reader);
    v.mean.n = m.n;
    v.mean.mean = m.mean;
    v.squares = reader.number('squares', { min: 0 });
    return v;
  }
}
