/**
 * `npm run bench:dev-suite`: the development suite (issue #17 item 1). Every learner on every stream of the suite,
 * in one run, prequential (test-then-train) accuracy since the start, the same record order for everyone:
 *   - the streams: River generators (seeded) and datasets bundled in River's package, written to .cache/dev-suite/
 *     by generate.py (kept when already there; its manifest lists each stream's kind, size, classes, drift and
 *     source);
 *   - River peers (river_peers.py, in bench/.venv, a process of its own running next to this one): StandardScaler |
 *     LogisticRegression (SoftmaxRegression on multi-class streams), Hoeffding Adaptive Tree, ARF (5 models);
 *   - the no-change classifier (repeats the previous record's label; no model): the temporal reference;
 *   - streamtrain in-process (bench/quality/streamtrain-learners.ts' `runStateful`, the quality benchmark's runner:
 *     ModelManager as the service runs it, no Kafka), with the config's defaults (learning rate, `batch.size`,
 *     averaging, detectors; `drift.responses` default `[alert]`, which changes no model, run as none) and
 *     `model.standardize: true`, in three variants: **defaults**, `logistic` (`softmax` on multi-class streams),
 *     one step per micro-batch (`learner.updateBatchSize: 0`, as the pipeline does); **per-sample**, the same with
 *     `learner.updateBatchSize: 1`; **mlp64-per-sample**, `model.type: mlp`, `hiddenUnits: [64]`, a step per sample.
 * Every learner is scored on micro-batches of `batch.size` records (256): a batch is predicted whole by the model as
 * it was before the batch, then learned; the no-change classifier repeats the previous record's label even within a
 * batch (the usual definition; a stronger reference than any learner can be under batch scoring).
 *
 * Writes bench/results/dev-suite.json (results, per-stream table, means, counts) and renders the table into
 * bench/results/dev-suite.md and docs/learning-quality.md (table.ts; `npx tsx bench/quality/dev-suite/table.ts`
 * re-renders without running).
 *
 * Options: --streams a,b (a subset); --peer-jobs N (River in N processes, default 2: ARF takes most of the run);
 * --skip-peers (reuse the peers' files in bench/results/tmp/); --serial (peers first, then streamtrain, instead of
 * side by side); --limit N (a smoke run on the first N records of each stream:
 * files in .cache/dev-suite-limit-N/, results in bench/results/tmp/, docs untouched).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { parseConfig } from '../../../src/core/index.js';
import { readDelimitedFile } from '../../../src/datasets/index.js';
import { materialize } from '../../../studies/harness.js';
import { runNoChange, runStateful, type LearnerResult } from '../streamtrain-learners.js';
import type { QualityStream } from '../streams.js';
import { runRegressionSuite } from './regression.js';
import { afterFirstBatch, renderDevSuite, SGD_PLAIN, summarize, type ManifestEntry, type SuiteFile } from './table.js';

const log = (msg: string) => process.stderr.write(`[dev-suite] ${msg}\n`);

/** The config's defaults this suite runs with (read from the schema, so the suite follows a changed default). */
function configDefaults() {
  const c = parseConfig(
    { model: { name: 'dev-suite' }, kafka: { topics: ['unused'] }, input: { features: [{ field: 'x' }], label: { field: 'y' } } },
    { env: {} },
  );
  return {
    learningRate: c.model.optimizer.learningRate,
    optimizer: c.model.optimizer.type,
    batchSize: c.batch.size,
    // `auto` takes a step per sample unless batches queue up for the learner, which never happens in-process.
    updateBatchSize: c.learner.updateBatchSize === 'auto' ? 1 : c.learner.updateBatchSize,
    standardize: c.model.standardize,
    responses: c.drift.responses,
    averagingHorizon: c.model.averaging.horizon,
    modelType: c.model.type,
    pool: c.model.pool,
  };
}

interface Variant {
  readonly family: string;
  readonly learner: string;
  readonly model: (classes: number) => { type: string } & Record<string, unknown>;
  /** Samples per gradient step; 0 = one step per micro-batch. */
  readonly updateBatchSize: (defaults: ReturnType<typeof configDefaults>) => number;
}

