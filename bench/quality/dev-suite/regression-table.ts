/**
 * The development suite's regression summary and table (regression.ts writes bench/results/dev-suite-regression.json
 * with them). `npx tsx bench/quality/dev-suite/regression-table.ts [results.json]` re-renders
 * bench/results/dev-suite-regression.md, the table of docs/learning-quality.md (between
 * `<!-- bench:dev-suite-regression:start -->` and `<!-- bench:dev-suite-regression:end -->`) and the `dev_reg_*`
 * keys of bench/results/summary.json from the stored results, running nothing.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ManifestEntry } from './table.js';

/** One learner on one stream: prequential MAE since the start, and per micro-batch. */
export interface RegressionResult {
  readonly dataset: string;
  readonly learner: string;
  readonly family: string;
  readonly params: Record<string, unknown>;
  readonly batchSize: number;
  readonly samples: number;
  readonly mae: number;
  readonly curve: [number, number][];
  readonly cpuSeconds: number;
  readonly wallSeconds: number;
}

export interface RegressionFile {
  readonly protocol: Record<string, unknown>;
  readonly machine: string;
  readonly date: string;
  readonly versions: Record<string, string>;
  readonly limit: number | undefined;
  readonly manifest: (ManifestEntry & { targetMean?: number; targetSd?: number })[];
  readonly results: RegressionResult[];
  readonly summary: ReturnType<typeof summarizeRegression>;
  readonly wallSeconds: number;
}

/** The table's columns, in order. */
export const REGRESSION_COLUMNS: readonly { family: string; label: string }[] = [
  { family: 'last-value', label: 'last value' },
  { family: 'river-linear', label: 'River scaler + linear' },
  { family: 'river-hatr', label: 'River HATR' },
  { family: 'river-arf', label: 'River ARF (5)' },
  { family: 'streamtrain-defaults', label: 'st defaults' },
  { family: 'streamtrain-pool-r2', label: 'st pool R2, by batch' },
  { family: 'streamtrain-pool-r2-record', label: 'st pool R2, by record' },
  { family: 'streamtrain-pool-rs3-record', label: 'st pool RS3, by record' },
  { family: 'streamtrain-linear-per-sample', label: 'st linear per sample' },
  { family: 'streamtrain-mlp64-per-sample', label: 'st MLP-64 per sample' },
  { family: 'streamtrain-0.1-defaults', label: 'st 0.1 defaults' },
];
/** [a, b]: the streams where a's MAE is above b's. */
const WORSE: readonly [string, string][] = [
  ['streamtrain-defaults', 'river-linear'],
  ['streamtrain-defaults', 'river-hatr'],
  ['streamtrain-pool-r2', 'river-linear'],
  ['streamtrain-pool-r2', 'river-hatr'],
  ['streamtrain-pool-r2-record', 'river-linear'],
  ['streamtrain-pool-rs3-record', 'river-linear'],
  ['streamtrain-linear-per-sample', 'river-linear'],
  ['streamtrain-mlp64-per-sample', 'river-linear'],
  ['streamtrain-mlp64-per-sample', 'river-best'],
];

/** Per-stream MAE, each column's mean ratio to River's linear regression (MAEs of different streams are not comparable), and the counts of `WORSE`. */
export function summarizeRegression(entries: readonly ManifestEntry[], results: readonly RegressionResult[]) {
  const perStream: Record<string, Record<string, number>> = {};
  for (const e of entries) {
    const row: Record<string, number> = {};
    for (const r of results) if (r.dataset === e.name) row[r.family] = r.mae;
    const river = ['river-linear', 'river-hatr', 'river-arf'].map((f) => row[f]).filter((v): v is number => v !== undefined);
    if (river.length === 3) row['river-best'] = Math.min(...river);
    perStream[e.name] = row;
  }
  const ratio = (a: string, b: string) => {
    const rs = entries.map((e) => perStream[e.name] ?? {}).filter((r) => r[a] !== undefined && (r[b] ?? 0) > 0);
    return rs.length ? { mean: rs.reduce((s, r) => s + (r[a] as number) / (r[b] as number), 0) / rs.length, streams: rs.length } : undefined;
  };
  const families = [...REGRESSION_COLUMNS.map((c) => c.family), 'river-best'];
  const ratioToRiverLinear = Object.fromEntries(families.flatMap((f) => (ratio(f, 'river-linear') ? [[f, ratio(f, 'river-linear')]] : [])));
  const worse = WORSE.map(([a, b]) => {
    const both = entries.filter((e) => perStream[e.name]?.[a] !== undefined && perStream[e.name]?.[b] !== undefined);
    const names = both.filter((e) => (perStream[e.name]?.[a] as number) > (perStream[e.name]?.[b] as number)).map((e) => e.name);
    return { learner: a, than: b, streams: names.length, of: both.length, names, meanRatio: ratio(a, b)?.mean };
  });
  const count = (a: string, b: string) => worse.find((w) => w.learner === a && w.than === b);
  const keys = {
    dev_reg_streams: entries.length,
    dev_reg_defaults_worse_than_river_linear: count('streamtrain-defaults', 'river-linear')?.streams,
    dev_reg_mean_mae_ratio_defaults_vs_river_linear: ratio('streamtrain-defaults', 'river-linear')?.mean,
    dev_reg_mean_mae_ratio_defaults_vs_river_hatr: ratio('streamtrain-defaults', 'river-hatr')?.mean,
  };
  return { perStream, ratioToRiverLinear, worse, keys };
}

