/**
 * `npm run bench`: the performance benchmarks of issue #3, each against a peer or baseline in the same run.
 *
 *   tsx bench/run.ts [throughput] [freshness] [memory] [learner] [labels]     (all five when none is named)
 *
 * Needs the local services (`npm run services:up`). Every topic, consumer group and S3 key a run creates starts
 * with its run id and is deleted at the end, also after a failure or Ctrl-C. Results: bench/results/*.json and
 * summary.json; `tsx bench/summarize.ts` renders them into docs/benchmarks.md. Scale with BENCH_THROUGHPUT_N,
 * BENCH_BATCH_SIZES, BENCH_MEMORY_N, BENCH_FRESHNESS_SECONDS (see each benchmark's header).
 */
import { freshnessBenchmark } from './freshness.js';
import { labelsPipelineBenchmark } from './labels-pipeline.js';
import { learnerBenchmark } from './learner.js';
import { memoryBenchmark } from './memory.js';
import { throughputBenchmark } from './pipeline-throughput.js';
import type { BenchContext, Benchmark } from './support/context.js';
import { benchServices } from './support/env.js';
import { fillTopic } from './support/fill.js';
import { benchKafka, benchLogger, deleteGroups, deleteObjects, deleteTopics, newRunId } from './support/kafka.js';
import { currentTable } from './summarize.js';

// kafkajs warns on every producer built without an explicit partitioner (the service's own producers do).
process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';

const ALL: Record<string, Benchmark> = {
  throughput: throughputBenchmark,
  freshness: freshnessBenchmark,
  memory: memoryBenchmark,
  learner: learnerBenchmark,
  labels: labelsPipelineBenchmark,
};
const PARTITIONS = 2;

const names = process.argv.slice(2);
const unknown = names.filter((n) => !(n in ALL));
if (unknown.length) {
  process.stderr.write(`Unknown benchmark ${unknown.join(', ')}; choose from ${Object.keys(ALL).join(', ')}\n`);
  process.exit(2);
}
const selected = (names.length ? names : Object.keys(ALL)).map((n) => ALL[n] as Benchmark);

const services = benchServices();
const runId = newRunId();
const kafka = benchKafka(services.brokers);
const logger = benchLogger();
const sourceRecords = Math.max(0, ...selected.map((b) => b.sourceRecords));
const ctx: BenchContext = { services, runId, kafka, logger, sourceTopic: `${runId}.source`, sourceRecords, sourcePartitions: PARTITIONS };

let cleaning: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    const topics = await deleteTopics(kafka, runId).catch((e: Error) => (process.stderr.write(`[bench] topic cleanup failed: ${e.message}\n`), []));
    const groups = await deleteGroups(kafka, runId).catch(() => []);
    const objects = await deleteObjects(services, runId).catch((e: Error) => (process.stderr.write(`[bench] object cleanup failed: ${e.message}\n`), 0));
    process.stderr.write(`[bench] cleanup: ${topics.length} topics, ${groups.length} groups, ${objects} objects under ${runId}/\n`);
  })();
  return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`[bench] ${signal}: cleaning up\n`);
    void cleanup().finally(() => process.exit(130));
  });
}

const started = performance.now();
let failed = false;
try {
  process.stderr.write(`[bench] run ${runId}: ${selected.map((b) => b.name).join(', ')}\n`);
  if (sourceRecords > 0) await fillTopic(kafka, ctx.sourceTopic, sourceRecords, PARTITIONS);
  for (const b of selected) {
    const t = performance.now();
    try {
      await b.run(ctx);
      process.stderr.write(`[bench] ${b.name} done in ${((performance.now() - t) / 1000).toFixed(0)} s\n`);
    } catch (err) {
      failed = true;
      process.stderr.write(`[bench] ${b.name} FAILED: ${(err as Error).stack ?? String(err)}\n`);
    }
  }
} finally {
  await cleanup();
  const table = currentTable();
  if (table)
    process.stderr.write(`\n${table}\n\n(\`npx tsx bench/summarize.ts\` writes this table into docs/benchmarks.md between its bench:pipeline markers)\n`);
  process.stderr.write(`[bench] total ${((performance.now() - started) / 1000).toFixed(0)} s; results in bench/results/\n`);
}
process.exit(failed ? 1 : 0);
