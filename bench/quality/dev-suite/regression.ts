/**
 * The development suite's regression part (issue #21 item 2), run by run.ts after the classification streams (or
 * alone when `--streams` names only regression streams). Every learner on every regression stream of the manifest,
 * prequential mean absolute error since the start, the same record order for everyone, micro-batches of `batch.size`:
 *   - River peers (river_peers_regression.py, next to this process): StandardScaler | LinearRegression, Hoeffding
 *     Adaptive Tree Regressor, ARF regressor (5 models);
 *   - the last-value reference (repeats the previous record's target; the first: 0; no model);
 *   - streamtrain in-process (streamtrain-learners.ts' `runStateful`: ModelManager as the service runs it, no
 *     Kafka) with `model.standardize: true` and the config's other defaults (target scaling among them): **defaults**,
 *     `linear` at the config's `learner.updateBatchSize`; **linear-per-sample**; **mlp64-per-sample**, `mlp` [64].
 * Writes bench/results/dev-suite-regression.json and .md, the regression section of docs/learning-quality.md and the
 * `dev_reg_*` keys of bench/results/summary.json (regression-table.ts); a `--limit` run writes to bench/results/tmp/.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { readDelimitedFile } from '../../../src/datasets/index.js';
import { materialize } from '../../../studies/harness.js';
import { runStateful, type LearnerResult } from '../streamtrain-learners.js';
import type { QualityStream } from '../streams.js';
import { renderRegression, summarizeRegression, type RegressionFile, type RegressionResult } from './regression-table.js';
import { SGD_PLAIN, type ManifestEntry } from './table.js';

const log = (msg: string) => process.stderr.write(`[dev-suite regression] ${msg}\n`);

/** The config defaults the suite reads from the schema (run.ts' `configDefaults()`). */
export interface SuiteDefaults {
  readonly learningRate: number;
  readonly optimizer: string;
  readonly batchSize: number;
  readonly updateBatchSize: number;
}

interface RegressionVariant {
  readonly family: string;
  readonly learner: string;
  readonly model: { type: string } & Record<string, unknown>;
  readonly updateBatchSize: (d: SuiteDefaults) => number;
}

/** streamtrain's regression variants; every one with `model.standardize: true`. */
export const REGRESSION_VARIANTS: readonly RegressionVariant[] = [
  {
    family: 'streamtrain-defaults',
    learner: 'streamtrain defaults (model.type auto with its default pool, task regression, by record, a step per sample)',
    model: { type: 'auto', task: 'regression' },
    updateBatchSize: (d) => d.updateBatchSize,
  },
  {
    family: 'streamtrain-pool-r2',
    learner: 'streamtrain model.type auto, members [] and [64], standardizeBy batch (decisions 019 and 024, the defaults before 025), a step per sample',
    model: { type: 'auto', task: 'regression', standardizeBy: 'batch', pool: { members: [[], [64]] } },
    updateBatchSize: (d) => d.updateBatchSize,
  },
  {
    family: 'streamtrain-pool-r2-record',
    learner: 'streamtrain model.type auto, members [] and [64], standardizeBy record (decision 024), a step per sample',
    model: { type: 'auto', task: 'regression', standardizeBy: 'record', pool: { members: [[], [64]] } },
    updateBatchSize: (d) => d.updateBatchSize,
  },
  {
    family: 'streamtrain-pool-rs3-record',
    learner: 'streamtrain model.type auto, members linear-sgd-plain, [] and [64], standardizeBy record (decision 025, RS3), a step per sample',
    model: { type: 'auto', task: 'regression', standardizeBy: 'record', pool: { members: [SGD_PLAIN, [], [64]] } },
    updateBatchSize: (d) => d.updateBatchSize,
  },
  {
    family: 'streamtrain-0.1-defaults',
    learner: 'streamtrain 0.1 defaults (linear, a step per micro-batch), with target scaling',
    model: { type: 'linear' },
    updateBatchSize: () => 0,
  },
  {
    family: 'streamtrain-linear-per-sample',
    learner: 'streamtrain linear, standardize, a step per sample',
    model: { type: 'linear' },
    updateBatchSize: () => 1,
  },
  {
    family: 'streamtrain-mlp64-per-sample',
    learner: 'streamtrain mlp [64] (regression), standardize, a step per sample',
    model: { type: 'mlp', task: 'regression', hiddenUnits: [64] },
    updateBatchSize: () => 1,
  },
];

export interface RegressionRun {
  readonly dir: string;
  readonly entries: readonly ManifestEntry[];
  readonly defaults: SuiteDefaults;
  readonly limit: number;
  readonly skipPeers: boolean;
  readonly peerJobs: number;
  readonly river: string;
}

function loadStream(dir: string, e: ManifestEntry): QualityStream {
  const s = materialize(e.name, readDelimitedFile(`${dir}/${e.file}`, { header: true, labelColumn: 'y' }), false);
  if (s.size !== e.size || s.width !== e.width) throw new RangeError(`${e.file}: expected ${e.size} x ${e.width}, got ${s.size} x ${s.width}`);
  return { ...s, driftPoints: e.driftPoints ?? [] };
}

/** Mean absolute error, and its curve over windows of `window` records (the peers' curve: one point per batch). */
function maeOf(errors: Float32Array, window: number): { mae: number; curve: [number, number][] } {
  let sum = 0;
  const curve: [number, number][] = [];
  for (let at = 0; at < errors.length; at += window) {
    let w = 0;
    const end = Math.min(errors.length, at + window);
    for (let i = at; i < end; i++) w += errors[i] as number;
    sum += w;
    curve.push([end, Number((w / (end - at)).toFixed(4))]);
  }
  return { mae: sum / Math.max(1, errors.length), curve };
}

