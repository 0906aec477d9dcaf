/**
 * `npm run bench:rollout`: the rollout decisions on simulated streams with known truth (bench/rollout/stream.ts).
 * A champion at 80% accuracy and a candidate 0, −5, −1, +1 or +5 points away; BENCH_ROLLOUT_N rollouts per setting
 * (default 1,000); canary at the config's defaults (maxSamples lowered to BENCH_ROLLOUT_MAX_SAMPLES, default
 * 10,000, for time), and shadow for 0, −5 and +5. Writes bench/results/rollout.json and rollout.md, and merges
 * the rollout_* keys into summary.json.
 *
 * BENCH_ROLLOUT_TAUS=0.025,0.05,0.1,0.2 runs the τ study of docs/decisions/021 instead (canary, 0, +1, +5, −5)
 * and writes bench/results/rollout-tau.json only.
 */
import { writeFileSync } from 'node:fs';
import { rolloutSchema } from '../../src/core/config/sections/rollout.js';
import { DEFAULT_TAU, type RolloutPlan } from '../../src/rollout/index.js';
import { mergeSummary, percentile, RESULTS_DIR, round, writeResult } from '../support/results.js';
import { simulateShadow, simulateSplit, type RolloutRun, type StreamSettings } from './stream.js';

const N = Number(process.env.BENCH_ROLLOUT_N ?? 1000);
const MAX_SAMPLES = Number(process.env.BENCH_ROLLOUT_MAX_SAMPLES ?? 10_000);
const MEAN_DELAY = 50;
const CHAMPION_ACCURACY = 0.8;
const DIFFERENCES = [0, -5, -1, 1, 5];

export interface SettingResult {
  readonly policy: 'canary' | 'shadow';
  readonly differencePoints: number;
  readonly tau: number;
  readonly rollouts: number;
  readonly promoteRate: number;
  readonly rejectRate: number;
  readonly inconclusiveRate: number;
  readonly guardrailRejects: number;
  /** The candidate's labelled outcomes when decided: all decisions, promotions, test rejections. */
  readonly samples: Record<'all' | 'promote' | 'reject', { p50: number; p90: number } | null>;
  readonly requestsP50: number;
  readonly naivePromoteRate: number;
  readonly seconds: number;
}

function quantiles(xs: number[]): { p50: number; p90: number } | null {
  if (xs.length === 0) return null;
  const s = Float64Array.from(xs).sort();
  return { p50: percentile(s, 50), p90: percentile(s, 90) };
}

function runSetting(policy: 'canary' | 'shadow', points: number, tau: number, n: number, index: number): SettingResult {
  const plan: RolloutPlan = rolloutSchema.parse({ policy, maxSamples: MAX_SAMPLES });
  const s: StreamSettings = { plan, championAccuracy: CHAMPION_ACCURACY, difference: points / 100, meanDelay: MEAN_DELAY, tau };
  const started = performance.now();
  const runs: RolloutRun[] = [];
  for (let r = 0; r < n; r++) {
    const seed = 1_000_000 * (index + 1) + r;
    runs.push(policy === 'shadow' ? simulateShadow(s, seed) : simulateSplit(s, seed));
  }
  const rate = (f: (r: RolloutRun) => boolean) => round(runs.filter(f).length / n, 4);
  const samplesOf = (f: (r: RolloutRun) => boolean) => quantiles(runs.filter(f).map((r) => r.candidateSamples));
  return {
    policy,
    differencePoints: points,
    tau,
    rollouts: n,
    promoteRate: rate((r) => r.outcome === 'promote'),
    rejectRate: rate((r) => r.outcome === 'reject'),
    inconclusiveRate: rate((r) => r.outcome === 'inconclusive'),
    guardrailRejects: runs.filter((r) => r.reason.startsWith('guardrail')).length,
    samples: {
      all: samplesOf((r) => r.outcome !== 'inconclusive'),
      promote: samplesOf((r) => r.outcome === 'promote'),
      reject: samplesOf((r) => r.outcome === 'reject'),
    },
    requestsP50: quantiles(runs.map((r) => r.requests))?.p50 ?? Number.NaN,
    naivePromoteRate: rate((r) => r.naivePromoted),
    seconds: round((performance.now() - started) / 1000, 1),
  };
}

