/**
 * The development suite's summary and table (run.ts writes bench/results/dev-suite.json with them).
 * `npx tsx bench/quality/dev-suite/table.ts [results.json]` re-renders bench/results/dev-suite.md and the table of
 * docs/learning-quality.md (between `<!-- bench:dev-suite:start -->` and `<!-- bench:dev-suite:end -->`) from the
 * stored results, running nothing.
 */
import { mergeSummary, round } from '../../support/results.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LearnerResult } from '../streamtrain-learners.js';

/** One stream of generate.py's manifest. */
export interface ManifestEntry {
  readonly name: string;
  readonly kind: string;
  readonly drift: string;
  readonly driftPoints: number[] | null;
  readonly source: Record<string, unknown>;
  readonly size: number;
  readonly width: number;
  readonly classes: number;
  readonly task: string;
  readonly file: string;
  readonly sha256: string;
  readonly majority: number;
  readonly noChange: number;
}

export interface SuiteFile {
  readonly protocol: Record<string, unknown>;
  readonly machine: string;
  readonly date: string;
  readonly versions: Record<string, string>;
  readonly limit: number | undefined;
  /** `--skip-peers`: when River's results (reused from bench/results/tmp/) were measured. */
  readonly peersReusedFrom?: string;
  readonly manifest: ManifestEntry[];
  readonly results: LearnerResult[];
  readonly summary: ReturnType<typeof summarize> & { afterFirstBatch: ReturnType<typeof summarize> };
  readonly wallSeconds: { total: number; streamtrainSide: number };
}

/** A pool member (decision 023's options): a linear model learning by plain SGD at the model's learning rate, without weight averaging. */
export const SGD_PLAIN = { hidden: [] as number[], optimizer: { type: 'sgd' as const }, averaging: false };

/** The table's columns, in order. */
export const COLUMNS: readonly { family: string; label: string }[] = [
  { family: 'no-change', label: 'no-change' },
  { family: 'river-linear', label: 'River scaler + linear' },
  { family: 'river-hat', label: 'River HAT' },
  { family: 'river-arf', label: 'River ARF (5)' },
  { family: 'streamtrain-defaults', label: 'st defaults' },
  { family: 'streamtrain-pool-a', label: 'st pool A' },
  { family: 'streamtrain-pool-s3', label: 'st pool S3' },
  { family: 'streamtrain-pool-s4', label: 'st pool S4' },
  { family: 'streamtrain-by-batch', label: 'st defaults, by batch' },
  { family: 'streamtrain-per-sample', label: 'st linear per sample' },
  { family: 'streamtrain-mlp64-per-sample', label: 'st MLP-64 per sample' },
  { family: 'streamtrain-0.1-defaults', label: 'st 0.1 defaults' },
];
const RIVER = ['river-linear', 'river-hat', 'river-arf'];
/** The comparisons counted stream by stream: [a, b] counts the streams where a's accuracy is below b's. */
const BELOW: readonly [string, string][] = [
  ['streamtrain-defaults', 'river-linear'],
  ['streamtrain-pool-a', 'river-linear'],
  ['streamtrain-pool-s3', 'river-linear'],
  ['streamtrain-pool-s4', 'river-linear'],
  ['streamtrain-by-batch', 'river-linear'],
  ['streamtrain-0.1-defaults', 'river-linear'],
  ['streamtrain-defaults', 'river-hat'],
  ['streamtrain-per-sample', 'river-linear'],
  ['streamtrain-mlp64-per-sample', 'river-linear'],
  ['streamtrain-defaults', 'river-best'],
  ['streamtrain-mlp64-per-sample', 'river-best'],
];

/**
 * Accuracy over the records after the first micro-batch, which every learner scores with its untrained model
 * (streamtrain's zero weights give p = 0.5, read as class 1 on binary streams; River's untrained models predict
 * class 0 by the peers' convention): a diagnostic, since on a small or imbalanced stream that batch weighs.
 */
export const afterFirstBatch = (r: LearnerResult) => r.extra?.accuracyAfterFirstBatch as number | undefined;

/** Per-stream accuracies (or `metric`), unweighted means over the streams, and the counts of `BELOW`. */
export function summarize(entries: readonly ManifestEntry[], results: readonly LearnerResult[], metric = (r: LearnerResult): number | undefined => r.accuracy) {
  const perStream: Record<string, Record<string, number>> = {};
  for (const e of entries) {
    const row: Record<string, number> = {};
    for (const r of results) {
      const v = r.dataset === e.name ? metric(r) : undefined;
      if (v !== undefined) row[r.family] = v;
    }
    const river = RIVER.map((f) => row[f]).filter((a): a is number => a !== undefined);
    if (river.length === RIVER.length) row['river-best'] = Math.max(...river);
    perStream[e.name] = row;
  }
  const families = [...COLUMNS.map((c) => c.family), 'river-best'];
  const means: Record<string, { mean: number; streams: number }> = {};
  for (const f of families) {
    const accs = entries.map((e) => perStream[e.name]?.[f]).filter((a): a is number => a !== undefined);
    if (accs.length) means[f] = { mean: accs.reduce((a, b) => a + b, 0) / accs.length, streams: accs.length };
  }
  const below = BELOW.map(([a, b]) => {
    const both = entries.filter((e) => perStream[e.name]?.[a] !== undefined && perStream[e.name]?.[b] !== undefined);
    const worse = both.filter((e) => (perStream[e.name]?.[a] as number) < (perStream[e.name]?.[b] as number));
    const diffs = both.map((e) => (perStream[e.name]?.[a] as number) - (perStream[e.name]?.[b] as number));
    return {
      learner: a,
      below: b,
      streams: worse.length,
      of: both.length,
      names: worse.map((e) => e.name),
      meanDifference: diffs.length ? diffs.reduce((x, y) => x + y, 0) / diffs.length : undefined,
      worstDifference: diffs.length ? Math.min(...diffs) : undefined,
    };
  });
  return { perStream, means, below };
}

