/**
 * Renders the performance table from bench/results/summary.json and the per-benchmark result files, prints it,
 * and replaces the text between `<!-- bench:pipeline:start -->` and `<!-- bench:pipeline:end -->` in
 * docs/benchmarks.md when both markers are there, and the profile of bench/results/pipeline-profile.json between
 * `<!-- bench:profile:start -->` and `<!-- bench:profile:end -->` (the file is never created, and the prose outside
 * the markers is kept). Runs no benchmark: it only renders the result files.
 *
 *   tsx bench/summarize.ts [--no-write]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { labelsRows } from './labels/summary-rows.js';
import { rolloutRows } from './rollout/summary-rows.js';
import { readJson, RESULTS_DIR, SUMMARY_FILE } from './support/results.js';

const TARGET = fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url));
const START = '<!-- bench:pipeline:start -->';
const END = '<!-- bench:pipeline:end -->';

type Json = Record<string, unknown>;
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const fmt = (v: unknown, unit = ''): string => {
  const n = num(v);
  return n === undefined ? 'n/a' : `${n.toLocaleString('en-US', { maximumFractionDigits: n < 10 ? 3 : 0 })}${unit}`;
};
const verdict = (ok: boolean | undefined): string => (ok === undefined ? 'n/a' : ok ? 'yes' : '**no**');
const get = (o: unknown, path: string): unknown => path.split('.').reduce<unknown>((x, k) => (x && typeof x === 'object' ? (x as Json)[k] : undefined), o);

const JAVA_NOTE =
  "The Java consumer is Kafka's own `ConsumerPerformance` tool reading the same records as byte arrays (no decoding); its rate is the tool's own `fetch.nMsg.sec`, from the end of its group join to the last record, so JVM start-up and the join are excluded as they are for the kafkajs consumers. It is the limit of this broker on this machine for one consumer, not a peer. ";

export function renderTable(summary: Json, files: Record<string, Json | undefined>): string {
  const s = (k: string) => summary[k];
  const tp = files['pipeline-throughput'];
  const fr = files.freshness;
  const mem = files.memory;
  const learner = files.learner;
  const ratioLog = num(s('pipeline_vs_bare_ratio_logreg'));
  const ratioMlp = num(s('pipeline_vs_bare_ratio_mlp'));
  const p99 = num(s('freshness_p99_ms'));
  const bound = num(s('freshness_bound_ms'));
  const rss = num(s('rss_growth_ratio_1m_vs_100k'));
  const rows: string[][] = [
    [
      'Throughput, logistic regression',
      `${fmt(s('pipeline_events_per_s_logreg'))} events/s (batch ${fmt(s('pipeline_batch_size_logreg'))})`,
      `bare kafkajs consumer + JSON.parse: ${fmt(s('bare_events_per_s'))} events/s (median of its runs); each pipeline run against the mean of the bare runs before and after it`,
      `${fmt(ratioLog)}, the best batch size and pass (target >= 0.8); over the fastest bare run ${fmt(s('pipeline_vs_bare_ratio_logreg_fastest_bare'))}`,
      verdict(ratioLog === undefined ? undefined : ratioLog >= 0.8),
    ],
    [
      'Throughput, MLP 64',
      `${fmt(s('pipeline_events_per_s_mlp'))} events/s (batch ${fmt(s('pipeline_batch_size_mlp'))})`,
      `same bare consumer`,
      `${fmt(ratioMlp)} (target >= 0.5); over the fastest bare run ${fmt(s('pipeline_vs_bare_ratio_mlp_fastest_bare'))}`,
      verdict(ratioMlp === undefined ? undefined : ratioMlp >= 0.5),
    ],
    ...defaultsAndCeilingRows(summary, tp),
    [
      `Freshness, publish every ${fmt(get(fr, 'inputs.publicationIntervalSeconds'))} s at ${fmt(get(fr, 'inputs.rate'))} events/s`,
      `p50 ${fmt(s('freshness_p50_ms'), ' ms')}, p99 ${fmt(p99, ' ms')}`,
      `bound 2T + checkpoint (${fmt(s('freshness_checkpoint_ms'), ' ms')}) = ${fmt(bound, ' ms')}`,
      `p99 / bound ${p99 !== undefined && bound ? fmt(p99 / bound) : 'n/a'}`,
      verdict(p99 === undefined || bound === undefined ? undefined : p99 <= bound),
    ],
    [
      'Memory (RSS after GC), logreg',
      `${fmt(s('rss_mb_1m'), ' MB')} after ${fmt(get(mem, 'rssMb.lastAt'))} events`,
      `${fmt(s('rss_mb_100k'), ' MB')} after ${fmt(get(mem, 'rssMb.firstAt'))} events`,
      `${fmt(rss)} (target <= 1.10)`,
      verdict(rss === undefined ? undefined : rss <= 1.1),
    ],
  ];
  rows.push(...labelsRows(summary));
  rows.push(...rolloutRows(summary, files.rollout));
  const takeover = num(s('takeover_p99_ms'));
  const handover = num(s('handover_p99_ms'));
  if (takeover !== undefined) {
    const session = fmt(get(files.chaos, 'config.clusterSessionTimeoutMs'), ' ms');
    rows.push(
      [
        `Takeover: SIGKILL of the leader to the successor's first batch (3 instances, ${fmt(s('chaos_kills'))} disruptions)`,
        `p50 ${fmt(s('takeover_p50_ms'), ' ms')}, p99 ${fmt(takeover, ' ms')}`,
        `session timeouts ${session}`,
        '(target p99 <= 10,000 ms)',
        verdict(takeover <= 10_000),
      ],
      [
        "Hand-over: SIGTERM of the leader to the successor's first batch",
        `p50 ${fmt(s('handover_p50_ms'), ' ms')}, p99 ${fmt(handover, ' ms')}`,
        'same run',
        '(target p99 <= 2,000 ms)',
        verdict(handover === undefined ? undefined : handover <= 2_000),
      ],
      [
        'Chaos: lineage after the run (broker restart, 30 s store outage)',
        `${fmt(s('chaos_records'))} records: ${fmt(s('chaos_lost'))} lost, ${fmt(s('chaos_applied_twice'))} applied twice, ${fmt(s('chaos_fenced_writes_accepted'))} fenced writes accepted`,
        'records produced',
        '(target 0, 0, 0)',
        verdict(s('chaos_lost') === 0 && s('chaos_applied_twice') === 0 && s('chaos_fenced_writes_accepted') === 0),
      ],
    );
  }
  const keyedRecords = num(s('keyed_records'));
  if (keyedRecords !== undefined) {
    const kc = get(files.chaos, 'keyed.chaos');
    const lost = num(s('keyed_lost'));
    const keys = get(kc, 'lineage.keysProduced');
    rows.push([
      `Chaos, keyed stream: every lineage after the run (${fmt(keys)} keys on ${fmt(s('keyed_partitions'))} partitions, 3 instances, ${fmt(s('keyed_kills'))} SIGKILL/SIGTERM, broker restart, 30 s store outage; kafka.sessionTimeoutMs ${fmt(get(kc, 'config.model.kafka.sessionTimeoutMs') ?? 6_000, ' ms')})`,
      `${fmt(keyedRecords)} records: ${fmt(s('keyed_models'))} of ${fmt(keys)} key lineages exact, ${fmt(lost)} records lost or applied twice`,
      'records in the topic per key',
      '(target: all exact, 0)',
      verdict(lost === 0 && s('keyed_exact') === true && num(s('keyed_models')) === num(keys)),
    ]);
    const stalls = (get(kc, 'drain.stalls') as Json[] | undefined) ?? [];
    if (stalls.length > 0) {
      const parts = [...new Set(stalls.flatMap((x) => ((x.partitions as Json[] | undefined) ?? []).map((p) => p.partition)))];
      const upTo = get(kc, 'upToCheckpoint.check.exact');
      rows.push([
        'Keyed: partitions stalled after the disruptions (checkpoint still for 60 s while behind the topic)',
        `${stalls.length} stall(s), partition(s) ${parts.join(', ')}; the bench sent SIGTERM to ${fmt(get(kc, 'drain.unstickRestarts'))} instance(s) holding one under a fenced epoch`,
        upTo === undefined ? 'the drain then completed' : `lineages exact up to where they end: ${verdict(upTo as boolean)}`,
        '(target: none)',
        verdict(false),
      ]);
    }
    const kill = get(kc, 'relearnAfterKill');
    const term = get(kc, 'relearnAfterTerm');
    if (kill || term)
      rows.push([
        "Keyed: an owner's partitions learned again by another process after its SIGKILL / SIGTERM",
        `SIGKILL p50 ${fmt(get(kill, 'p50_ms'), ' ms')}, p99 ${fmt(get(kill, 'p99_ms'), ' ms')}; SIGTERM p50 ${fmt(get(term, 'p50_ms'), ' ms')}, p99 ${fmt(get(term, 'p99_ms'), ' ms')}`,
        `kafka session timeout ${fmt(get(kc, 'config.model.kafka.sessionTimeoutMs') ?? 6_000, ' ms')}`,
        '',
        '',
      ]);
  }
  for (const b of (get(learner, 'backends') as Json[] | undefined) ?? []) {
    if (!b.available) continue;
    for (const m of ['logreg', 'mlp'] as const) {
      rows.push([
        `OnlineLearner.step(), ${b.backend}, ${m === 'mlp' ? 'MLP 64' : 'logreg'}, batch 256`,
        `${fmt(get(b, `${m}.step.samplesPerSecond`))} samples/s (batch 1024: ${fmt(get(b, `${m}.step1024.samplesPerSecond`))})`,
        `tfjs trainOnBatch: ${fmt(get(b, `${m}.trainOnBatch.samplesPerSecond`))} samples/s`,
        fmt(get(b, `${m}.stepVsTrainOnBatch`)),
        '',
      ]);
      if (get(b, `${m}.stepPerSample`))
        rows.push([
          `OnlineLearner.step(), ${b.backend}, ${m === 'mlp' ? 'MLP 64' : 'logreg'}, a step per sample`,
          `${fmt(get(b, `${m}.stepPerSample.samplesPerSecond`))} samples/s (every step through tfjs: ${fmt(get(b, `${m}.stepPerSampleTfjs.samplesPerSecond`))})`,
          `tfjs trainOnBatch once per sample: ${fmt(get(b, `${m}.trainOnBatchPerSample.samplesPerSecond`))} samples/s`,
          fmt(get(b, `${m}.perSampleVsTrainOnBatch`)),
          '',
        ]);
    }
  }
  const header = ['Benchmark', 'streamtrain', 'Peer / baseline (same run)', 'Ratio', 'Target met'];
  const lines = [header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`);
  const n = fmt(get(tp, 'inputs.records'));
  return [
    `Measured by \`npm run bench\` on ${String(s('machine') ?? 'n/a')}, ${String(s('date') ?? 'n/a').slice(0, 10)}; Kafka and MinIO on the same machine.`,
    '',
    ...lines,
    '',
    `Throughput: ${n} Elec2-sized JSON records (8 features + label) on 2 partitions, timed from the first fetched batch to the last learned record; the pipeline decodes, batches, learns every record and checkpoints to MinIO every 50,000. The pipeline decodes JSON with its own byte scanner (\`src/consumers/json-row-scanner.ts\`), not \`JSON.parse\`; the same bare consumer decoding with that scanner reached ${fmt(s('bare_scanner_events_per_s'))} events/s in this run (pipeline / that: ${fmt(num(s('pipeline_vs_bare_scanner_ratio_logreg')))}, a report, not the target). ${num(s('java_consumer_events_per_s')) === undefined ? '' : JAVA_NOTE}Raw numbers: \`bench/results/*.json\`.`,
    ...keyedThroughputTable(get(files.chaos, 'keyed.throughput')),
  ].join('\n');
}

/** The pipeline with the config's defaults against the bare consumer, and Kafka's Java consumer as the ceiling. */
function defaultsAndCeilingRows(summary: Json, tp: Json | undefined): string[][] {
  const s = (k: string) => summary[k];
  const rows: string[][] = [];
  const ratio = num(s('pipeline_vs_bare_ratio_defaults'));
  if (ratio !== undefined) {
    const d = get(tp, 'headline.defaults');
    const step = get(d, 'stepSamples') as Json | null | undefined;
    const range = num(step?.min) !== undefined && step?.min !== step?.max ? `, ${fmt(step?.min)} to ${fmt(step?.max)} during the run` : '';
    const every =
      num(step?.poolEveryAtEnd) === undefined
        ? ''
        : `; the pool's other members learned 1 batch in ${fmt(step?.poolEveryAtEnd)} at the end (at most ${fmt(step?.poolEveryMax)})`;
    const stepText = num(step?.atEnd) === undefined ? 'step size not reported' : `step ${fmt(step?.atEnd)} samples at the end${range}${every}`;
    rows.push([
      `Throughput, the config's defaults (\`model.type\` ${String(get(tp, 'inputs.defaultsResolved.modelType') ?? 'n/a')})`,
      `${fmt(s('pipeline_events_per_s_defaults'))} events/s, median of its runs (batch ${fmt(get(d, 'batchSize'))}, ${stepText})`,
      'the bare consumer, the mean of the runs just before and after each run',
      `${fmt(ratio)}, median of ${Array.isArray(get(d, 'ratios')) ? (get(d, 'ratios') as unknown[]).map((x) => fmt(x)).join(', ') : 'n/a'} (target >= 0.8); fastest run over fastest bare run ${fmt(s('pipeline_vs_bare_ratio_defaults_fastest_runs'))}`,
      verdict(ratio >= 0.8),
    ]);
  }
  const java = num(s('java_consumer_events_per_s'));
  if (java !== undefined)
    rows.push([
      "Throughput ceiling: Kafka's Java consumer (no decoding)",
      `pipeline, defaults: ${fmt(s('pipeline_events_per_s_defaults'))} events/s; logistic regression: ${fmt(s('pipeline_events_per_s_logreg'))}; bare kafkajs: ${fmt(s('bare_events_per_s'))}`,
      `\`kafka-tools\` ConsumerPerformance (the broker's version), same topic: ${fmt(java)} events/s`,
      `defaults ${fmt(s('pipeline_vs_java_ratio'))}, logreg ${fmt(s('pipeline_vs_java_ratio_logreg'))}, bare ${fmt(s('bare_vs_java_ratio'))}`,
      '(a limit, no target)',
    ]);
  return rows;
}

