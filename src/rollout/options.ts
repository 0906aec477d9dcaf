/** Checks of the rollout code's options and inputs; each throws an error from src/core/errors.ts naming the field. */
import { ConfigError, describeValue, StreamtrainError } from '../core/errors.js';

/**
 * The default mixing scale τ of the sequential tests, in standard deviations of the rewards: the effect the
 * normal mixture is tuned to, about 2 accuracy points at 80% accuracy (0.02 / 0.4). The rule and its check:
 * docs/decisions/021-rollout-sequential-test.md.
 */
export const DEFAULT_TAU = 0.05;

/** Options shared by the three sequential tests. */
export interface SequentialTestOptions {
  /** Error rate under continuous monitoring, per side: in (0, 0.5]. */
  readonly alpha: number;
  /** Promote when the candidate is better by more than this (reward units; preference above 0.5). */
  readonly margin: number;
  /** Outcomes per arm (PreferenceTest: decisive requests in all) before any verdict. */
  readonly minSamples: number;
  /** Mixing scale τ in standard deviations of the rewards (τ² is the mixing variance). @default DEFAULT_TAU */
  readonly tau?: number;
}

export interface CheckedTestOptions {
  readonly alpha: number;
  readonly margin: number;
  readonly minSamples: number;
  readonly tau: number;
}

function check(field: string, value: unknown, ok: (v: number) => boolean, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value))
    throw new ConfigError(field, `Expected \`${field}\` to be ${what}, got \`${describeValue(value)}\``);
  return value;
}

export function checkTestOptions(o: SequentialTestOptions): CheckedTestOptions {
  return {
    alpha: check('alpha', o.alpha, (v) => v > 0 && v <= 0.5, 'a number in (0, 0.5]'),
    margin: check('margin', o.margin, () => true, 'a finite number'),
    minSamples: check('minSamples', o.minSamples, (v) => Number.isInteger(v) && v >= 1, 'an integer >= 1'),
    tau: check('tau', o.tau ?? DEFAULT_TAU, (v) => v > 0, 'a number > 0'),
  };
}

/** Rewards beyond ±1e100 are clamped to it, so that sums of squares over any number of outcomes stay finite. */
export const MAX_ABS_REWARD = 1e100;

/**
 * The reward, clamped to ±{@link MAX_ABS_REWARD}; throws when it is not a finite number (a failed prediction is a
 * guardrail matter, not a reward).
 */
export function checkReward(field: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new StreamtrainError('ROLLOUT_INVALID_INPUT', `Expected \`${field}\` to be a finite number, got \`${describeValue(value)}\``);
  return Math.min(MAX_ABS_REWARD, Math.max(-MAX_ABS_REWARD, value));
}
