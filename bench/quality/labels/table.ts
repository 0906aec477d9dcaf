/**
 * The labels benchmark's table and summary keys (bench/quality/labels.ts writes bench/results/labels.json).
 * `npx tsx bench/quality/labels/table.ts` re-renders the table of docs/learning-quality.md (between
 * `<!-- bench:labels:start -->` and `<!-- bench:labels:end -->`) and the summary keys from the stored results,
 * running nothing.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine, mergeSummary, round, type MachineInfo } from '../../support/results.js';
import type { ThroughputResult } from './throughput.js';
import type { JoinReport } from './join-feed.js';

/** One streamtrain replay: immediate labels, or a setting's delays through the join. */
export interface StreamtrainRun {
  readonly dataset: string;
  readonly setting: string;
  readonly onMissing?: 'default' | 'drop';
  /** Served accuracy (the score). */
  readonly accuracy: number;
  readonly learned: number;
  readonly cpuSeconds: number;
  readonly wallSeconds: number;
  /** Immediate only: the dev suite's test-then-train accuracy of the same model (runStateful), for reference. */
  readonly testThenTrainAccuracy?: number;
  readonly join?: JoinReport;
  readonly schedule?: { labelled: number; missing: number; later: number };
}

/** One River run (river_delayed.py). */
export interface PeerResult {
  readonly dataset: string;
  readonly family: string;
  readonly timing: 'exact' | 'batch-end';
  readonly setting: string;
  readonly onMissing: 'default' | 'drop' | null;
  readonly accuracy: number;
  readonly learned: number;
  readonly cpuSeconds: number;
}

export interface LabelsFile {
  readonly protocol: Record<string, unknown>;
  readonly versions: Record<string, string>;
  readonly limit: number | undefined;
  readonly settings: { id: string; meanDelayMs: number; maxDelayMs: number; missingShare: number }[];
  readonly middle: string;
  readonly streams: { name: string; size: number; width: number; classes: number }[];
  readonly streamtrain: StreamtrainRun[];
  readonly peers: PeerResult[];
  readonly throughput: (ThroughputResult & { dataset: string })[];
  readonly wallSeconds: { total: number; streamtrainSide: number };
  /** Set when the throughput was measured again alone (`--throughput-only`). */
  readonly throughputMeasured?: { readonly date: string; readonly machine: MachineInfo };
  /** Added by writeResult. */
  readonly date?: string;
  readonly machine?: MachineInfo;
}

const START = '<!-- bench:labels:start -->';
const END = '<!-- bench:labels:end -->';

const acc = (x: number | undefined) => (x === undefined ? '' : x.toFixed(4));
const int = (x: number | undefined) => (x === undefined ? '' : x.toLocaleString('en-US'));
const mean = (xs: (number | undefined)[]) => {
  const v = xs.filter((x): x is number => x !== undefined);
  return v.length === xs.length && v.length ? v.reduce((a, b) => a + b, 0) / v.length : undefined;
};