const pct = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(4));

/** The markdown of a results file. */
export function devSuiteMarkdown(file: SuiteFile): string {
  const { perStream, means, below } = file.summary;
  const head = `| stream | kind | drift | records | classes | ${COLUMNS.map((c) => c.label).join(' | ')} |`;
  const rows = file.manifest.map((e) => {
    const row = perStream[e.name] ?? {};
    const best = Math.max(...COLUMNS.filter((c) => c.family !== 'no-change').map((c) => row[c.family] ?? -1));
    const cells = COLUMNS.map((c) => (row[c.family] !== undefined && row[c.family] === best ? `**${pct(row[c.family])}**` : pct(row[c.family])));
    return `| ${e.name} | ${e.kind} | ${e.drift} | ${e.size.toLocaleString('en-US')} | ${e.classes} | ${cells.join(' | ')} |`;
  });
  const mean = `| **mean** (unweighted) | | | | | ${COLUMNS.map((c) => pct(means[c.family]?.mean)).join(' | ')} |`;
  const label = (f: string) => (f === 'river-best' ? 'the best River learner' : (COLUMNS.find((c) => c.family === f)?.label ?? f));
  const counts = below.map(
    (b) =>
      `- ${label(b.learner)} below ${label(b.below)}: ${b.streams} of ${b.of} streams${b.names.length ? ` (${b.names.join(', ')})` : ''}; mean difference ${b.meanDifference === undefined ? '-' : b.meanDifference.toFixed(4)}, worst ${b.worstDifference === undefined ? '-' : b.worstDifference.toFixed(4)}`,
  );
  const peers = file.protocol.peers as { arfModels?: number };
  const st = (file.protocol.streamtrain as { configDefaults: { optimizer: string; learningRate: number; batchSize: number } }).configDefaults;
  const later = file.summary.afterFirstBatch.below.map(
    (b) => `${label(b.learner)} below ${label(b.below)} on ${b.streams} of ${b.of} (mean difference ${b.meanDifference?.toFixed(4) ?? '-'})`,
  );
  return [
    `Measured ${file.date.slice(0, 10)} on ${file.machine}, River ${file.versions.river}${file.limit ? `; **smoke run, first ${file.limit} records of each stream**` : ''}; ${file.peersReusedFrom ? `River's results reused from its run of ${file.peersReusedFrom.slice(0, 10)} (deterministic on the same files), streamtrain's side took ${Math.round(file.wallSeconds.total)} s` : `the whole run (generation checked, peers and streamtrain side by side) took ${Math.round(file.wallSeconds.total)} s`}. Prequential accuracy since the start, micro-batches of ${st.batchSize} for every learner; bold: the best learner of the row (no-change aside). st = streamtrain with the config's defaults (${st.optimizer}, learning rate ${st.learningRate}, weight averaging, \`model.standardize: true\`, a step per sample) and: defaults = \`model.type: auto\` with its default pool; pool A = \`auto\` with members [], [16], [64] (decision 018); pool S3 = linear-sgd-plain (a linear model learning by plain SGD at the same rate, without averaging), [16], [64]; pool S4 = linear-sgd-plain, [], [16], [64]; by batch = the defaults with \`model.standardizeBy: batch\` (the default before decision 026; the defaults standardize by record); linear = logistic (softmax on multi-class streams); 0.1 defaults = the defaults of 0.1: linear, a step per micro-batch. River ARF with ${peers.arfModels ?? 5} models instead of 10.`,
    '',
    head,
    `|${'---|'.repeat(5 + COLUMNS.length)}`,
    ...rows,
    mean,
    '',
    ...counts,
    '',
    `Without the first micro-batch (scored by every learner's untrained model): ${later.join('; ')}.`,
  ].join('\n');
}

/** The issue's summary keys: streams, the defaults' count of streams below River's linear model, the means. */
export function summaryKeys(file: SuiteFile): Record<string, number | null> {
  const { means, below } = file.summary;
  const mean = (f: string) => (means[f] === undefined ? null : round(means[f].mean, 4));
  return {
    dev_suite_streams: file.manifest.length,
    dev_defaults_below_river_linear: below.find((b) => b.learner === 'streamtrain-defaults' && b.below === 'river-linear')?.streams ?? null,
    dev_mean_acc_defaults: mean('streamtrain-defaults'),
    dev_mean_acc_river_linear: mean('river-linear'),
    dev_mean_acc_river_hat: mean('river-hat'),
    dev_mean_acc_river_arf: mean('river-arf'),
  };
}

const START = '<!-- bench:dev-suite:start -->';
const END = '<!-- bench:dev-suite:end -->';

/** Writes `md` (the table alone) and, when given, the table between the dev-suite markers of `doc`. */
export function renderDevSuite(results: string, md: string, doc?: string): void {
  const file = JSON.parse(readFileSync(results, 'utf8')) as SuiteFile;
  const text = devSuiteMarkdown(file);
  writeFileSync(md, `# Development suite\n\n${text}\n`);
  if (!doc) return;
  mergeSummary(summaryKeys(file));
  const page = readFileSync(doc, 'utf8');
  const [a, b] = [page.indexOf(START), page.indexOf(END)];
  if (a < 0 || b < a) return void process.stderr.write(`${doc} has no ${START} ... ${END} markers; not modified.\n`);
  writeFileSync(doc, `${page.slice(0, a + START.length)}\n${text}\n${page.slice(b)}`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  renderDevSuite(process.argv[2] ?? 'bench/results/dev-suite.json', 'bench/results/dev-suite.md', 'docs/learning-quality.md');
}
