/**
 * Freshness (issue #3, target 2): how long after an event is produced does a published model version that has
 * learned it reach a downstream consumer of the versions topic? Input arrives at a steady rate while the service
 * publishes every T seconds (`triggers.everySeconds: T`, `everySamples: 0`). For each produced record,
 * freshness = arrival of the first version event whose `offsets` range (`to` exclusive) covers it - its produce
 * time. Reported: p50, p99, max, and the bound `2T + checkpoint time`, where checkpoint time is measured per
 * version as event arrival - manifest `createdAt` (write blobs, manifest, LATEST, commit, announce, deliver).
 */
import type { Kafka } from 'kafkajs';
import { decodeVersionEvent, type VersionEvent } from '../src/core/index.js';
import { envInt, type BenchContext, type Benchmark } from './support/context.js';
import { createServiceTopics, createTopic } from './support/kafka.js';
import { producePaced, type ProducedRun } from './support/paced-producer.js';
import { benchConfig, benchConfigTree } from './support/pipeline-config.js';
import { progress, sleep, until } from './support/progress.js';
import { mergeSummary, percentile, round, writeResult } from './support/results.js';
import { StreamtrainService } from '../src/pipeline/index.js';

const RATE = envInt('BENCH_FRESHNESS_RATE', 2_000);
const SECONDS = envInt('BENCH_FRESHNESS_SECONDS', 30);
const T = 2;
const PARTITIONS = 2;

interface Arrival {
  readonly event: VersionEvent;
  /** performance.now() and Date.now() when the listener got it. */
  readonly at: number;
  readonly wall: number;
}

async function listen(kafka: Kafka, topic: string, groupId: string, arrivals: Arrival[]): Promise<() => Promise<void>> {
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ message }) => {
      arrivals.push({ event: decodeVersionEvent(message.value as Buffer), at: performance.now(), wall: Date.now() });
    },
  });
  return () => consumer.disconnect();
}

/** Freshness of every produced record, ms; NaN for records no version event covered. */
function freshnessOf(runs: readonly ProducedRun[], arrivals: readonly Arrival[], topic: string): Float64Array {
  const perPartition = new Map<number, { from: number; to: number; at: number }[]>();
  for (const a of arrivals) {
    for (const r of a.event.offsets) {
      if (r.topic !== topic || Number(r.to) <= Number(r.from)) continue;
      const list = perPartition.get(r.partition) ?? [];
      list.push({ from: Number(r.from), to: Number(r.to), at: a.at });
      perPartition.set(r.partition, list);
    }
  }
  const out: number[] = [];
  for (const run of runs) {
    const ranges = perPartition.get(run.partition) ?? [];
    for (let o = run.base; o < run.base + run.count; o++) {
      const hit = ranges.find((r) => r.from <= o && o < r.to);
      out.push(hit ? hit.at - run.at : Number.NaN);
    }
  }
  return Float64Array.from(out);
}

export const freshnessBenchmark: Benchmark = {
  name: 'freshness',
  sourceRecords: 0,
  async run(ctx: BenchContext) {
    const name = 'fresh';
    const topic = `${ctx.runId}.fresh-source`;
    const config = benchConfig({ services: ctx.services, runId: ctx.runId, name, topic, model: 'logreg', batchSize: 256, everySamples: 0, everySeconds: T });
    await createTopic(ctx.kafka, topic, PARTITIONS);
    await createServiceTopics(ctx.kafka, config);
    const arrivals: Arrival[] = [];
    const stopListening = await listen(ctx.kafka, config.publish.versionsTopic, `${ctx.runId}-fresh-listener`, arrivals);
    const service = new StreamtrainService({ config, logger: ctx.logger });
    const show = progress('freshness', 5_000);
    let runs: ProducedRun[] = [];
    try {
      await service.start();
      // The initial version (1.0) is announced at start-up; wait for it so the listener is live.
      await until(() => arrivals.length > 0, 30_000, 50);
      runs = await producePaced(ctx.kafka, topic, PARTITIONS, RATE, SECONDS, (sent) =>
        show(
          `${sent.toLocaleString('en-US')} records produced at ${RATE}/s, ${arrivals.length} version events, learned ${service.status().samplesTotal.toLocaleString('en-US')}`,
        ),
      );
      const ends = new Map<number, number>();
      for (const r of runs) ends.set(r.partition, Math.max(ends.get(r.partition) ?? 0, r.base + r.count));
      const covered = () =>
        [...ends].every(([p, end]) => arrivals.some((a) => a.event.offsets.some((o) => o.topic === topic && o.partition === p && Number(o.to) >= end)));
      await until(covered, 6 * T * 1000 + 10_000, 50);
      await sleep(200);
    } finally {
      await service.stop().catch((e: Error) => process.stderr.write(`[bench freshness] stop failed: ${e.message}\n`));
      await stopListening();
    }
    const fresh = freshnessOf(runs, arrivals, topic);
    const produced = fresh.length;
    const ok = Float64Array.from(fresh.filter((x) => Number.isFinite(x))).sort();
    const versions = arrivals.filter((a) => a.event.trigger !== 'initial' && a.event.trigger !== 'shutdown');
    const ckpt = Float64Array.from(versions.map((a) => a.wall - Date.parse(a.event.createdAt))).sort();
    const ckptMax = ckpt.length ? (ckpt[ckpt.length - 1] as number) : Number.NaN;
    const bound = 2 * T * 1000 + ckptMax;
    const p50 = percentile(ok, 50);
    const p99 = percentile(ok, 99);
    const within = ok.filter((x) => x <= bound).length / Math.max(1, produced);
    const gaps = versions
      .slice(1)
      .map((a, i) => a.at - (versions[i] as Arrival).at)
      .sort((a, b) => a - b);
    process.stderr.write(
      `[bench freshness] p50 ${p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms, bound 2T + checkpoint = ${bound.toFixed(0)} ms; ${versions.length} versions, ${produced - ok.length} records never covered\n`,
    );
    writeResult('freshness', {
      inputs: {
        rate: RATE,
        seconds: SECONDS,
        partitions: PARTITIONS,
        publicationIntervalSeconds: T,
        model: 'logreg',
        config: benchConfigTree({
          services: ctx.services,
          runId: '<run>',
          name,
          topic: '<topic>',
          model: 'logreg',
          batchSize: 256,
          everySamples: 0,
          everySeconds: T,
        }),
        definition:
          "freshness = arrival (at a versions-topic consumer) of the first version event whose offsets [from, to) cover the record - the record's produce time (just before its send)",
        checkpointTime: 'per version: arrival wall time - manifest createdAt (set when the write starts)',
      },
      records: produced,
      recordsCovered: ok.length,
      versions: versions.length,
      freshnessMs: {
        p50: round(p50),
        p90: round(percentile(ok, 90)),
        p99: round(p99),
        max: round(ok.length ? (ok[ok.length - 1] as number) : Number.NaN),
        min: round(ok[0] ?? Number.NaN),
      },
      checkpointMs: { p50: round(percentile(ckpt, 50)), max: round(ckptMax), all: Array.from(ckpt, (x) => round(x)) },
      versionGapMs: { p50: round(percentile(gaps, 50)), max: round(gaps[gaps.length - 1] ?? Number.NaN) },
      boundMs: round(bound),
      shareWithinBound: round(within, 4),
      p99WithinBound: p99 <= bound,
    });
    mergeSummary({
      freshness_p50_ms: round(p50),
      freshness_p99_ms: round(p99),
      freshness_bound_ms: round(bound),
      freshness_checkpoint_ms: round(ckptMax),
    });
  },
};
