import type { RolloutConfig } from '../core/config/schema.js';
import type { RolloutArm } from '../core/decision.js';
import { ConfigError } from '../core/errors.js';
import { Guardrails } from './guardrails.js';
import { checkReward } from './options.js';
import { PairedTest, PreferenceTest, TwoSampleTest, type TestState } from './sequential-test.js';

export type RolloutPlan = Pick<RolloutConfig, 'policy' | 'steps' | 'split' | 'alpha' | 'margin' | 'minSamples' | 'maxSamples' | 'guardrails'>;

export type Verdict =
  | { readonly type: 'step'; readonly arms: readonly RolloutArm[]; readonly reason: string; readonly stats: Record<string, number> }
  | { readonly type: 'promote' | 'reject'; readonly major: number; readonly reason: string; readonly stats: Record<string, number> };

export interface RolloutMachineOptions {
  /** The tests' mixing scale τ (src/rollout/options.ts DEFAULT_TAU). */
  readonly tau?: number;
}

/** A candidate line under test. */
interface Line {
  readonly major: number;
  readonly test: TwoSampleTest | PairedTest | PreferenceTest;
  readonly guard: Guardrails;
  /** Labelled outcomes of the candidate (interleave: requests observed, ties included). */
  outcomes: number;
  live: boolean;
}

/**
 * The decisions of one rollout, pure and deterministic: the same observations in the same order give the same
 * verdicts. Each observe call returns at most one verdict; a verdict not returned yet (two arms crossing on one
 * champion outcome) is returned by the next call, because a test's first verdict stays.
 *
 * - `canary` (one candidate): serves `steps[0]`, then moves to the next step once the current step has
 *   `minSamples` candidate outcomes and the test has not rejected (a `step` verdict). The last step (share 1) is
 *   only reached by a `promote` verdict, given at the last intermediate step once it has `minSamples` outcomes too.
 * - `ab` (one or more candidates): each serves `split / k`; each is tested against the champion at `alpha / k`
 *   (Bonferroni). A candidate that fails gets a `reject` verdict for its major; its share goes back to the
 *   champion and the other arms keep theirs (they are laid out again from 0, so their keys move). The first
 *   candidate that passes is promoted, which ends the rollout for all.
 * - `shadow` (one or more candidates, share 0): a paired test per candidate at `alpha / k`, verdicts as for `ab`.
 * - `interleave` (one candidate, `split` = the share of requests interleaved): the preference test.
 *
 * A candidate with `maxSamples` outcomes and no verdict is rejected with reason 'inconclusive'. Guardrails
 * (src/rollout/guardrails.ts) reject a candidate at once. After a promotion `arms` is `[{ major, share: 1 }]`;
 * when no candidate is left it is `[]`. Once `done`, every observe call returns undefined.
 */
export class RolloutMachine {
  readonly plan: RolloutPlan;
  readonly champion: number;
  private readonly lines: Line[];
  private readonly alphaPerTest: number;
  private step = 0;
  private stepOutcomes = 0;
  private promoted: number | undefined;
  private finished = false;

  constructor(plan: RolloutPlan, champion: number, candidates: readonly number[], options: RolloutMachineOptions = {}) {
    if (plan.policy === 'immediate') throw new ConfigError('rollout.policy', "Expected a rollout policy other than 'immediate': it needs no decisions");
    if (candidates.length === 0) throw new ConfigError('candidates', 'Expected at least one candidate major');
    if (new Set(candidates).size !== candidates.length || candidates.includes(champion))
      throw new ConfigError('candidates', `Expected distinct candidate majors other than the champion ${champion}, got ${candidates.join(', ')}`);
    if ((plan.policy === 'canary' || plan.policy === 'interleave') && candidates.length !== 1)
      throw new ConfigError('candidates', `Expected one candidate under '${plan.policy}', got ${candidates.length}`);
    if (plan.policy === 'canary' && (plan.steps.length < 2 || plan.steps[plan.steps.length - 1] !== 1))
      throw new ConfigError('rollout.steps', 'Expected at least one step below 1 before the final 1 under canary: at share 1 no champion is left to compare');
    this.plan = plan;
    this.champion = champion;
    this.alphaPerTest = plan.policy === 'ab' || plan.policy === 'shadow' ? plan.alpha / candidates.length : plan.alpha;
    const o = { alpha: this.alphaPerTest, margin: plan.margin, minSamples: plan.minSamples, ...(options.tau === undefined ? {} : { tau: options.tau }) };
    this.lines = candidates.map((major) => ({
      major,
      test: plan.policy === 'shadow' ? new PairedTest(o) : plan.policy === 'interleave' ? new PreferenceTest(o) : new TwoSampleTest(o),
      guard: new Guardrails(plan.guardrails),
      outcomes: 0,
      live: true,
    }));
  }

  /** The candidates' current shares (shadow: 0; canary: the current step; ab: split / k each; interleave: split). */
  get arms(): readonly RolloutArm[] {
    if (this.promoted !== undefined) return [{ major: this.promoted, share: 1 }];
    const live = this.lines.filter((l) => l.live);
    const share = (): number => {
      switch (this.plan.policy) {
        case 'canary':
          return this.plan.steps[this.step] as number;
        case 'ab':
          return this.plan.split / this.lines.length;
        case 'interleave':
          return this.plan.split;
        default:
          return 0;
      }
    };
    return live.map((l) => ({ major: l.major, share: share() }));
  }

  get done(): boolean {
    return this.finished;
  }

