/**
 * `npm run bench:labels`: learning with labels that arrive later (issue #18 item 5), River peers in the same run.
 * Each stream is replayed on a simulated clock (one record per second of event time, no waiting) with every
 * record's label delayed by an exponential delay of mean 10 s, 100 s or 1,000 s, and 10% of labels missing
 * (labels/schedule.ts: seeded, the same records delayed in the same proportions in every setting). For each:
 *   - streamtrain, immediate labels: the record and its label together, as today (labels/replay.ts' ImmediateFeed);
 *   - streamtrain, delayed labels through the real LabelJoin (labels/join-feed.ts), `maxDelayMs` = 5 x the mean
 *     delay, `onMissing: default` (label 0) and `drop`; the join's counters;
 *   - River, the same delays and missing labels (labels/river_delayed.py, a process of its own, side by side).
 * The score: accuracy of the prediction served when the features arrived, over all records (a record whose label
 * never comes is scored against its true label). streamtrain is the config's defaults in-process (ModelManager as
 * the service runs it, no Kafka; the dev suite's "st defaults"). Then the join's in-process throughput
 * (labels/throughput.ts). Writes bench/results/labels.json, the summary keys and the table of
 * docs/learning-quality.md ("Labels that arrive later"; labels/table.ts renders it).
 *
 * Options: --streams a,b; --data-dir (the dev suite's streams, default .cache/dev-suite, written by
 * bench/quality/dev-suite/generate.py); --datasets (Elec2's folder, default ../shared/datasets); --seed;
 * --skip-peers (reuse the River file in bench/results/tmp/labels/); --limit N (a smoke run on the first N records:
 * results in bench/results/tmp/labels/, docs and summary untouched); --throughput-only (only the join's in-process
 * throughput, again: it replaces `throughput` in bench/results/labels.json, dated `throughputMeasured`, and
 * re-renders the table and the summary keys from the file).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readDelimitedFile } from '../../src/datasets/index.js';
import { materialize } from '../../studies/harness.js';
import { joinThroughput, type ThroughputResult } from './labels/throughput.js';
import { JoinFeed, type JoinReport } from './labels/join-feed.js';
import { ImmediateFeed, runServed, type LabelFeed } from './labels/replay.js';
import { labelSchedule, scheduleCounts, type LabelSchedule } from './labels/schedule.js';
import { configDefaults, joinOptions, modelOverrides, servingManager } from './labels/setup.js';
import { renderLabels, type LabelsFile, type PeerResult, type StreamtrainRun } from './labels/table.js';
import { runStateful } from './streamtrain-learners.js';
import { loadStream, type QualityStream } from './streams.js';
import { machine, mergeSummary, writeResult } from '../support/results.js';

const log = (msg: string) => process.stderr.write(`[labels] ${msg}\n`);
const TMP = 'bench/results/tmp/labels';
const MEANS_S = [10, 100, 1000];
/** The setting the summary keys report: the middle mean delay. */
const MIDDLE = 'mean-100s';
const MISSING_SHARE = 0.1;
/** `maxDelayMs` of a setting, in mean delays: e^-5, 0.7% of the labels that come, are later than it (late). */
const MAX_DELAY_IN_MEANS = 5;

interface Setting {
  readonly id: string;
  readonly meanDelayMs: number;
  readonly maxDelayMs: number;
}
const SETTINGS: readonly Setting[] = MEANS_S.map((s) => ({ id: `mean-${s}s`, meanDelayMs: s * 1000, maxDelayMs: MAX_DELAY_IN_MEANS * s * 1000 }));

interface Loaded {
  readonly s: QualityStream;
  readonly classes: number;
  readonly csv: string;
}

function truncate(s: QualityStream, limit: number): QualityStream {
  if (!limit || s.size <= limit) return s;
  return { ...s, size: limit, features: s.features.slice(0, limit * s.width), labels: s.labels.slice(0, limit) };
}

