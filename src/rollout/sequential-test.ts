import { StreamtrainError } from '../core/errors.js';
import { boundWidth, logMixtureRatio } from './normal-mixture.js';
import { checkReward, checkTestOptions, type CheckedTestOptions, type SequentialTestOptions } from './options.js';
import { RunningMoments } from './running-moments.js';

export type TestVerdict = 'promote' | 'reject';

/** What a sequential test knows now. Arm 0 is the champion, arm 1 the candidate. */
export interface TestState {
  /** Outcomes per arm (PairedTest: pairs, twice; PreferenceTest: [champion wins, candidate wins]). */
  readonly n: readonly [number, number];
  /** Mean reward per arm (PreferenceTest: share of the decisive requests each team won). */
  readonly mean: readonly [number, number];
  /** The estimated difference, candidate − champion (PreferenceTest: candidate's share of wins − 0.5). */
  readonly diff: number;
  /** One-sided always-valid (1 − α) lower bound of the difference; −∞ before any information. */
  readonly lower: number;
  /** One-sided always-valid (1 − α) upper bound of the difference; +∞ before any information. */
  readonly upper: number;
  /** The first verdict reached; it stays. */
  readonly verdict?: TestVerdict;
}

/**
 * A variance below this share of the rewards' variance is raised to it, so that an arm whose rewards happen to be
 * all equal (all 1s) does not claim infinite precision.
 */
export const VARIANCE_FLOOR_SHARE = 0.01;

/** The estimate a test hands to the mixture: the difference, its variance, and the rewards' standard deviation. */
interface Estimate {
  readonly diff: number;
  readonly variance: number;
  readonly scale: number;
}

/**
 * Two one-sided normal-mixture tests on one difference, checked after every observation (src/rollout/normal-mixture.ts):
 * **promote** when H0: δ <= margin is rejected (the candidate is better by more than the margin), **reject** when
 * H0: δ >= margin is rejected (it surely is not). Each side errs with probability at most α under continuous
 * monitoring. The mixing scale is τ times the rewards' standard deviation. No verdict before `minSamples`.
 */
abstract class MixtureTest {
  readonly alpha: number;
  readonly margin: number;
  readonly minSamples: number;
  readonly tau: number;
  private readonly threshold: number;
  private decided: TestVerdict | undefined;

  constructor(options: SequentialTestOptions) {
    const o: CheckedTestOptions = checkTestOptions(options);
    this.alpha = o.alpha;
    this.margin = o.margin;
    this.minSamples = o.minSamples;
    this.tau = o.tau;
    this.threshold = Math.log(1 / o.alpha);
  }

  /** The first verdict reached, if any (cheaper than `state`: no bounds are computed). */
  get verdict(): TestVerdict | undefined {
    return this.decided;
  }

  get state(): TestState {
    const e = this.estimate();
    const width = boundWidth(e.variance, this.tau * e.scale, this.alpha);
    return {
      n: this.counts(),
      mean: this.means(),
      diff: e.diff,
      lower: e.diff - width,
      upper: e.diff + width,
      ...(this.decided ? { verdict: this.decided } : {}),
    };
  }

  /** Checks both sides after an observation; the first verdict stays. */
  protected check(): void {
    if (this.decided || !this.ready()) return;
    const e = this.estimate();
    const tau = this.tau * e.scale;
    // Only the side the estimate lies on can reach the threshold (log Λ < 0 on the other).
    const side = e.diff > this.margin ? 1 : -1;
    if (logMixtureRatio(e.diff, e.variance, this.margin, tau, side) >= this.threshold) this.decided = side === 1 ? 'promote' : 'reject';
  }

  protected abstract ready(): boolean;
  protected abstract estimate(): Estimate;
  protected abstract counts(): readonly [number, number];
  protected abstract means(): readonly [number, number];
}

/**
 * Canary and A/B: independent outcomes of the champion (arm 0) and the candidate (arm 1), in any proportion
 * (a canary at 1% against 99%). Tests the difference of mean rewards with the plug-in variance
 * `max(s₀², s²)/n₀ + max(s₁², s²)/n₁`, where `s²` is the pooled within-arm variance: a small arm whose own
 * variance happens to be low (0/1 rewards: exactly when its mean happens to be high) does not claim more precision
 * than the pooled estimate, which would promote an equal candidate too often.
 */
