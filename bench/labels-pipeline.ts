/**
 * `npm run bench -- labels` (issue #18): the service with `input.labels` against the same service without it,
 * on the same feature records in the same run. The features topic holds BENCH_LABELS_N (1,000,000) Elec2-sized
 * records with an `id` and their label `y`; the labels topic holds every label `{id, y}`, stamped 0 to 48 s after
 * its feature record (`maxDelayMs` 60 s), produced ahead (bench/labels/stream.ts), so both runs read at full rate.
 *
 * - plain: the config's defaults (bench/support/defaults-config.ts), reading `y` from the feature records;
 * - labels: the same config plus `input.labels` (the label topic, `idField: id`, `labelField: y`, `maxDelayMs`
 *   60,000, `idleGraceMs` 3 h: the records are stamped in the past, so the idle clock must not expire them).
 *
 * Each is timed from its first fetched batch until N records are learned (bench/support/timed-service.ts); the
 * labels run's N examples are the N feature records joined with their labels. Both run twice, interleaved
 * (plain, labels, plain, labels), and each is credited with its faster run. Writes
 * bench/results/labels-pipeline.json and the summary keys `labels_pipeline_vs_plain_ratio`,
 * `labels_pipeline_events_per_s`, `labels_plain_events_per_s`.
 */
import os from 'node:os';
import type { ServiceStatus } from '../src/pipeline/index.js';
import { parseConfig } from '../src/core/index.js';
import { fillLabelsStream } from './labels/fill.js';
import type { LabelsStreamOptions } from './labels/stream.js';
import { envInt, type BenchContext, type Benchmark } from './support/context.js';
import { defaultsConfigTree } from './support/defaults-config.js';
import { s3Env } from './support/env.js';
import { createServiceTopics, createTopic } from './support/kafka.js';
import { progress } from './support/progress.js';
import { mergeSummary, round, writeResult } from './support/results.js';
import { runService, type ServiceRun } from './support/timed-service.js';

const N = envInt('BENCH_LABELS_N', 1_000_000);
const RUN_TIMEOUT_MS = envInt('BENCH_RUN_TIMEOUT_MS', 150_000);
const MAX_DELAY_MS = 60_000;
const PARTITIONS = 2;

type Side = 'plain' | 'labels';

interface Row extends ServiceRun {
  readonly side: Side;
  readonly pass: number;
  /** The join's status at the end of a labels run. */
  readonly join?: unknown;
}

function config(ctx: BenchContext, side: Side, pass: number, featureTopic: string, labelTopic: string) {
  const tree = defaultsConfigTree({ services: ctx.services, runId: ctx.runId, name: `lp-${side}-r${pass}`, topic: featureTopic });
  if (side === 'labels') {
    const input = tree.input as Record<string, unknown>;
    input.labels = { topic: labelTopic, idField: 'id', labelField: 'y', maxDelayMs: MAX_DELAY_MS, idleGraceMs: 3 * 3_600_000 };
  }
  return { tree, parsed: parseConfig(tree, { env: { ...s3Env(ctx.services), KAFKA_BROKERS: ctx.services.brokers.join(',') } }) };
}

async function run(ctx: BenchContext, side: Side, pass: number, featureTopic: string, labelTopic: string): Promise<Row> {
  const { parsed } = config(ctx, side, pass, featureTopic, labelTopic);
  await createServiceTopics(ctx.kafka, parsed);
  const show = progress('labels', 3_000);
  let last: ServiceStatus | undefined;
  const r = await runService({
    config: parsed,
    logger: ctx.logger,
    n: N,
    timeoutMs: RUN_TIMEOUT_MS,
    onPoll: (s) => {
      last = s;
      show(`${side} #${pass}: ${s.samplesTotal.toLocaleString('en-US')}/${N.toLocaleString('en-US')} learned`);
    },
  });
  process.stderr.write(
    `[bench labels] ${side} #${pass}: ${Math.round(r.eventsPerSecond).toLocaleString('en-US')} events/s over ${r.seconds.toFixed(1)} s (${r.pauses} backpressure pauses${r.completed ? '' : ', TIMED OUT'})\n`,
  );
  const join = (last as { labels?: unknown } | undefined)?.labels;
  return { side, pass, ...r, ...(join ? { join } : {}) };
}

export const labelsPipelineBenchmark: Benchmark = {
  name: 'labels-pipeline',
  sourceRecords: 0,
  async run(ctx) {
    const featureTopic = `${ctx.runId}.lp-features`;
    const labelTopic = `${ctx.runId}.lp-labels`;
    await createTopic(ctx.kafka, featureTopic, PARTITIONS);
    await createTopic(ctx.kafka, labelTopic, PARTITIONS);
    const stream: LabelsStreamOptions = {
      count: N,
      partitions: PARTITIONS,
      base: Date.now() - 2 * 3_600_000,
      periodMs: 1,
      maxDelayMs: MAX_DELAY_MS,
      missingShare: 0,
      lateShare: 0,
      seed: 18,
    };
    const fillSeconds = await fillLabelsStream(featureTopic, labelTopic, stream);
    process.stderr.write(`[bench labels] filled ${N.toLocaleString('en-US')} feature and label records in ${fillSeconds.toFixed(0)} s\n`);
    const loadAverageAtStart = os.loadavg().map((x) => round(x, 2));
    const rows: Row[] = [];
    for (const pass of [1, 2]) for (const side of ['plain', 'labels'] as const) rows.push(await run(ctx, side, pass, featureTopic, labelTopic));
    const best = (side: Side) => rows.filter((r) => r.side === side).sort((a, b) => b.eventsPerSecond - a.eventsPerSecond)[0] as Row;
    const plain = best('plain');
    const labels = best('labels');
    const ratio = labels.eventsPerSecond / plain.eventsPerSecond;
    process.stderr.write(
      `[bench labels] with input.labels ${Math.round(labels.eventsPerSecond).toLocaleString('en-US')} events/s, plain ${Math.round(plain.eventsPerSecond).toLocaleString('en-US')} events/s: ratio ${ratio.toFixed(3)}\n`,
    );
    const complete = plain.completed && labels.completed;
    writeResult('labels-pipeline', {
      inputs: {
        records: N,
        partitions: PARTITIONS,
        stream: { ...stream, base: '<2 h before the run>' },
        record: 'features: {id, x1..x8 (rotating hyperplane, 6 decimals), y}; labels: {id, y}, every label present, delays uniform in [0, 48 s]',
        plainConfig: config(ctx, 'plain', 0, '<features>', '<labels>').tree,
        labelsConfig: config(ctx, 'labels', 0, '<features>', '<labels>').tree,
        timing: 'from the first delivered Kafka batch until status().samplesTotal >= N; two runs of each side, interleaved, the faster credited',
      },
      fillSeconds: round(fillSeconds, 1),
      loadAverageAtStart,
      runs: rows.map((r) => ({ ...r, eventsPerSecond: round(r.eventsPerSecond), seconds: round(r.seconds, 2), cpuSeconds: round(r.cpuSeconds, 2) })),
      plainEventsPerSecond: round(plain.eventsPerSecond),
      labelsEventsPerSecond: round(labels.eventsPerSecond),
      ratio: round(ratio, 3),
      complete,
    });
    mergeSummary({
      labels_pipeline_vs_plain_ratio: complete ? round(ratio, 3) : null,
      labels_pipeline_events_per_s: round(labels.eventsPerSecond),
      labels_plain_events_per_s: round(plain.eventsPerSecond),
      labels_pipeline_records: N,
    });
  },
};