/** The table (markdown) and the summary keys of a results file; writes the table into `doc` when given. */
export function renderLabels(f: LabelsFile, doc: string | undefined): { table: string; keys: Record<string, number | null> } {
  const st = (d: string, setting: string, onMissing?: string) =>
    f.streamtrain.find((r) => r.dataset === d && r.setting === setting && r.onMissing === onMissing);
  const peer = (d: string, family: string, timing: string, setting: string, onMissing: string | null) =>
    f.peers.find((r) => r.dataset === d && r.family === family && r.timing === timing && r.setting === setting && r.onMissing === onMissing)?.accuracy;
  /** The accuracy columns of a row: streamtrain default, drop; River linear default, drop, batch-end; River HAT. */
  const cols = (d: string, setting: string): (number | undefined)[] =>
    setting === 'immediate'
      ? [
          st(d, setting)?.accuracy,
          undefined,
          peer(d, 'river-linear', 'exact', setting, null),
          undefined,
          peer(d, 'river-linear', 'batch-end', setting, null),
          peer(d, 'river-hat', 'exact', setting, null),
        ]
      : [
          st(d, setting, 'default')?.accuracy,
          st(d, setting, 'drop')?.accuracy,
          peer(d, 'river-linear', 'exact', setting, 'default'),
          peer(d, 'river-linear', 'exact', setting, 'drop'),
          peer(d, 'river-linear', 'batch-end', setting, 'default'),
          peer(d, 'river-hat', 'exact', setting, 'default'),
        ];
  const label = (setting: string) => {
    const s = f.settings.find((x) => x.id === setting);
    return s ? `mean ${int(s.meanDelayMs / 1000)} s (max ${int(s.maxDelayMs / 1000)} s)` : 'immediate';
  };
  const settings = ['immediate', ...f.settings.map((s) => s.id)];
  const lines = [
    '| stream | labels | st, default label | st, drop | River linear, default label | River linear, drop | River linear, default, learned at batch end | River HAT, default label | join rate | defaulted | late | orphaned |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const s of f.streams)
    for (const setting of settings) {
      const j = st(s.name, setting, 'default')?.join;
      const join = j ? [j.joinRate.toFixed(3), int(j.counts.defaulted), int(j.counts.late), int(j.counts.orphaned)] : ['', '', '', ''];
      lines.push(`| ${s.name} (${int(s.size)}) | ${label(setting)} | ${cols(s.name, setting).map(acc).join(' | ')} | ${join.join(' | ')} |`);
    }
  for (const setting of settings) {
    const per = f.streams.map((s) => cols(s.name, setting));
    const means = per[0]?.map((_, k) => mean(per.map((row) => row[k]))) ?? [];
    const rate = mean(f.streams.map((s) => st(s.name, setting, 'default')?.join?.joinRate));
    lines.push(`| **mean** | ${label(setting)} | ${means.map(acc).join(' | ')} | ${rate === undefined ? '' : rate.toFixed(3)} | | | |`);
  }
  const tp = f.throughput;
  const plainSeconds = tp.reduce((a, t) => a + t.records / t.plainPerS, 0);
  const joinSeconds = tp.reduce((a, t) => a + t.records / t.joinPerS, 0);
  const ratio = tp.length ? plainSeconds / joinSeconds : undefined;
  const tpLines = [
    '| stream | feature records | straight to the batcher, records/s | through LabelJoin, records/s | ratio |',
    '|---|---|---|---|---|',
    ...tp.map((t) => `| ${t.dataset} | ${int(t.records)} | ${int(Math.round(t.plainPerS))} | ${int(Math.round(t.joinPerS))} | ${t.ratio.toFixed(3)} |`),
    `| **all** | ${int(tp.reduce((a, t) => a + t.records, 0))} | | | ${ratio === undefined ? '' : ratio.toFixed(3)} |`,
  ];
  const m = f.machine ?? machine();
  const mid = f.middle;
  const keys = {
    labels_acc_immediate: roundOrNull(mean(f.streams.map((s) => st(s.name, 'immediate')?.accuracy))),
    labels_acc_delayed: roundOrNull(mean(f.streams.map((s) => st(s.name, mid, 'default')?.accuracy))),
    labels_acc_river_delayed: roundOrNull(mean(f.streams.map((s) => peer(s.name, 'river-linear', 'exact', mid, 'default')))),
    labels_join_rate: roundOrNull(mean(f.streams.map((s) => st(s.name, mid, 'default')?.join?.joinRate))),
    labels_join_vs_plain_ratio_inprocess: roundOrNull(ratio, 3),
  };
  const head =
    `Measured ${(f.date ?? new Date().toISOString()).slice(0, 10)} on ${m.cpu} (${m.cores} cores, load average ${m.loadAverage.join(' / ')}), ` +
    `node ${f.versions.node}, River ${f.versions.river ?? 'n/a'}; the whole run took ${Math.round(f.wallSeconds.total)} s. ` +
    'Accuracy of the prediction served when the features arrived, over all records (a record whose label never comes ' +
    "is scored against its true label). st = streamtrain with the config's defaults (`model.standardize: true`), " +
    'in-process; "default label": `onMissing: default` (label 0 learned for a missing or late label), "drop": ' +
    '`onMissing: drop`. River linear = StandardScaler | LogisticRegression (SoftmaxRegression on multi-class streams), each ' +
    'label learned at its own time, or at the end of its micro-batch of 256 as streamtrain learns it. Join counters ' +
    "(`onMissing: default`): join rate = joined / feature records; defaulted = missing and late labels' records.";
  const table = [
    head,
    '',
    ...lines,
    '',
    `The join alone, in-process, at mean delay 100 s (median of 5 runs${f.throughputMeasured ? `; measured again alone ${f.throughputMeasured.date.slice(0, 10)}, load average ${f.throughputMeasured.machine.loadAverage.join(' / ')}` : ''}):`,
    '',
    ...tpLines,
  ].join('\n');
  if (doc) {
    const path = resolve(doc);
    const page = readFileSync(path, 'utf8');
    const a = page.indexOf(START);
    const b = page.indexOf(END);
    if (a < 0 || b < a) throw new RangeError(`${doc} has no ${START} ... ${END}`);
    writeFileSync(path, `${page.slice(0, a + START.length)}\n${table}\n${page.slice(b)}`);
  }
  return { table, keys };
}

function roundOrNull(x: number | undefined, digits = 4): number | null {
  return x === undefined ? null : round(x, digits);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = JSON.parse(readFileSync('bench/results/labels.json', 'utf8')) as LabelsFile;
  mergeSummary(renderLabels(file, 'docs/learning-quality.md').keys);
}
