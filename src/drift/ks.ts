/**
 * Two-sample Kolmogorov-Smirnov test: the statistic D = sup |F1(x) - F2(x)| between two empirical CDFs and its
 * p-value, either exact (equal sample sizes, as KSWIN needs) or from the asymptotic Kolmogorov distribution (for
 * binned sketches of any sizes).
 *
 * @see A. N. Kolmogorov, "Sulla determinazione empirica di una legge di distribuzione", 1933, and N. Smirnov,
 *   "Table for estimating the goodness of fit of empirical distributions", Ann. Math. Stat. 19, 1948.
 * @see J. L. Hodges, "The significance probability of the Smirnov two-sample test", Arkiv för Matematik 3, 1958
 *   (the exact tail for equal sizes, summed as SciPy's `ks_2samp` does, so KSWIN decides like River's).
 */
import { ConfigError } from '../core/errors.js';

export interface KsResult {
  /** Largest gap between the two empirical CDFs, in [0, 1]. */
  readonly statistic: number;
  /** Probability of a gap at least this large if both samples come from one continuous distribution. */
  readonly pValue: number;
}

/**
 * Survival function of the Kolmogorov distribution, P(K > x) with K = sup |Brownian bridge|: the limit of
 * P(sqrt(n)·D_n > x). Two series, each converging fast on its side of x ≈ 1.
 */
export function kolmogorovSurvival(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x <= 0) return 1;
  if (x < 1) {
    // P(K <= x) = sqrt(2π)/x · Σ_{k>=1} exp(-(2k-1)²π²/(8x²)); the terms shrink like exp(-k²/x²).
    const w = (Math.PI * Math.PI) / (8 * x * x);
    let cdf = 0;
    for (let k = 1; k <= 20; k++) {
      const term = Math.exp(-(2 * k - 1) * (2 * k - 1) * w);
      cdf += term;
      if (term < 1e-17 * cdf) break;
    }
    return Math.min(1, Math.max(0, 1 - (Math.sqrt(2 * Math.PI) / x) * cdf));
  }
  // P(K > x) = 2 Σ_{k>=1} (-1)^(k-1) exp(-2k²x²).
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * x * x);
    sum += k % 2 === 1 ? term : -term;
    if (term < 1e-17 * sum) break;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

/**
 * Exact two-sided P(D_{n,n} >= h/n) for two samples of size `n`: the share of lattice paths leaving the band
 * |x - y| < h, summed with alternating signs in a nested (Horner-like) form that avoids cancellation. The
 * operation order is SciPy's (`_compute_prob_outside_square`), so p-values agree to the last bit. For the
 * smallest gaps the sum can round just above 1; it is clipped to 1 here, where SciPy instead falls back to its
 * asymptotic formula (also ~1): no test at a usable significance level decides differently.
 */
export function exactEqualSizePValue(n: number, h: number): number {
  if (h <= 0) return 1;
  let p = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let term = 1;
    for (let j = 0; j < h; j++) term = ((n - k * h - j) * term) / (n + k * h + j + 1);
    p = term * (1 - p);
  }
  return Math.min(1, Math.max(0, 2 * p));
}

/**
 * KS test between two samples of the same size (at most 10 000, where SciPy's default is the exact method),
 * with ties handled as SciPy does (CDFs compared at every observed value).
 */
export function ksTestEqualSize(a: readonly number[], b: readonly number[]): KsResult {
  const n = a.length;
  if (n === 0 || b.length !== n) {
    throw new ConfigError('b', `Expected two non-empty samples of one size, got sizes ${n} and ${b.length}`);
  }
  const x = Float64Array.from(a).sort();
  const y = Float64Array.from(b).sort();
  let i = 0;
  let j = 0;
  let h = 0;
  while (i < n && j < n) {
    const v = Math.min(x[i] as number, y[j] as number);
    while (i < n && (x[i] as number) <= v) i++;
    while (j < n && (y[j] as number) <= v) j++;
    h = Math.max(h, Math.abs(i - j));
  }
  return { statistic: h / n, pValue: exactEqualSizePValue(n, h) };
}

/**
 * KS test between two binned samples with the same bin edges: D is taken at the bin edges (a lower bound of the
 * statistic on the raw values, exact when values sit on the edges) and the p-value is asymptotic, from
 * `sqrt(n·m/(n+m))·D`.
 */
export function ksTestBinned(countsA: readonly number[], countsB: readonly number[]): KsResult {
  const totalA = countsA.reduce((s, c) => s + c, 0);
  const totalB = countsB.reduce((s, c) => s + c, 0);
  if (countsA.length !== countsB.length) {
    throw new ConfigError('countsB', `Expected \`countsB\` to have ${countsA.length} bins like \`countsA\`, got ${countsB.length}`);
  }
  if (totalA === 0 || totalB === 0) return { statistic: 0, pValue: 1 };
  let cumA = 0;
  let cumB = 0;
  let d = 0;
  for (let i = 0; i < countsA.length; i++) {
    cumA += countsA[i] as number;
    cumB += countsB[i] as number;
    d = Math.max(d, Math.abs(cumA / totalA - cumB / totalB));
  }
  const en = (totalA * totalB) / (totalA + totalB);
  return { statistic: d, pValue: kolmogorovSurvival(Math.sqrt(en) * d) };
}
