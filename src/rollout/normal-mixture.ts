/**
 * The one-sided normal-mixture sequential probability ratio test (mSPRT) on an estimated difference of means,
 * treated as a Brownian motion in information time (information = 1 / variance of the estimate).
 *
 * For an estimate `d` with variance `v` and a null boundary `θ₀`, the likelihood ratio of a drift `θ` against
 * `θ₀` is mixed over `θ − θ₀ ~ N⁺(0, τ²)` (the half-normal on the side being tested). In closed form, with
 * `x = (d − θ₀) · τ / √(v (v + τ²))`:
 *
 *   log Λ = log 2 − ½ log(1 + τ²/v) + x²/2 + log Φ(x)          (side "candidate better")
 *
 * and the same with `−x` for the other side. Under the null the mixture is a nonnegative (super)martingale, so by
 * Ville's inequality it ever reaches `1/α` with probability at most α, however often it is checked. The
 * variance is a plug-in estimate, so the guarantee is asymptotic (as n grows the estimate converges).
 *
 * @see R. Johari, P. Koomen, L. Pekelis, D. Walsh, "Always valid inference: continuous monitoring of A/B tests",
 *   Operations Research 70(3), 2022 (the mSPRT with a normal mixture and plug-in variance).
 * @see I. Waudby-Smith, D. Arbour, R. Sinha, E. H. Kennedy, A. Ramdas, "Time-uniform central limit theory and
 *   asymptotic confidence sequences", Annals of Statistics, 2024.
 */

const LOG2 = Math.LN2;
const SQRT1_2 = Math.SQRT1_2;

/**
 * `log erfc(z) + z²` for z >= 0, from the Chebyshev fit of Numerical Recipes' `erfcc` (fractional error of erfc
 * below 1.2e-7 everywhere); the `+ z²` keeps it finite for any z.
 */
function logErfcScaled(z: number): number {
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -1.26551223 +
    t *
      (1.00002368 +
        t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return Math.log(t) + poly;
}

/** The standard normal distribution function Φ(x). */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const z = Math.abs(x) * SQRT1_2;
  const tail = 0.5 * Math.exp(logErfcScaled(z) - z * z);
  return x >= 0 ? 1 - tail : tail;
}

/** `x²/2 + log Φ(x)`, finite for every finite x (no ∞ − ∞ for very negative x); increasing in x. */
export function halfSquarePlusLogCdf(x: number): number {
  if (x < 0) return Math.log(0.5) + logErfcScaled(-x * SQRT1_2);
  const z = x * SQRT1_2;
  return 0.5 * x * x + Math.log1p(-0.5 * Math.exp(logErfcScaled(z) - z * z));
}

/** log Λ of the one-sided mixture for side `sign` (+1: θ > θ₀, −1: θ < θ₀), or −∞ without information (v = 0). */
export function logMixtureRatio(d: number, v: number, theta0: number, tau: number, sign: 1 | -1): number {
  if (!(v > 0) || !(tau > 0) || !Number.isFinite(d)) return -Infinity;
  const r = (tau * tau) / v;
  const x = (sign * (d - theta0) * tau) / (Math.sqrt(v) * Math.sqrt(v + tau * tau));
  if (!Number.isFinite(x)) return x > 0 ? Infinity : -Infinity;
  return LOG2 - 0.5 * Math.log1p(r) + halfSquarePlusLogCdf(x);
}

/**
 * The half-width of the one-sided (1 − α) always-valid bound: the test of side +1 rejects `θ₀` exactly when
 * `θ₀ <= d − width`, the test of side −1 when `θ₀ >= d + width`. Solves `x²/2 + log Φ(x) = log(1/α) − log 2 +
 * ½ log(1 + τ²/v)` for x by bisection (the left side increases in x), then scales back to the units of d.
 * Infinite without information (v = 0 or not finite).
 */
export function boundWidth(v: number, tau: number, alpha: number): number {
  if (!(v > 0) || !Number.isFinite(v) || !(tau > 0)) return Infinity;
  const target = Math.log(1 / alpha) - LOG2 + 0.5 * Math.log1p((tau * tau) / v);
  let lo = 0;
  // x²/2 + log Φ(x) >= x²/2 − log 2 for x >= 0, so this x is past the root.
  let hi = Math.sqrt(2 * Math.max(0, target + LOG2)) + 1;
  for (let i = 0; i < 100 && hi - lo > 1e-12 * hi; i++) {
    const mid = 0.5 * (lo + hi);
    if (halfSquarePlusLogCdf(mid) < target) lo = mid;
    else hi = mid;
  }
  return (hi * Math.sqrt(v) * Math.sqrt(v + tau * tau)) / tau;
}
