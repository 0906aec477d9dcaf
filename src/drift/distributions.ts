/**
 * Distribution functions for the paired tests of the drift responses and the error trend's rise check: the normal
 * tail (erfc), chi-square with one degree of freedom, Student's t (two-sided p-value and upper quantile) through the
 * regularized incomplete beta function, and ln Γ. Pure math, no state.
 * @see Press et al., Numerical Recipes (3rd ed.), sections 6.1-6.4.
 */

/** Survival function of the chi-square distribution with one degree of freedom. */
export function chiSquare1Sf(x: number): number {
  // The erfc fit may overshoot 1 by ~1e-7 near 0: a p-value is clamped to [0, 1].
  return Math.min(1, Math.max(0, erfc(Math.sqrt(x / 2))));
}

/** Complementary error function (Numerical Recipes' Chebyshev fit, |error| < 1.2e-7). */
export function erfc(x: number): number {
  if (x === Infinity) return 0;
  if (x === -Infinity) return 2;
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Two-sided p-value of Student's t statistic `t` with `df` degrees of freedom: I_{df/(df+t^2)}(df/2, 1/2). */
export function studentTTwoSided(t: number, df: number): number {
  if (!Number.isFinite(t)) return Number.isNaN(t) ? 1 : 0;
  if (df <= 0) return 1;
  return Math.min(1, Math.max(0, regularizedBeta(df / (df + t * t), df / 2, 0.5)));
}

/** The upper quantile of Student's t with `df` degrees of freedom: the t with P(T > t) = p (0 < p < 0.5), by bisection. */
export function studentTUpperQuantile(p: number, df: number): number {
  let lo = 0;
  let hi = 1e3;
  for (let k = 0; k < 200 && hi - lo > 1e-12; k++) {
    const mid = (lo + hi) / 2;
    if (studentTTwoSided(mid, df) / 2 > p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Regularized incomplete beta function I_x(a, b), from its continued fraction (modified Lentz). */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  // The fraction converges fast below the mean of the distribution; above it, use I_x(a, b) = 1 - I_{1-x}(b, a).
  return x < (a + 1) / (a + b + 2) ? (front * betaFraction(x, a, b)) / a : 1 - (front * betaFraction(1 - x, b, a)) / b;
}

function betaFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  const guard = (v: number) => (Math.abs(v) < tiny ? tiny : v);
  let c = 1;
  let d = 1 / guard(1 - ((a + b) * x) / (a + 1));
  let h = d;
  for (let m = 1; m <= 500; m++) {
    const even = (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m));
    d = 1 / guard(1 + even * d);
    c = guard(1 + even / c);
    h *= d * c;
    const odd = (-(a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1));
    d = 1 / guard(1 + odd * d);
    c = guard(1 + odd / c);
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-15) break;
  }
  return h;
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, nine terms; relative error below 1e-13). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
    9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  const z = x - 1;
  let s = c[0] as number;
  for (let i = 1; i < 9; i++) s += (c[i] as number) / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(s);
}
