/**
 * Where the pipeline's time goes at full rate: `npx tsx bench/profile-pipeline.ts`.
 *
 * Fills a topic with BENCH_PROFILE_N Elec2-sized records (as the throughput benchmark does), then runs the
 * pipeline with the config's defaults over it in a child process under `node --cpu-prof` (one profile per thread:
 * the consumer's and the learner worker's), timed as the throughput benchmark times it, and the bare kafkajs
 * consumer (JSON.parse) the same way in a second child, to tell kafkajs' own cost from the pipeline's. Each thread's profile is
 * summarized by module over the timed interval only (start-up and shutdown excluded; see support/cpu-profile.ts)
 * and written to bench/results/pipeline-profile.json, which `bench/summarize.ts` renders into docs/benchmarks.md.
 * The profiler itself slows the run (about 10-20%): the shares matter, not the rate.
 *
 * Needs the local services (`npm run services:up`); everything it creates is deleted at the end.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bareConsume } from './support/bare-consumer.js';
import { envInt } from './support/context.js';
import { summarizeProfile, type CpuProfile, type ThreadProfile } from './support/cpu-profile.js';
import { defaultsConfig, resolvedDefaults } from './support/defaults-config.js';
import { benchServices } from './support/env.js';
import { fillTopic } from './support/fill.js';
import { benchKafka, benchLogger, createServiceTopics, deleteGroups, deleteObjects, deleteTopics, newRunId } from './support/kafka.js';
import { round, writeResult } from './support/results.js';
import { runService } from './support/timed-service.js';

const N = envInt('BENCH_PROFILE_N', 1_600_000);
const PARTITIONS = 2;
const SELF = fileURLToPath(import.meta.url);

interface ChildReport {
  readonly startUs: number;
  readonly endUs: number;
  readonly records: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly completed: boolean;
  readonly pauses: number;
  readonly backend?: string;
  readonly stepSamples: number | null;
  readonly defaults: Record<string, unknown>;
}

type Mode = 'pipeline' | 'bare';

/** In a profiled child: the pipeline with the defaults (or the bare consumer) over the topic, timed; prints the window as JSON. */
async function child(mode: Mode, runId: string, topic: string): Promise<void> {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
  const services = benchServices();
  const kafka = benchKafka(services.brokers);
  const nowUs = () => Number(process.hrtime.bigint() / 1000n);
  let report: ChildReport;
  if (mode === 'bare') {
    let endUs: number | undefined;
    const r = await bareConsume(kafka, topic, `${runId}-profile-bare`, N, 600_000, (seen) => {
      if (seen >= N) endUs ??= nowUs();
    });
    endUs ??= nowUs();
    report = { startUs: endUs - r.seconds * 1e6, endUs, ...r, pauses: 0, stepSamples: null, defaults: {} };
  } else {
    const config = defaultsConfig({ services, runId, name: 'profile-defaults', topic });
    await createServiceTopics(kafka, config);
    let stepSamples: number | null = null;
    const r = await runService({
      config,
      logger: benchLogger(),
      n: N,
      timeoutMs: 600_000,
      onPoll: (s) => {
        const v = (s as { learner?: { stepSamples?: unknown } }).learner?.stepSamples;
        if (typeof v === 'number') stepSamples = v;
      },
    });
    // runService returns after stopping the service: its timed interval ended stopSeconds (and a little) before now.
    const endUs = nowUs() - r.stopSeconds * 1e6;
    report = {
      startUs: endUs - r.seconds * 1e6,
      endUs,
      records: r.records,
      seconds: r.seconds,
      eventsPerSecond: r.eventsPerSecond,
      completed: r.completed,
      pauses: r.pauses,
      ...(r.backend === undefined ? {} : { backend: r.backend }),
      stepSamples,
      defaults: resolvedDefaults(config),
    };
  }
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

function runChild(mode: Mode, runId: string, topic: string, dir: string): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--import', 'tsx', SELF, '--child', mode, runId, topic], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, BENCH_PROFILE_N: String(N) },
    });
    let out = '';
    c.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    c.once('error', reject);
    c.once('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) return reject(new Error(`the profiled ${mode} run exited with ${String(code)}: ${out.slice(-1_000)}`));
      resolve(JSON.parse(line) as ChildReport);
    });
  });
}