  /** One request served or shadowed by a candidate line: failed = threw or non-finite output. */
  observeRequest(major: number, r: { readonly failed: boolean; readonly latencyMs?: number }): Verdict | undefined {
    const line = this.live(major);
    if (!line) return undefined;
    const tripped = line.guard.observe(r.failed, r.latencyMs);
    return tripped === undefined ? undefined : this.reject(line, tripped);
  }

  /** canary / ab: one labelled outcome of the arm that served (champion or candidate major); other policies ignore it. */
  observeOutcome(major: number, reward: number): Verdict | undefined {
    if (this.finished || (this.plan.policy !== 'canary' && this.plan.policy !== 'ab')) return undefined;
    const r = checkReward('reward', reward);
    if (major === this.champion) {
      for (const l of this.lines) if (l.live) (l.test as TwoSampleTest).add(0, r);
    } else {
      const line = this.live(major);
      if (!line) return undefined;
      (line.test as TwoSampleTest).add(1, r);
      line.outcomes++;
      this.stepOutcomes++;
    }
    return this.evaluate();
  }

  /** shadow: the champion's and each candidate's reward on one request. */
  observePaired(championReward: number, candidates: ReadonlyMap<number, number>): Verdict | undefined {
    if (this.finished || this.plan.policy !== 'shadow') return undefined;
    for (const l of this.lines) {
      const r = candidates.get(l.major);
      if (!l.live || r === undefined) continue;
      (l.test as PairedTest).add(championReward, r);
      l.outcomes++;
    }
    return this.evaluate();
  }

  /** interleave: the team that won one request (0 champion, 1 candidate, undefined tie). */
  observePreference(winner: 0 | 1 | undefined): Verdict | undefined {
    const line = this.lines[0] as Line;
    if (this.finished || this.plan.policy !== 'interleave' || !line.live) return undefined;
    (line.test as PreferenceTest).add(winner);
    line.outcomes++;
    return this.evaluate();
  }

  /** Flat figures for the decision event; with several candidates each key but n_champion ends in `_<major>`. */
  stats(): Record<string, number> {
    if (this.lines.length === 1) return this.statsOf(this.lines[0] as Line);
    const out: Record<string, number> = {};
    for (const l of this.lines) for (const [k, v] of Object.entries(this.statsOf(l))) out[k === 'n_champion' ? k : `${k}_${l.major}`] = v;
    return out;
  }

  /** The figures of one candidate line (the keys of {@link stats} without a suffix). */
  statsFor(major: number): Record<string, number> | undefined {
    const line = this.lines.find((l) => l.major === major);
    return line && this.statsOf(line);
  }

  private live(major: number): Line | undefined {
    if (this.finished) return undefined;
    return this.lines.find((l) => l.live && l.major === major);
  }

  private evaluate(): Verdict | undefined {
    const { minSamples, maxSamples, steps } = this.plan;
    const lastStep = steps.length - 2;
    for (const line of this.lines) {
      if (!line.live) continue;
      const verdict = line.test.verdict;
      if (verdict === 'reject') return this.reject(line, this.testReason(line, 'reject'));
      const ready = this.plan.policy !== 'canary' || (this.step === lastStep && this.stepOutcomes >= minSamples);
      if (verdict === 'promote' && ready) return this.promote(line);
      if (line.outcomes >= maxSamples) return this.reject(line, 'inconclusive');
      if (this.plan.policy === 'canary' && this.step < lastStep && this.stepOutcomes >= minSamples) {
        const from = steps[this.step] as number;
        const at = this.stepOutcomes;
        this.step++;
        this.stepOutcomes = 0;
        const reason = `step ${this.step + 1} of ${steps.length}: share ${steps[this.step]} after ${at} candidate outcomes at share ${from}; the test has not rejected`;
        return { type: 'step', arms: this.arms, reason, stats: this.statsOf(line) };
      }
    }
    return undefined;
  }

  private promote(line: Line): Verdict {
    this.promoted = line.major;
    this.finished = true;
    return { type: 'promote', major: line.major, reason: this.testReason(line, 'promote'), stats: this.statsOf(line) };
  }

  private reject(line: Line, reason: string): Verdict {
    line.live = false;
    if (!this.lines.some((l) => l.live)) this.finished = true;
    return { type: 'reject', major: line.major, reason, stats: this.statsOf(line) };
  }

  private testReason(line: Line, verdict: 'promote' | 'reject'): string {
    const s: TestState = line.test.state;
    const f = (x: number): string => Number(x.toPrecision(4)).toString();
    const what = this.plan.policy === 'interleave' ? 'preference share - 0.5' : 'difference of mean rewards';
    return verdict === 'promote'
      ? `test: candidate ${line.major} beats champion ${this.champion} by more than the margin ${this.plan.margin}: ${what} ${f(s.diff)}, lower bound ${f(s.lower)} (alpha ${f(this.alphaPerTest)})`
      : `test: candidate ${line.major} is not better than champion ${this.champion} by the margin ${this.plan.margin}: ${what} ${f(s.diff)}, upper bound ${f(s.upper)} (alpha ${f(this.alphaPerTest)})`;
  }

  private statsOf(line: Line): Record<string, number> {
    const s = line.test.state;
    const share = this.arms.find((a) => a.major === line.major)?.share ?? 0;
    return {
      n_champion: s.n[0],
      n_candidate: s.n[1],
      mean_champion: s.mean[0],
      mean_candidate: s.mean[1],
      diff: s.diff,
      lower: s.lower,
      upper: s.upper,
      alpha: this.alphaPerTest,
      margin: this.plan.margin,
      outcomes: line.outcomes,
      share,
      ...(this.plan.policy === 'canary' ? { step: this.step + 1, step_outcomes: this.stepOutcomes } : {}),
      ...line.guard.stats(),
    };
  }
}