/** The keyed throughput runs of `npm run bench:chaos` (1, 2, 3 instances and the unkeyed peer), or nothing. */
function keyedThroughputTable(kt: unknown): string[] {
  const runs = get(kt, 'runs') as Json[] | undefined;
  if (!runs?.length) return [];
  const unkeyed = num(runs.find((r) => r.keyed === false)?.recordsPerSecond);
  const header = [
    'Keyed stream, backlog learned by',
    'records/s (first batch to all checkpointed)',
    'records/s from spawn',
    'startup',
    'vs unkeyed',
    'load avg (1 min) at start',
  ];
  const body = runs.map((r) => {
    const rate = num(r.recordsPerSecond);
    return [
      String(r.label ?? ''),
      `${fmt(rate)}${r.completed === false ? ` (incomplete: ${String(r.note ?? '')})` : ''}`,
      fmt(r.recordsPerSecondFromSpawn),
      fmt(r.startupMs, ' ms'),
      r.keyed === false ? '1' : rate !== undefined && unkeyed ? fmt(rate / unkeyed) : 'n/a',
      fmt((r.loadAverageBefore as number[] | undefined)?.[0]),
    ];
  });
  const cores = get(kt, 'machine.cores');
  const earlier = get(kt, 'fromEarlierRun.date') ?? get(kt, 'date');
  return [
    '',
    `Keyed throughput (\`npm run bench:chaos\`, ${String(earlier ?? 'n/a').slice(0, 10)}): ${fmt(get(kt, 'records'))} records of ${fmt(get(kt, 'keys'))} keys on ${fmt(get(kt, 'partitions'))} partitions, batch ${fmt(get(kt, 'batchSize'))}, a fresh model per run. **${fmt(cores)} cores**: the instances, Kafka and MinIO share them, so 2 and 3 instances add processes, not cores.`,
    '',
    ...[header, header.map(() => '---'), ...body].map((r) => `| ${r.join(' | ')} |`),
  ];
}

