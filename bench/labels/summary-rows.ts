/**
 * The label join's rows of the performance table (bench/summarize.ts): the service with `input.labels` against the
 * same service without it (bench/labels-pipeline.ts), and the exactly-once check after SIGKILLs
 * (bench/labels-chaos.ts). Nothing when neither has run.
 */
type Json = Record<string, unknown>;

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const fmt = (v: unknown): string => {
  const n = num(v);
  return n === undefined ? 'n/a' : n.toLocaleString('en-US', { maximumFractionDigits: n < 10 ? 3 : 0 });
};
const verdict = (ok: boolean | undefined): string => (ok === undefined ? 'n/a' : ok ? 'yes' : '**no**');

export function labelsRows(summary: Json): string[][] {
  const s = (k: string) => summary[k];
  const rows: string[][] = [];
  const ratio = num(s('labels_pipeline_vs_plain_ratio'));
  if (num(s('labels_pipeline_events_per_s')) !== undefined)
    rows.push([
      `Throughput with later labels (\`input.labels\`: ${fmt(s('labels_pipeline_records'))} feature records joined with their labels from a second topic, the config's defaults)`,
      `${fmt(s('labels_pipeline_events_per_s'))} feature records/s`,
      `the same service without \`input.labels\`, labels in the records: ${fmt(s('labels_plain_events_per_s'))} events/s`,
      fmt(ratio),
      '(a report, no target)',
    ]);
  const lost = num(s('labels_lost_after_kills'));
  if (lost !== undefined) {
    const twice = num(s('labels_applied_twice_after_kills'));
    rows.push([
      `Label join after ${fmt(s('labels_chaos_kills'))} SIGKILLs (features and delayed labels, 10% missing, 5% late)`,
      `${fmt(s('labels_chaos_records'))} feature records: ${fmt(lost)} lost, ${fmt(twice)} applied twice; outcomes as the records say: ${s('labels_chaos_exact') === true ? 'yes' : 'no'}`,
      'feature records produced',
      '(target 0, 0)',
      verdict(lost === 0 && twice === 0 && s('labels_chaos_exact') === true),
    ]);
  }
  return rows;
}