/** The dev suite's streams from its manifest, and Elec2 from the shared folder (written to a CSV for River). */
function loadStreams(names: string[], dataDir: string, datasets: string, limit: number): Loaded[] {
  type Entry = { name: string; file: string; classes: number; size: number; width: number };
  const manifest = `${dataDir}/manifest.json`;
  if (!existsSync(manifest)) throw new RangeError(`no ${manifest}: run python3 bench/quality/dev-suite/generate.py --out ${dataDir}`);
  const entries = (JSON.parse(readFileSync(manifest, 'utf8')) as { streams: Entry[] }).streams;
  return names.map((name) => {
    if (name === 'elec2') {
      const s = truncate(loadStream('elec2', datasets), limit);
      const csv = `${TMP}/elec2.csv`;
      const header = [...Array.from({ length: s.width }, (_, j) => `f${j}`), 'y'].join(',');
      const rows = Array.from({ length: s.size }, (_, i) => [...s.features.subarray(i * s.width, (i + 1) * s.width), s.labels[i]].join(','));
      writeFileSync(csv, `${header}\n${rows.join('\n')}\n`);
      return { s, classes: 2, csv };
    }
    const e = entries.find((x) => x.name === name);
    if (!e) throw new RangeError(`stream ${name} is not in ${manifest}`);
    const s = materialize(e.name, readDelimitedFile(`${dataDir}/${e.file}`, { header: true, labelColumn: 'y' }), false);
    if (s.size !== e.size || s.width !== e.width) throw new RangeError(`${e.file}: expected ${e.size} x ${e.width}, got ${s.size} x ${s.width}`);
    const t = truncate({ ...s, driftPoints: [] }, limit);
    let csv = `${dataDir}/${e.file}`;
    if (t.size < s.size) {
      csv = `${TMP}/${name}.csv`;
      writeFileSync(
        csv,
        readFileSync(`${dataDir}/${e.file}`, 'utf8')
          .split('\n')
          .slice(0, t.size + 1)
          .join('\n') + '\n',
      );
    }
    return { s: t, classes: e.classes, csv };
  });
}

/** One served replay of the config's defaults with this label feed. */
async function served(l: Loaded, feed: (s: QualityStream) => LabelFeed) {
  const { model, dispose } = await servingManager(l.s.width, l.classes);
  const f = feed(l.s);
  const r = await runServed(l.s, model, f, configDefaults().batchSize);
  dispose();
  return { r, f };
}

function python(args: string[]): Promise<number> {
  return new Promise((done) => spawn('python3', args, { stdio: ['ignore', 'inherit', 'inherit'] }).on('close', (code) => done(code ?? 1)));
}