/** The profile of `bench/profile-pipeline.ts`: each thread's busy time by module, per record. */
export function renderProfile(profile: Json): string {
  const run = get(profile, 'run');
  const bareRun = get(profile, 'bare.run');
  const out = [
    `Profiled by \`npx tsx bench/profile-pipeline.ts\` on ${String(get(profile, 'machine.cpu') ?? 'n/a')} (${fmt(get(profile, 'machine.cores'))} cores), ${String(get(profile, 'date') ?? 'n/a').slice(0, 10)}: the pipeline with the config's defaults (\`model.type\` ${String(get(profile, 'inputs.defaultsResolved.modelType') ?? 'n/a')}, batch ${fmt(get(profile, 'inputs.defaultsResolved.batchSize'))}) over ${fmt(get(profile, 'inputs.records'))} records at full rate, ${fmt(get(run, 'eventsPerSecond'))} events/s under the profiler (${fmt(get(run, 'pauses'))} backpressure pauses)${bareRun ? `, then the bare kafkajs consumer on the same records, ${fmt(get(bareRun, 'eventsPerSecond'))} events/s` : ''}. Self time of each function, by the module it belongs to, over the timed interval only; V8 builtins and Node internals count for the module that called them.`,
  ];
  const threads = [...((get(profile, 'threads') as Json[] | undefined) ?? []), ...((get(profile, 'bare.threads') as Json[] | undefined) ?? [])];
  for (const t of threads) {
    out.push(
      '',
      `**${String(t.thread)}**: busy ${fmt(num(t.busyShare) === undefined ? undefined : (t.busyShare as number) * 100, '%')} of the interval, ${fmt(t.usPerRecordBusy)} us of CPU per record.`,
      '',
      '| Module | share of busy time | us per record |',
      '| --- | --- | --- |',
      ...((t.categories as Json[] | undefined) ?? [])
        .filter((c) => (num(c.shareOfBusy) ?? 0) >= 0.005)
        .map((c) => `| ${String(c.name)} | ${fmt((c.shareOfBusy as number) * 100, '%')} | ${fmt(c.usPerRecord)} |`),
    );
  }
  return out.join('\n');
}