const fmt = (v: number | undefined) => (v === undefined ? '-' : v >= 100 ? v.toFixed(1) : v >= 10 ? v.toFixed(2) : v.toFixed(3));

/** The markdown of a results file. */
export function regressionMarkdown(file: RegressionFile): string {
  const { perStream, ratioToRiverLinear, worse } = file.summary;
  const rows = file.manifest.map((e) => {
    const row = perStream[e.name] ?? {};
    const best = Math.min(...REGRESSION_COLUMNS.filter((c) => c.family !== 'last-value').map((c) => row[c.family] ?? Infinity));
    const cells = REGRESSION_COLUMNS.map((c) => (row[c.family] !== undefined && row[c.family] === best ? `**${fmt(row[c.family])}**` : fmt(row[c.family])));
    const target = e.targetMean !== undefined ? `${fmt(e.targetMean)} ± ${fmt(e.targetSd)}` : '-';
    return `| ${e.name} | ${e.kind} | ${e.drift} | ${e.size.toLocaleString('en-US')} | ${target} | ${cells.join(' | ')} |`;
  });
  const ratios = `| **MAE / River linear's** (mean over streams) | | | | | ${REGRESSION_COLUMNS.map((c) => ratioToRiverLinear[c.family]?.mean.toFixed(3) ?? '-').join(' | ')} |`;
  const label = (f: string) => (f === 'river-best' ? 'the best River learner' : (REGRESSION_COLUMNS.find((c) => c.family === f)?.label ?? f));
  const counts = worse.map(
    (w) =>
      `- ${label(w.learner)} worse than ${label(w.than)}: ${w.streams} of ${w.of} streams${w.names.length ? ` (${w.names.join(', ')})` : ''}; mean MAE ratio ${w.meanRatio?.toFixed(3) ?? '-'}`,
  );
  const st = (file.protocol.streamtrain as { configDefaults: { optimizer: string; learningRate: number; batchSize: number; updateBatchSize: number } })
    .configDefaults;
  const peers = file.protocol.peers as { arfModels?: number };
  return [
    `Measured ${file.date.slice(0, 10)} on ${file.machine}, River ${file.versions.river}${file.limit ? `; **smoke run, first ${file.limit} records of each stream**` : ''}; the regression part took ${Math.round(file.wallSeconds)} s. Prequential mean absolute error since the start (lower is better), micro-batches of ${st.batchSize} for every learner; bold: the best learner of the row (last value aside). st = streamtrain, \`model.standardize: true\`, the config's other defaults (${st.optimizer}, learning rate ${st.learningRate}, weight averaging, target scaling, squared loss); defaults = \`model.type: auto\` with its default pool for regression (linear-sgd-plain, a linear model learning by plain SGD at the same rate without averaging, and [64]) and \`model.standardizeBy: record\` (decision 025), a step per sample; pool R2 = members [], [64]; by batch / by record = \`model.standardizeBy\`; RS3 = linear-sgd-plain, [], [64]; linear and MLP-64 per sample use the defaults' \`standardizeBy\` (record); 0.1 defaults = \`linear\`, a step per micro-batch; River ARF with ${peers.arfModels ?? 5} models instead of 10.`,
    '',
    `| stream | kind | drift | records | target (mean ± sd) | ${REGRESSION_COLUMNS.map((c) => c.label).join(' | ')} |`,
    `|${'---|'.repeat(5 + REGRESSION_COLUMNS.length)}`,
    ...rows,
    ratios,
    '',
    ...counts,
  ].join('\n');
}

const START = '<!-- bench:dev-suite-regression:start -->';
const END = '<!-- bench:dev-suite-regression:end -->';

/** Writes `md`; with `targets`, also the table between the markers of the doc and the `dev_reg_*` keys of summary.json. */
export function renderRegression(results: string, md: string, targets?: { doc: string; summary: string }): void {
  const file = JSON.parse(readFileSync(results, 'utf8')) as RegressionFile;
  const text = regressionMarkdown(file);
  writeFileSync(md, `# Development suite: regression\n\n${text}\n`);
  if (!targets) return;
  const page = readFileSync(targets.doc, 'utf8');
  const [a, b] = [page.indexOf(START), page.indexOf(END)];
  if (a < 0 || b < a) process.stderr.write(`${targets.doc} has no ${START} ... ${END} markers; not modified.\n`);
  else writeFileSync(targets.doc, `${page.slice(0, a + START.length)}\n${text}\n${page.slice(b)}`);
  const old = existsSync(targets.summary) ? (JSON.parse(readFileSync(targets.summary, 'utf8')) as Record<string, unknown>) : {};
  writeFileSync(targets.summary, JSON.stringify({ ...old, ...file.summary.keys }, null, 2) + '\n');
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  renderRegression(process.argv[2] ?? 'bench/results/dev-suite-regression.json', 'bench/results/dev-suite-regression.md', {
    doc: 'docs/learning-quality.md',
    summary: 'bench/results/summary.json',
  });
}
