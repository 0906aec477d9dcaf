/**
 * Child process of the memory benchmark (run as `node --expose-gc --import tsx bench/memory-child.ts`), so that
 * nothing else of the run lives in its heap. Runs the service (logreg) over the pre-filled topic and samples
 * memory after a full GC at every 100k learned records, while the stream is still flowing (the topic holds more
 * than the last sample point). Prints one JSON object on stdout.
 */
import { benchServices } from './support/env.js';
import { benchKafka, benchLogger, createServiceTopics } from './support/kafka.js';
import { benchConfig } from './support/pipeline-config.js';
import { round } from './support/results.js';
import { runService } from './support/timed-service.js';
import { tf } from '../src/learner/index.js';

const [runId, topic, nArg, stepArg, batchArg] = process.argv.slice(2);
const n = Number(nArg);
const step = Number(stepArg);
const batchSize = Number(batchArg);
const gc = (globalThis as { gc?: () => void }).gc;
if (!runId || !topic || !Number.isInteger(n) || !Number.isInteger(step) || !Number.isInteger(batchSize) || !gc) {
  process.stderr.write('usage: node --expose-gc --import tsx bench/memory-child.ts <runId> <topic> <n> <step> <batchSize>\n');
  process.exit(2);
}

/** One memory reading; bench/memory.ts reads these from this child's output. */
export interface Sample {
  readonly samples: number;
  readonly rssMb: number;
  readonly heapUsedMb: number;
  readonly externalMb: number;
  readonly arrayBuffersMb: number;
  readonly tfTensors: number;
  readonly tfMb: number;
}

const mb = (b: number) => round(b / 2 ** 20, 1);
function sample(samples: number): Sample {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  const t = tf.memory();
  return {
    samples,
    rssMb: mb(m.rss),
    heapUsedMb: mb(m.heapUsed),
    externalMb: mb(m.external),
    arrayBuffersMb: mb(m.arrayBuffers),
    tfTensors: t.numTensors,
    tfMb: mb(t.numBytes),
  };
}

const services = benchServices();
const logger = benchLogger();
// BENCH_MEMORY_EVERY_SAMPLES publishes more often, to see whether memory grows with the number of versions.
const everySamples = Number(process.env.BENCH_MEMORY_EVERY_SAMPLES ?? 50_000);
const config = benchConfig({ services, runId, name: 'mem-logreg', topic, model: 'logreg', batchSize, everySamples, everySeconds: 60 });
await createServiceTopics(benchKafka(services.brokers), config);
const before = sample(0);
const samples: Sample[] = [];
let next = step;
const run = await runService({
  config,
  logger,
  n,
  timeoutMs: 170_000,
  pollMs: 50,
  onPoll: (s) => {
    if (s.samplesTotal < next) return;
    const x = sample(s.samplesTotal);
    samples.push(x);
    process.stderr.write(
      `[bench memory] ${s.samplesTotal.toLocaleString('en-US')} learned: rss ${x.rssMb} MB, heap ${x.heapUsedMb} MB, tensors ${x.tfTensors}\n`,
    );
    while (next <= s.samplesTotal) next += step;
  },
});
process.stdout.write(`${JSON.stringify({ before, samples, run: { ...run, eventsPerSecond: round(run.eventsPerSecond) }, batchSize, everySamples })}\n`);
process.exit(0);