function log(r: SettingResult): void {
  const q = (x: { p50: number; p90: number } | null) => (x ? `${x.p50}/${x.p90}` : 'n/a');
  process.stderr.write(
    `${r.policy} d=${r.differencePoints > 0 ? '+' : ''}${r.differencePoints} tau=${r.tau}: promote ${r.promoteRate}, reject ${r.rejectRate}, inconclusive ${r.inconclusiveRate}; samples p50/p90 promote ${q(r.samples.promote)}, reject ${q(r.samples.reject)}; naive promote ${r.naivePromoteRate} (${r.seconds} s)\n`,
  );
}

/** The markdown table of the settings (bench/results/rollout.md and docs/rollout.md). */
export function settingsTable(results: readonly SettingResult[]): string {
  const q = (x: { p50: number; p90: number } | null) => (x ? `${x.p50.toLocaleString('en-US')} / ${x.p90.toLocaleString('en-US')}` : '–');
  const rows = results.map((r) =>
    [
      r.policy,
      `${r.differencePoints > 0 ? '+' : ''}${r.differencePoints}`,
      r.promoteRate.toFixed(3),
      r.rejectRate.toFixed(3),
      r.inconclusiveRate.toFixed(3),
      q(r.samples.promote),
      q(r.samples.reject),
      r.naivePromoteRate.toFixed(3),
    ].join(' | '),
  );
  return [
    '| policy | candidate − champion (points) | promoted | rejected | inconclusive | candidate outcomes at promotion p50 / p90 | at rejection p50 / p90 | naive repeated z-test promoted |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r} |`),
  ].join('\n');
}

function main(): void {
  const taus = process.env.BENCH_ROLLOUT_TAUS?.split(',').map(Number);
  if (taus) {
    const results = taus.flatMap((tau) => [0, 1, 5, -5].map((d, i) => runSetting('canary', d, tau, N, i)).map((r) => (log(r), r)));
    const path = writeResult('rollout-tau', { inputs: { rollouts: N, maxSamples: MAX_SAMPLES, meanDelay: MEAN_DELAY, taus }, results });
    process.stderr.write(`${path}\n`);
    return;
  }
  const settings: ['canary' | 'shadow', number][] = [
    ...DIFFERENCES.map((d): ['canary', number] => ['canary', d]),
    ['shadow', 0],
    ['shadow', -5],
    ['shadow', 5],
  ];
  const results = settings.map(([policy, d], i) => {
    const r = runSetting(policy, d, DEFAULT_TAU, N, i);
    log(r);
    return r;
  });
  const find = (p: string, d: number) => results.find((r) => r.policy === p && r.differencePoints === d) as SettingResult;
  const plan = rolloutSchema.parse({ policy: 'canary', maxSamples: MAX_SAMPLES });
  const summary = {
    rollout_false_promotion_rate: find('canary', 0).promoteRate,
    rollout_false_promotion_rate_naive: find('canary', 0).naivePromoteRate,
    rollout_power_5pt: find('canary', 5).promoteRate,
    rollout_reject_samples_p50: find('canary', -5).samples.reject?.p50 ?? null,
  };
  const path = writeResult('rollout', {
    inputs: {
      rolloutsPerSetting: N,
      championAccuracy: CHAMPION_ACCURACY,
      meanLabelDelayRequests: MEAN_DELAY,
      tau: DEFAULT_TAU,
      plan: {
        steps: plan.steps,
        alpha: plan.alpha,
        margin: plan.margin,
        minSamples: plan.minSamples,
        maxSamples: plan.maxSamples,
        guardrails: plan.guardrails,
      },
      naive:
        'two-proportion z-test, two-sided 0.05, after every 100 outcomes once both arms have minSamples; promotes at the first look the candidate is significantly ahead',
    },
    results,
    summary,
  });
  writeFileSync(`${RESULTS_DIR}rollout.md`, `${settingsTable(results)}\n`);
  mergeSummary(summary);
  process.stderr.write(`${path}\n${JSON.stringify(summary)}\n`);
}

main();