const PROFILE_START = '<!-- bench:profile:start -->';
const PROFILE_END = '<!-- bench:profile:end -->';

/** `doc` with the text between `start` and `end` replaced, or undefined when the markers are not both there. */
export function replaceBetween(doc: string, start: string, end: string, text: string): string | undefined {
  const a = doc.indexOf(start);
  const b = doc.indexOf(end);
  if (a < 0 || b < a) return undefined;
  return `${doc.slice(0, a + start.length)}\n${text}\n${doc.slice(b)}`;
}

/** The table of the current result files, or undefined before any run. */
export function currentTable(): string | undefined {
  const summary = readJson<Json>(SUMMARY_FILE);
  if (!summary) return undefined;
  const files = Object.fromEntries(
    ['pipeline-throughput', 'freshness', 'memory', 'learner', 'chaos', 'rollout'].map((n) => [n, readJson<Json>(`${RESULTS_DIR}${n}.json`)]),
  );
  return renderTable(summary, files);
}

function main(): void {
  const table = currentTable();
  if (table === undefined) {
    process.stderr.write(`No ${SUMMARY_FILE}: run \`npm run bench\` first.\n`);
    process.exit(1);
  }
  process.stdout.write(`${table}\n`);
  if (process.argv.includes('--no-write')) return;
  let doc: string;
  try {
    doc = readFileSync(TARGET, 'utf8');
  } catch {
    return;
  }
  const updated = replaceBetween(doc, START, END, table);
  if (updated === undefined) {
    process.stderr.write(`docs/benchmarks.md has no ${START} ... ${END} markers; not modified.\n`);
    return;
  }
  doc = updated;
  const profile = readJson<Json>(`${RESULTS_DIR}pipeline-profile.json`);
  if (profile) doc = replaceBetween(doc, PROFILE_START, PROFILE_END, renderProfile(profile)) ?? doc;
  writeFileSync(TARGET, doc);
  process.stderr.write(`docs/benchmarks.md performance table${profile ? ' and profile' : ''} updated.\n`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