const linear = (classes: number) => (classes > 2 ? { type: 'softmax', classes } : { type: 'logistic' });
const perSample = () => 1;
/** The streamtrain variants of the suite; every one with `model.standardize: true` (the default). */
export const VARIANTS: readonly Variant[] = [
  {
    family: 'streamtrain-defaults',
    learner: "streamtrain defaults (model.type and model.pool as the config's defaults, a step per sample)",
    model: (classes) => ({ type: configDefaults().modelType, pool: configDefaults().pool, classes }),
    updateBatchSize: (d) => d.updateBatchSize,
  },
  {
    family: 'streamtrain-pool-a',
    learner: 'streamtrain auto, pool [], [16], [64] (decision 018), a step per sample',
    model: (classes) => ({ type: 'auto', pool: { ...configDefaults().pool, members: [[], [16], [64]] }, classes }),
    updateBatchSize: perSample,
  },
  {
    family: 'streamtrain-pool-s3',
    learner: 'streamtrain auto, pool linear-sgd-plain, [16], [64] (decision 023, S3), a step per sample',
    model: (classes) => ({ type: 'auto', pool: { ...configDefaults().pool, members: [SGD_PLAIN, [16], [64]] }, classes }),
    updateBatchSize: perSample,
  },
  {
    family: 'streamtrain-pool-s4',
    learner: 'streamtrain auto, pool linear-sgd-plain, [], [16], [64] (decision 023, S4), a step per sample',
    model: (classes) => ({ type: 'auto', pool: { ...configDefaults().pool, members: [SGD_PLAIN, [], [16], [64]] }, classes }),
    updateBatchSize: perSample,
  },
  {
    family: 'streamtrain-by-batch',
    learner: 'streamtrain defaults with model.standardizeBy: batch (the default before decision 026), a step per sample',
    model: (classes) => ({ type: configDefaults().modelType, pool: configDefaults().pool, classes, standardizeBy: 'batch' }),
    updateBatchSize: perSample,
  },
  { family: 'streamtrain-per-sample', learner: 'streamtrain logistic / softmax, a step per sample', model: linear, updateBatchSize: perSample },
  {
    family: 'streamtrain-mlp64-per-sample',
    learner: 'streamtrain mlp [64], a step per sample',
    model: (classes) => ({ type: 'mlp', hiddenUnits: [64], classes }),
    updateBatchSize: perSample,
  },
  {
    family: 'streamtrain-0.1-defaults',
    learner: 'streamtrain 0.1 defaults (logistic / softmax, a step per micro-batch)',
    model: linear,
    updateBatchSize: () => 0,
  },
];

function loadSuiteStream(dir: string, e: ManifestEntry): QualityStream {
  const s = materialize(e.name, readDelimitedFile(`${dir}/${e.file}`, { header: true, labelColumn: 'y' }), false);
  if (s.size !== e.size || s.width !== e.width) throw new RangeError(`${e.file}: expected ${e.size} x ${e.width}, got ${s.size} x ${s.width}`);
  return { ...s, driftPoints: e.driftPoints ?? [] };
}

function python(script: string, args: string[]): Promise<number> {
  return new Promise((done) => spawn('python3', [script, ...args], { stdio: ['ignore', 'inherit', 'inherit'] }).on('close', (code) => done(code ?? 1)));
}