function lastValue(s: QualityStream, batch: number): RegressionResult {
  const errors = new Float32Array(s.size);
  for (let i = 0; i < s.size; i++) errors[i] = Math.abs((s.labels[i] as number) - (i === 0 ? 0 : (s.labels[i - 1] as number)));
  const { mae, curve } = maeOf(errors, batch);
  return {
    dataset: s.name,
    learner: "last value (repeats the previous record's target)",
    family: 'last-value',
    params: {},
    batchSize: batch,
    samples: s.size,
    mae,
    curve,
    cpuSeconds: 0,
    wallSeconds: 0,
  };
}

function python(script: string, args: string[]): Promise<number> {
  return new Promise((done) => spawn('python3', [script, ...args], { stdio: ['ignore', 'inherit', 'inherit'] }).on('close', (code) => done(code ?? 1)));
}

/** Runs the regression part of the suite and writes its results (see the file's doc). */
export async function runRegressionSuite(o: RegressionRun): Promise<void> {
  const started = performance.now();
  const smoke = o.limit > 0;
  const tmp = 'bench/results/tmp';
  const peersFile = `${tmp}/dev-suite-regression-peers${smoke ? `-limit-${o.limit}` : ''}.json`;
  log(`${o.entries.length} streams, ${o.entries.reduce((a, e) => a + e.size, 0).toLocaleString('en-US')} records`);
  // The peers in `peerJobs` processes, the streams dealt out largest first to the process with the fewest records.
  const groups = Array.from({ length: Math.max(1, o.peerJobs) }, () => ({ records: 0, names: [] as string[] }));
  for (const e of [...o.entries].sort((a, b) => b.size - a.size)) {
    const g = groups.reduce((a, b) => (b.records < a.records ? b : a));
    g.records += e.size;
    g.names.push(e.name);
  }
  const files = groups.map((_, i) => peersFile.replace(/\.json$/, `-${i}.json`));
  let peers: Promise<number[]> | undefined;
  if (!o.skipPeers) {
    for (const f of files) rmSync(f, { force: true });
    const script = 'bench/quality/dev-suite/river_peers_regression.py';
    peers = Promise.all(
      groups.map((g, i) =>
        g.names.length ? python(script, ['--data-dir', o.dir, '--out', files[i] as string, '--streams', g.names.join(',')]) : Promise.resolve(0),
      ),
    );
  }
  const d = o.defaults;
  const results: RegressionResult[] = [];
  for (const e of o.entries) {
    const s = loadStream(o.dir, e);
    results.push(lastValue(s, d.batchSize));
    for (const v of REGRESSION_VARIANTS) {
      const updateBatchSize = v.updateBatchSize(d);
      const model = { ...v.model, standardize: true };
      const { result, errors } = await runStateful(s, d.learningRate, d.batchSize, [], updateBatchSize, d.optimizer as 'adam', {}, model);
      const { mae, curve } = maeOf(errors, d.batchSize);
      const r: LearnerResult = result;
      results.push({
        dataset: e.name,
        learner: v.learner,
        family: v.family,
        params: { ...model, optimizer: d.optimizer, learningRate: d.learningRate, updateBatchSize },
        batchSize: d.batchSize,
        samples: r.samples,
        mae,
        curve,
        cpuSeconds: r.cpuSeconds,
        wallSeconds: r.wallSeconds,
      });
      log(`${e.name}/${v.family}: MAE ${mae.toFixed(4)}, cpu ${r.cpuSeconds.toFixed(1)} s`);
    }
  }
  if (peers && (await peers).some((code) => code !== 0)) throw new RangeError('river_peers_regression.py failed');
  type PeerFile = { results: RegressionResult[]; protocol: Record<string, unknown>; versions: Record<string, string> };
  const peerRuns = files.filter((f) => existsSync(f)).map((f) => JSON.parse(readFileSync(f, 'utf8')) as PeerFile);
  if (!peerRuns.length) log(`no ${files.join(', ')}: River columns left empty`);
  const all = [...results, ...peerRuns.flatMap((p) => p.results).filter((r) => o.entries.some((e) => e.name === r.dataset))];
  const file: RegressionFile = {
    protocol: {
      order: 'stream order, one pass, every learner on the same records',
      scoring: `micro-batches of ${d.batchSize}: each predicted whole by the model before the batch, then learned; MAE = mean |prediction - target| over every record since the start`,
      lastValue: "predicts the previous record's target (the first: 0), within a batch too",
      streamtrain: {
        configDefaults: d,
        standardize: true,
        variants: REGRESSION_VARIANTS.map((v) => ({ family: v.family, learner: v.learner })),
        responses: [],
      },
      peers: peerRuns[0]?.protocol ?? {},
    },
    machine: `${cpus()[0]?.model ?? 'unknown'} (${cpus().length} cores), node ${process.version}`,
    date: new Date().toISOString(),
    versions: { node: process.version, river: o.river, ...(peerRuns[0]?.versions ?? {}) },
    limit: smoke ? o.limit : undefined,
    manifest: [...o.entries],
    results: all,
    summary: summarizeRegression(o.entries, all),
    wallSeconds: (performance.now() - started) / 1000,
  };
  const out = smoke ? `${tmp}/dev-suite-regression-limit-${o.limit}.json` : 'bench/results/dev-suite-regression.json';
  writeFileSync(out, JSON.stringify(file, null, 1) + '\n');
  renderRegression(out, out.replace(/\.json$/, '.md'), smoke ? undefined : { doc: 'docs/learning-quality.md', summary: 'bench/results/summary.json' });
  log(`wrote ${out} in ${file.wallSeconds.toFixed(0)} s`);
}