async function main(): Promise<void> {
  const { values: opts } = parseArgs({
    options: {
      streams: { type: 'string', default: 'agrawal-gradual,rbf-moving,sine-recurring,phishing,elec2' },
      'data-dir': { type: 'string', default: '.cache/dev-suite' },
      datasets: { type: 'string', default: '../shared/datasets' },
      seed: { type: 'string', default: '42' },
      'skip-peers': { type: 'boolean', default: false },
      limit: { type: 'string', default: '0' },
      'throughput-only': { type: 'boolean', default: false },
    },
  });
  const started = performance.now();
  const limit = Number(opts.limit);
  const seed = Number(opts.seed);
  mkdirSync(TMP, { recursive: true });
  const streams = loadStreams(opts.streams.split(','), opts['data-dir'], opts.datasets, limit);
  const defaults = configDefaults();
  const schedules = new Map<string, LabelSchedule>();
  const schedule = (l: Loaded, st: Setting) => {
    const key = `${l.s.name}/${st.id}`;
    if (!schedules.has(key)) schedules.set(key, labelSchedule(l.s.size, { meanDelayMs: st.meanDelayMs, missingShare: MISSING_SHARE, seed }));
    return schedules.get(key) as LabelSchedule;
  };

  const middleSetting = SETTINGS.find((s) => s.id === MIDDLE) as Setting;
  const measureThroughput = (): (ThroughputResult & { dataset: string })[] => {
    const out = streams.map((l) => ({
      dataset: l.s.name,
      ...joinThroughput(l.s, schedule(l, middleSetting), joinOptions(middleSetting.maxDelayMs, 'default'), defaults.batchSize),
    }));
    for (const t of out) log(`${t.dataset}: join ${Math.round(t.joinPerS)} records/s, plain ${Math.round(t.plainPerS)} records/s, ratio ${t.ratio.toFixed(3)}`);
    return out;
  };
  if (opts['throughput-only']) {
    const path = 'bench/results/labels.json';
    const earlier = JSON.parse(readFileSync(path, 'utf8')) as LabelsFile;
    const file: LabelsFile = { ...earlier, throughput: measureThroughput(), throughputMeasured: { date: new Date().toISOString(), machine: machine() } };
    writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`);
    mergeSummary(renderLabels(file, 'docs/learning-quality.md').keys);
    log(`updated the throughput of ${path}`);
    return;
  }

  // River in a process of its own, on job files holding each stream's delays, side by side with streamtrain.
  const peersFile = `${TMP}/peers${limit ? `-limit-${limit}` : ''}.json`;
  let peers: Promise<number> | undefined;
  if (!opts['skip-peers']) {
    const jobs = streams.map((l) => {
      const file = `${TMP}/job-${l.s.name}.json`;
      const settings = SETTINGS.map((st) => ({ ...st, missingShare: MISSING_SHARE, delayMs: Array.from(schedule(l, st).delayMs) }));
      const job = { name: l.s.name, csv: l.csv, size: l.s.size, classes: l.classes, batchSize: defaults.batchSize, periodMs: 1000, defaultLabel: 0, settings };
      writeFileSync(file, JSON.stringify(job));
      return file;
    });
    peers = python(['bench/quality/labels/river_delayed.py', '--out', peersFile, ...jobs]);
  }

  const runs: StreamtrainRun[] = [];
  for (const l of streams) {
    const name = l.s.name;
    const reference = await runStateful(
      l.s,
      defaults.learningRate,
      defaults.batchSize,
      [],
      defaults.updateBatchSize,
      defaults.optimizer,
      {},
      modelOverrides(l.classes),
    );
    const imm = await served(l, (s) => new ImmediateFeed(s));
    runs.push({ dataset: name, setting: 'immediate', ...summary(imm.r), testThenTrainAccuracy: reference.result.accuracy });
    log(`${name}/immediate: served acc ${imm.r.accuracy.toFixed(4)} (test-then-train ${reference.result.accuracy.toFixed(4)})`);
    for (const st of SETTINGS)
      for (const onMissing of ['default', 'drop'] as const) {
        const sch = schedule(l, st);
        const { r, f } = await served(l, (s) => new JoinFeed(s, sch, joinOptions(st.maxDelayMs, onMissing)));
        const join: JoinReport = (f as JoinFeed).report();
        runs.push({ dataset: name, setting: st.id, onMissing, ...summary(r), join, schedule: scheduleCounts(sch, st.maxDelayMs) });
        log(`${name}/${st.id}/${onMissing}: served acc ${r.accuracy.toFixed(4)}, join rate ${join.joinRate.toFixed(3)}, late ${join.counts.late}`);
      }
  }
  const streamtrainSeconds = (performance.now() - started) / 1000;
  if (peers && (await peers) !== 0) throw new RangeError('river_delayed.py failed');
  const peerFile = existsSync(peersFile)
    ? (JSON.parse(readFileSync(peersFile, 'utf8')) as { results: PeerResult[]; versions: Record<string, string> })
    : undefined;
  if (!peerFile) log(`no ${peersFile}: River columns left empty`);

  // The join's cost in-process, at the middle delay, after the peers are done (a quieter machine).
  const throughput = measureThroughput();

  const file: LabelsFile = {
    protocol: {
      clock: 'simulated event time: record i stamped i s; no waiting',
      delays: `exponential, means ${MEANS_S.join(', ')} s (E_i ~ Exp(1) from seed ${seed}, scaled by the mean: the same records delayed in the same proportions in every setting); ${MISSING_SHARE * 100}% of labels missing (the same records in every setting)`,
      join: `LabelJoin, input.labels defaults, maxDelayMs = ${MAX_DELAY_IN_MEANS} x the mean delay, onMissing default (label 0) and drop; features and labels added in event-time order of arrival, take() after each micro-batch of ${defaults.batchSize} feature records`,
      scoring:
        'accuracy of the prediction served when the features arrived (the model as it is at the start of their micro-batch), over all records; a record whose label never comes is scored against its true label',
      streamtrain: { configDefaults: defaults, standardize: true, responses: [] },
      peers: 'bench/quality/labels/river_delayed.py: river.stream.simulate_qa with the same per-record delays and missing set, the join rules applied',
      summaryKeys: `means over the streams; delayed: setting ${MIDDLE}, onMissing default; River: river-linear, exact timing`,
      seed,
    },
    versions: { node: process.version, ...(peerFile?.versions ?? {}) },
    limit: limit || undefined,
    settings: SETTINGS.map((s) => ({ ...s, missingShare: MISSING_SHARE })),
    middle: MIDDLE,
    streams: streams.map((l) => ({ name: l.s.name, size: l.s.size, width: l.s.width, classes: l.classes })),
    streamtrain: runs,
    peers: peerFile?.results ?? [],
    throughput,
    wallSeconds: { total: (performance.now() - started) / 1000, streamtrainSide: streamtrainSeconds },
  };
  if (limit) {
    writeFileSync(`${TMP}/labels-limit-${limit}.json`, JSON.stringify(file, null, 1) + '\n');
    log(renderLabels(file, undefined).table);
    return;
  }
  const out = writeResult('labels', file as unknown as Record<string, unknown>);
  const { keys } = renderLabels(file, 'docs/learning-quality.md');
  mergeSummary(keys);
  log(`wrote ${out} in ${file.wallSeconds.total.toFixed(0)} s`);
}

function summary(r: Awaited<ReturnType<typeof runServed>>) {
  return { accuracy: r.accuracy, learned: r.learned, cpuSeconds: r.cpuSeconds, wallSeconds: r.wallSeconds };
}

await main();
