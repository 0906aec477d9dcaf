/**
 * Population Stability Index between a reference and a current histogram over the same bins:
 * PSI = Σ (c_i - r_i) · ln(c_i / r_i), with r_i, c_i the bin proportions. It is a symmetrised Kullback-Leibler
 * divergence (KL(c||r) + KL(r||c)), 0 for identical histograms, and grows with any shift of mass between bins.
 *
 * An empty bin would make the logarithm infinite, so proportions are floored at {@link PSI_EPSILON} (1e-4): small
 * enough not to matter for bins with real mass, large enough that one empty bin caps its term at about
 * p · ln(p / 1e-4) (≈ 0.69 for p = 0.1) instead of Infinity.
 *
 * Usual reading (credit-scoring practice): < 0.1 stable, 0.1 to 0.25 a moderate shift, >= 0.25 a major shift.
 *
 * @see B. Yurdakul, "Statistical properties of population stability index", PhD thesis, Western Michigan
 *   University, 2018.
 */
import { ConfigError } from '../core/errors.js';

/** Floor of a bin proportion, so empty bins contribute a finite amount. */
export const PSI_EPSILON = 1e-4;
/** PSI at and above which a shift is usually called moderate. */
export const PSI_MODERATE = 0.1;
/** PSI at and above which a shift is usually called major (the default drift threshold). */
export const PSI_MAJOR = 0.25;

export type PsiLevel = 'stable' | 'moderate' | 'major';

/** PSI of two count vectors over the same bins; 0 when either is empty. */
export function psi(referenceCounts: readonly number[], currentCounts: readonly number[], epsilon = PSI_EPSILON): number {
  if (referenceCounts.length !== currentCounts.length) {
    throw new ConfigError(
      'currentCounts',
      `Expected \`currentCounts\` to have ${referenceCounts.length} bins like \`referenceCounts\`, got ${currentCounts.length}`,
    );
  }
  const totalR = referenceCounts.reduce((s, c) => s + c, 0);
  const totalC = currentCounts.reduce((s, c) => s + c, 0);
  if (totalR === 0 || totalC === 0) return 0;
  let sum = 0;
  for (let i = 0; i < referenceCounts.length; i++) {
    const r = Math.max((referenceCounts[i] as number) / totalR, epsilon);
    const c = Math.max((currentCounts[i] as number) / totalC, epsilon);
    sum += (c - r) * Math.log(c / r);
  }
  return sum;
}

export function psiLevel(value: number): PsiLevel {
  if (value >= PSI_MAJOR) return 'major';
  if (value >= PSI_MODERATE) return 'moderate';
  return 'stable';
}