async function main(): Promise<void> {
  const { values: opts } = parseArgs({
    options: {
      streams: { type: 'string', default: '' },
      'skip-peers': { type: 'boolean', default: false },
      serial: { type: 'boolean', default: false },
      limit: { type: 'string', default: '0' },
      'peer-jobs': { type: 'string', default: '2' },
    },
  });
  const limit = Number(opts.limit);
  const smoke = limit > 0;
  const started = performance.now();
  const dir = smoke ? `.cache/dev-suite-limit-${limit}` : '.cache/dev-suite';
  const tmp = 'bench/results/tmp';
  mkdirSync(tmp, { recursive: true });
  const peersFile = `${tmp}/dev-suite-peers${smoke ? `-limit-${limit}` : ''}.json`;
  const only = opts.streams ? ['--only', opts.streams] : [];
  const gen = spawnSync('python3', ['bench/quality/dev-suite/generate.py', '--out', dir, ...(smoke ? ['--limit', String(limit)] : []), ...only], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (gen.status !== 0) throw new RangeError(`generate.py exited ${gen.status}`);
  const manifest = JSON.parse(readFileSync(`${dir}/manifest.json`, 'utf8')) as { river: string; streams: ManifestEntry[] };
  const wanted = opts.streams ? opts.streams.split(',') : undefined;
  // Regression streams (issue #21) run after the classification ones, in regression.ts.
  const entries = manifest.streams.filter((e) => (!wanted || wanted.includes(e.name)) && e.task !== 'regression');
  const regression = () => {
    const streams = manifest.streams.filter((e) => (!wanted || wanted.includes(e.name)) && e.task === 'regression');
    const run = { dir, entries: streams, defaults: configDefaults(), limit, skipPeers: opts['skip-peers'], peerJobs: Number(opts['peer-jobs']) };
    return streams.length ? runRegressionSuite({ ...run, river: manifest.river }) : Promise.resolve();
  };
  if (!entries.length) return regression();
  log(`${entries.length} streams, ${entries.reduce((a, e) => a + e.size, 0).toLocaleString('en-US')} records, from ${dir}`);

  // The peers in `jobs` processes, the streams dealt out largest first to the process with the fewest records.
  const jobs = Math.max(1, Number(opts['peer-jobs']));
  const groups = Array.from({ length: jobs }, () => ({ records: 0, names: [] as string[] }));
  for (const e of [...entries].sort((a, b) => b.size - a.size)) {
    const g = groups.reduce((a, b) => (b.records < a.records ? b : a));
    g.records += e.size;
    g.names.push(e.name);
  }
  const peerFiles = groups.map((_, i) => (jobs === 1 ? peersFile : peersFile.replace(/\.json$/, `-${i}.json`)));
  let peers: Promise<number[]> | undefined;
  if (!opts['skip-peers']) {
    const run = (i: number) =>
      python('bench/quality/dev-suite/river_peers.py', ['--data-dir', dir, '--out', peerFiles[i]!, '--streams', groups[i]!.names.join(',')]);
    for (const f of peerFiles) rmSync(f, { force: true }); // no stale results of an earlier run merged in
    peers = Promise.all(groups.map((g, i) => (g.names.length ? run(i) : Promise.resolve(0))));
    if (opts.serial) await peers;
  }

  const defaults = configDefaults();
  const results: LearnerResult[] = [];
  for (const e of entries) {
    const s = loadSuiteStream(dir, e);
    results.push(runNoChange(s, defaults.batchSize));
    for (const v of VARIANTS) {
      const updateBatchSize = v.updateBatchSize(defaults);
      const model = { ...v.model(e.classes), standardize: true };
      const { result, errors } = await runStateful(s, defaults.learningRate, defaults.batchSize, [], updateBatchSize, defaults.optimizer, {}, model);
      const first = Math.min(defaults.batchSize, s.size);
      const laterErrors = errors.subarray(first).reduce((a, b) => a + b, 0);
      results.push({
        ...result,
        family: v.family,
        learner: v.learner,
        params: { ...result.params, model: model.type, ...model, updateBatchSize },
        extra: { accuracyAfterFirstBatch: s.size > first ? 1 - laterErrors / (s.size - first) : undefined },
      });
      log(`${e.name}/${v.family}: acc ${result.accuracy.toFixed(4)}, cpu ${result.cpuSeconds.toFixed(1)} s`);
    }
  }
  const streamtrainSeconds = (performance.now() - started) / 1000;
  if (peers && (await peers).some((code) => code !== 0)) throw new RangeError('river_peers.py failed');
  type PeerFile = { results: LearnerResult[]; protocol: Record<string, unknown>; versions: Record<string, string>; date?: string };
  const peerRuns = peerFiles.filter((f) => existsSync(f)).map((f) => JSON.parse(readFileSync(f, 'utf8')) as PeerFile);
  const peerFile = peerRuns[0];
  if (!peerFile) log(`no ${peerFiles.join(', ')}: River columns left empty`);
  // The peers' curve has one point per micro-batch (river_peers.py's window is the batch size): the first is the first batch.
  const peerResults = peerRuns
    .flatMap((p) => p.results)
    .filter((r) => entries.some((e) => e.name === r.dataset))
    .map((r) => {
      const [end, acc] = r.curve[0] ?? [0, 0];
      return { ...r, extra: { accuracyAfterFirstBatch: r.samples > end ? (r.accuracy * r.samples - acc * end) / (r.samples - end) : undefined } };
    });
  const all = [...results, ...peerResults];

  const file: SuiteFile = {
    protocol: {
      order: 'stream order, one pass, every learner on the same records',
      scoring: `micro-batches of ${defaults.batchSize}: each predicted whole by the model before the batch, then learned; accuracy = correct / records since the start`,
      noChange: "predicts the previous record's label (the first: class 0), within a batch too",
      streamtrain: { configDefaults: defaults, standardize: true, variants: VARIANTS.map((v) => ({ family: v.family, learner: v.learner })), responses: [] },
      peers: peerFile?.protocol ?? {},
    },
    machine: `${cpus()[0]?.model ?? 'unknown'} (${cpus().length} cores), node ${process.version}`,
    date: new Date().toISOString(),
    versions: { node: process.version, river: manifest.river, ...(peerFile?.versions ?? {}) },
    limit: smoke ? limit : undefined,
    ...(opts['skip-peers'] ? { peersReusedFrom: peerFile?.date ?? 'unknown' } : {}),
    manifest: entries,
    results: all,
    summary: { ...summarize(entries, all), afterFirstBatch: summarize(entries, all, afterFirstBatch) },
    wallSeconds: { total: (performance.now() - started) / 1000, streamtrainSide: streamtrainSeconds },
  };
  const out = smoke ? `${tmp}/dev-suite-limit-${limit}.json` : 'bench/results/dev-suite.json';
  writeFileSync(out, JSON.stringify(file, null, 1) + '\n');
  renderDevSuite(out, smoke ? `${tmp}/dev-suite-limit-${limit}.md` : 'bench/results/dev-suite.md', smoke ? undefined : 'docs/learning-quality.md');
  log(`wrote ${out} in ${file.wallSeconds.total.toFixed(0)} s`);
  await regression();
}

await main();