export class TwoSampleTest extends MixtureTest {
  private readonly arms = [new RunningMoments(), new RunningMoments()] as const;

  add(arm: 0 | 1, reward: number): void {
    if (arm !== 0 && arm !== 1) throw new StreamtrainError('ROLLOUT_INVALID_INPUT', `Expected \`arm\` to be 0 or 1, got \`${String(arm)}\``);
    this.arms[arm].add(checkReward('reward', reward));
    this.check();
  }

  protected ready(): boolean {
    return this.arms[0].n >= this.minSamples && this.arms[1].n >= this.minSamples;
  }

  protected estimate(): Estimate {
    const [a, b] = this.arms;
    const diff = a.n > 0 && b.n > 0 ? b.mean - a.mean : 0;
    const dof = a.n + b.n - 2;
    const pooled = dof > 0 ? (a.m2 + b.m2) / dof : 0;
    const variance = a.n > 0 && b.n > 0 ? Math.max(a.variance, pooled) / a.n + Math.max(b.variance, pooled) / b.n : 0;
    return { diff, variance, scale: Math.sqrt(pooled) };
  }

  protected counts(): readonly [number, number] {
    return [this.arms[0].n, this.arms[1].n];
  }

  protected means(): readonly [number, number] {
    return [this.arms[0].mean, this.arms[1].mean];
  }
}

/**
 * Shadow: the champion's and the candidate's reward on the same request. Tests the mean of the paired differences
 * with the plug-in variance `s_d²/n`, at least {@link VARIANCE_FLOOR_SHARE} of the rewards' variance (two models
 * that always agree give no evidence either way when the margin is 0).
 */
export class PairedTest extends MixtureTest {
  private readonly champion = new RunningMoments();
  private readonly candidate = new RunningMoments();
  private readonly delta = new RunningMoments();

  add(championReward: number, candidateReward: number): void {
    const a = checkReward('championReward', championReward);
    const b = checkReward('candidateReward', candidateReward);
    this.champion.add(a);
    this.candidate.add(b);
    this.delta.add(b - a);
    this.check();
  }

  protected ready(): boolean {
    return this.delta.n >= this.minSamples;
  }

  protected estimate(): Estimate {
    const n = this.delta.n;
    const rewardVariance = (this.champion.variance + this.candidate.variance) / 2;
    const variance = n > 0 ? Math.max(this.delta.variance, VARIANCE_FLOOR_SHARE * rewardVariance) / n : 0;
    return { diff: this.delta.mean, variance, scale: Math.sqrt(rewardVariance) };
  }

  protected counts(): readonly [number, number] {
    return [this.delta.n, this.delta.n];
  }

  protected means(): readonly [number, number] {
    return [this.champion.mean, this.candidate.mean];
  }
}

/**
 * Interleaving: per request the team that won (0 champion, 1 candidate; undefined, a tie, is ignored). Tests the
 * candidate's share of the decisive requests against 0.5 + margin, with the variance `p̃(1 − p̃)/n`, where
 * `p̃ = (candidate wins + ½) / (n + 1)` never reaches 0 or 1. `minSamples` counts decisive requests of both teams
 * together (a candidate that wins every request is still decided).
 */
export class PreferenceTest extends MixtureTest {
  private wins: [number, number] = [0, 0];

  add(winner: 0 | 1 | undefined): void {
    if (winner === undefined) return;
    if (winner !== 0 && winner !== 1)
      throw new StreamtrainError('ROLLOUT_INVALID_INPUT', `Expected \`winner\` to be 0, 1 or undefined, got \`${String(winner)}\``);
    this.wins[winner]++;
    this.check();
  }

  protected ready(): boolean {
    return this.wins[0] + this.wins[1] >= this.minSamples;
  }

  protected estimate(): Estimate {
    const n = this.wins[0] + this.wins[1];
    const smoothed = (this.wins[1] + 0.5) / (n + 1);
    const spread = smoothed * (1 - smoothed);
    return { diff: n > 0 ? this.wins[1] / n - 0.5 : 0, variance: n > 0 ? spread / n : 0, scale: Math.sqrt(spread) };
  }

  protected counts(): readonly [number, number] {
    return [this.wins[0], this.wins[1]];
  }

  protected means(): readonly [number, number] {
    const n = this.wins[0] + this.wins[1];
    return n > 0 ? [this.wins[0] / n, this.wins[1] / n] : [0, 0];
  }
}
