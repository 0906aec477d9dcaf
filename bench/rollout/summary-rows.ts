/**
 * The rollout simulation's rows of the performance table (bench/summarize.ts): false promotions of an equal
 * candidate under continuous monitoring against a naive repeated fixed-horizon test, the power for +5 points and
 * the samples to reject −5 points (bench/rollout/simulate.ts). Nothing when it has not run.
 */
type Json = Record<string, unknown>;

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const fmt = (v: unknown): string => {
  const n = num(v);
  return n === undefined ? 'n/a' : n.toLocaleString('en-US', { maximumFractionDigits: n < 10 ? 3 : 0 });
};

export function rolloutRows(summary: Json, rollout?: Json): string[][] {
  const s = (k: string) => summary[k];
  const rate = num(s('rollout_false_promotion_rate'));
  if (rate === undefined) return [];
  const inputs = (rollout?.inputs ?? {}) as Json;
  const n = fmt(inputs.rolloutsPerSetting);
  return [
    [
      `Rollout simulation: an equal candidate promoted (canary at the defaults, ${n} rollouts, the test read after every label)`,
      fmt(rate),
      `a two-proportion z-test at 0.05 read after every 100 labels, same streams: ${fmt(s('rollout_false_promotion_rate_naive'))}`,
      '(target <= 0.05)',
      rate <= 0.05 ? 'yes' : '**no**',
    ],
    [
      'Rollout simulation: a +5 point candidate promoted; candidate labels to reject a −5 point one (median)',
      `${fmt(s('rollout_power_5pt'))}; ${fmt(s('rollout_reject_samples_p50'))} labels`,
      `maxSamples ${fmt((inputs.plan as Json | undefined)?.maxSamples)}`,
      '(a report, no target)',
      '',
    ],
  ];
}
