/** Count, mean and sum of squared deviations of a stream (Welford's update): O(1) per value, stable for any n. */
export class RunningMoments {
  n = 0;
  mean = 0;
  /** Sum of squared deviations from the mean. */
  m2 = 0;

  add(x: number): void {
    this.n++;
    const d = x - this.mean;
    this.mean += d / this.n;
    this.m2 += d * (x - this.mean);
    if (this.m2 < 0) this.m2 = 0;
  }

  /** The sample variance (n − 1 in the denominator); 0 below two values. */
  get variance(): number {
    return this.n > 1 ? this.m2 / (this.n - 1) : 0;
  }
}