/** The thread a profile belongs to: the learner worker's holds the learner's modules, the consumer's kafkajs. */
function threadName(mode: Mode, t: ThreadProfile, file: string): string {
  const ms = (prefix: string) => t.categories.filter((c) => c.name.startsWith(prefix)).reduce((a, c) => a + c.ms, 0);
  if (mode === 'bare') return 'bare kafkajs consumer (JSON.parse)';
  if (ms('kafkajs') > 0) return 'pipeline: consumer (main thread)';
  if (ms('learner') > 0) return 'pipeline: learner (worker thread)';
  return `pipeline: other thread (${file})`;
}

/** Runs one profiled child and summarizes its threads over its timed interval. */
async function profiled(mode: Mode, runId: string, topic: string) {
  const dir = mkdtempSync(join(os.tmpdir(), 'streamtrain-profile-'));
  try {
    const report = await runChild(mode, runId, topic, dir);
    process.stderr.write(`[bench profile] ${mode}: ${Math.round(report.eventsPerSecond).toLocaleString('en-US')} events/s under the profiler\n`);
    const threads = readdirSync(dir)
      .filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => {
        const t = summarizeProfile(JSON.parse(readFileSync(join(dir, f), 'utf8')) as CpuProfile, report.startUs, report.endUs);
        return { thread: threadName(mode, t, f), ...threadResult(t, report.records) };
      })
      // Threads that did (almost) nothing in the interval, such as the wasm backend's idle helpers, are left out.
      .filter((t) => t.busyShare >= 0.01);
    return { report, threads };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function threadResult(t: ThreadProfile, records: number) {
  const busy = t.sampledMs - t.idleMs;
  return {
    sampledMs: round(t.sampledMs),
    busyMs: round(busy),
    busyShare: round(busy / t.sampledMs, 3),
    usPerRecordBusy: round((busy * 1000) / records, 3),
    categories: t.categories.map((c) => ({
      name: c.name,
      ms: round(c.ms),
      shareOfBusy: round(c.ms / busy, 3),
      usPerRecord: round((c.ms * 1000) / records, 3),
    })),
    topFunctions: t.topFunctions.map((f) => ({ ...f, ms: round(f.ms) })),
  };
}

async function main(): Promise<void> {
  const services = benchServices();
  const runId = newRunId();
  const kafka = benchKafka(services.brokers);
  const topic = `${runId}.source`;
  try {
    process.stderr.write(`[bench profile] run ${runId}: filling ${N.toLocaleString('en-US')} records\n`);
    await fillTopic(kafka, topic, N, PARTITIONS);
    const pipeline = await profiled('pipeline', runId, topic);
    const bare = await profiled('bare', runId, topic);
    const run = (r: ChildReport) => ({ ...r, eventsPerSecond: round(r.eventsPerSecond), seconds: round(r.seconds, 2) });
    writeResult('pipeline-profile', {
      inputs: {
        records: N,
        topicPartitions: PARTITIONS,
        config: 'the defaults (topic, features, label, standardize: true), as the throughput benchmark runs them',
        defaultsResolved: pipeline.report.defaults,
        method:
          'node --cpu-prof, one profile per thread; self time by module over the timed interval (first delivered batch to N learned, or decoded for the bare consumer); builtins and node: internals count for the module that called them',
      },
      run: run(pipeline.report),
      threads: pipeline.threads,
      bare: { run: run(bare.report), threads: bare.threads },
    });
    for (const t of [...pipeline.threads, ...bare.threads]) {
      process.stderr.write(`[bench profile] ${t.thread}: busy ${(t.busyShare * 100).toFixed(0)}% of ${t.sampledMs} ms, ${t.usPerRecordBusy} us/record\n`);
      for (const c of t.categories.slice(0, 8))
        process.stderr.write(`    ${(c.shareOfBusy * 100).toFixed(1).padStart(5)}%  ${c.usPerRecord.toFixed(3)} us/record  ${c.name}\n`);
    }
  } finally {
    await deleteTopics(kafka, runId).catch(() => []);
    await deleteGroups(kafka, runId).catch(() => []);
    await deleteObjects(services, runId).catch(() => 0);
  }
}

if (process.argv[2] === '--child') await child(process.argv[3] as Mode, process.argv[4] as string, process.argv[5] as string);
else await main();
process.exit(0);
