/**
 * `npm run bench:labels-chaos` (issue #18): exactly once through the label join across repeated SIGKILLs, larger
 * than test/integration/pipeline-labels-crash.int.test.ts. One `streamtrain run` process with `input.labels`
 * reads a features topic and a labels topic (2 partitions each): BENCH_LABELS_CHAOS_N (60,000) feature records,
 * 10% of labels missing and 5% late (bench/labels/stream.ts; `maxDelayMs` 2 s), produced in slices, one per
 * process (feature records, then the labels stamped up to the previous slice: labels come later). The bench
 * SIGKILLs the process BENCH_LABELS_CHAOS_KILLS (12) times, each a seeded 0.3 to 2.8 s after it published a
 * version of its own (or after 30 s without one), and starts the next one; then the last slice and sentinels
 * close the windows (a feature record per feature partition, a label far ahead per label partition), a last
 * process runs until the newest version counts every feature record, and is stopped. The lineage is then checked (bench/labels/chaos-check.ts): lost and applied
 * twice (both must be 0), the outcome each record's timestamps give, and the offset ranges tiling both topics.
 *
 * Records are stamped an hour in the past and `idleGraceMs` is 3 h, so no expiry depends on the clock: every
 * outcome is the records'. Bounded: BENCH_LABELS_CHAOS_SECONDS (600) is a hard deadline for the run. Only this
 * bench's process is killed; Kafka and MinIO stay up (the shared services are fine). Every topic, group and S3 key
 * starts with the run id and is deleted at the end. Writes bench/results/labels-chaos.json and the summary keys
 * `labels_lost_after_kills`, `labels_applied_twice_after_kills`, `labels_chaos_kills`, `labels_chaos_records`.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLatestPointer, readManifest, S3Store } from '../src/checkpoints/index.js';
import { parseConfig } from '../src/core/index.js';
import { readLineage } from './chaos/analysis.js';
import { freePort } from './chaos/instances.js';
import { rng } from './chaos/random.js';
import { checkLabelsLineage } from './labels/chaos-check.js';
import { spawnService } from './labels/service-process.js';
import { labelsStream, type LabelsStreamOptions, type TimedMessage } from './labels/stream.js';
import { envInt } from './support/context.js';
import { benchServices, s3Env } from './support/env.js';
import { benchKafka, createServiceTopics, createTopic, deleteGroups, deleteObjects, deleteTopics, newRunId } from './support/kafka.js';
import { FEATURES } from './support/pipeline-config.js';
import { sleep } from './support/progress.js';
import { mergeSummary, writeResult } from './support/results.js';

process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';

const N = envInt('BENCH_LABELS_CHAOS_N', 60_000);
const KILLS = envInt('BENCH_LABELS_CHAOS_KILLS', 12);
const SECONDS = envInt('BENCH_LABELS_CHAOS_SECONDS', 600);
const SEED = envInt('BENCH_LABELS_CHAOS_SEED', 1818);
const PARTITIONS = 2;
const MAX_DELAY_MS = 2_000;
/** How long the bench waits for a process to publish a version of its own before killing it anyway. */
const VERSION_WAIT_MS = 30_000;

const log = (msg: string) => process.stderr.write(`[labels-chaos] ${msg}\n`);
const services = benchServices();
const runId = newRunId();
const kafka = benchKafka(services.brokers);
const deadline = Date.now() + SECONDS * 1000;
const left = () => Math.max(0, deadline - Date.now());
const model = 'lchaos';
const featureTopic = `${runId}.lc-features`;
const labelTopic = `${runId}.lc-labels`;
const dir = mkdtempSync(join(tmpdir(), 'st-labels-chaos-'));
const logFile = join(dir, 'service.log');
/** The service process running now, killed if the bench is interrupted. */
let current: ReturnType<typeof spawnService> | undefined;

function tree(port: number): Record<string, unknown> {
  return {
    model: { name: model, type: 'logistic', optimizer: { type: 'adam', learningRate: 0.05 } },
    kafka: {
      brokers: services.brokers,
      topics: [featureTopic],
      groupId: `${runId}-${model}`,
      fromBeginning: true,
      sessionTimeoutMs: 6_000,
      heartbeatIntervalMs: 500,
    },
    input: {
      features: FEATURES.map((field) => ({ field })),
      label: { field: 'y' },
      labels: {
        topic: labelTopic,
        idField: 'id',
        labelField: 'y',
        maxDelayMs: MAX_DELAY_MS,
        defaultLabel: 0,
        idleGraceMs: 3 * 3_600_000,
        lateToDeadLetter: true,
      },
    },
    deadLetter: { topic: `${runId}.${model}.dlq` },
    batch: { size: 500, maxWaitMs: 200 },
    triggers: { everySamples: 2_000, everySeconds: 1, minGapSeconds: 0 },
    publish: { versionsTopic: `${runId}.${model}.versions` },
    drift: { topic: `${runId}.${model}.drift` },
    checkpoints: { store: { type: 's3', prefix: runId } },
    server: { port },
    logLevel: 'info',
  };
}

async function produce(topic: string, messages: readonly TimedMessage[]): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += 2_000)
      await producer.send({
        topic,
        acks: -1,
        messages: messages.slice(i, i + 2_000).map((m) => ({ value: m.value, partition: m.partition, timestamp: String(m.timestamp) })),
      });
  } finally {
    await producer.disconnect();
  }
}

async function main(): Promise<boolean> {
  const options: LabelsStreamOptions = {
    count: N,
    partitions: PARTITIONS,
    base: Date.now() - 3_600_000,
    periodMs: 20,
    maxDelayMs: MAX_DELAY_MS,
    missingShare: 0.1,
    lateShare: 0.05,
    seed: SEED,
  };
  const stream = labelsStream(options);
  const features = [...stream.features()];
  const labels = stream.labels.map((l) => l.message);
  // Sentinels: a feature record per partition after every window, a label per label partition far ahead of it.
  const end = options.base + N * options.periodMs + 10 * MAX_DELAY_MS;
  const sentinelFeatures = Array.from({ length: PARTITIONS }, (_, p) => ({
    partition: p,
    timestamp: end,
    value: JSON.stringify({ id: `sentinel-${p}`, y: 0, ...Object.fromEntries(FEATURES.map((f) => [f, 0])) }),
  }));
  const sentinelLabels = Array.from({ length: PARTITIONS }, (_, p) => ({
    partition: p,
    timestamp: end + 2 * MAX_DELAY_MS,
    value: JSON.stringify({ id: `sentinel-label-${p}`, y: 0 }),
  }));
  const t = tree(await freePort());
  await createTopic(kafka, featureTopic, PARTITIONS);
  await createTopic(kafka, labelTopic, PARTITIONS);
  await createServiceTopics(kafka, parseConfig(t, { env: s3Env(services) }));
  const configPath = join(dir, 'streamtrain.json');
  writeFileSync(configPath, JSON.stringify(t, null, 2));
  const env = { ...s3Env(services), KAFKA_BROKERS: services.brokers.join(',') };
  log(`run ${runId}: ${N.toLocaleString('en-US')} feature records, ${labels.length.toLocaleString('en-US')} labels, ${KILLS} kills; log ${logFile}`);

  const started = Date.now();
  // Slice k: feature records, then the labels stamped up to the end of slice k - 1 (labels come later).
  const slice = Math.ceil(N / (KILLS + 1));
  let sentLabels = 0;
  const produceSlice = async (k: number) => {
    const from = k * slice;
    await produce(featureTopic, features.slice(from, from + slice));
    const upTo = from > 0 ? (features[from - 1] as TimedMessage).timestamp : -Infinity;
    const due = labels.slice(sentLabels).findIndex((l) => l.timestamp > upTo);
    const n = due < 0 ? labels.length - sentLabels : due;
    await produce(labelTopic, labels.slice(sentLabels, sentLabels + n));
    sentLabels += n;
  };

  const store = new S3Store({ ...services.s3, prefix: runId });
  const draw = rng(SEED);
  const kills: { at: number; afterVersionMs: number; version?: string }[] = [];
  // Each process gets a slice of its own to learn, publishes a version, and is killed a seeded while later.
  for (let k = 0; k < KILLS && left() > 0; k++) {
    const before = await readLatestPointer(store, model);
    const producing = produceSlice(k);
    const child = (current = spawnService(configPath, logFile, env));
    let version: string | undefined;
    const waitUntil = Date.now() + VERSION_WAIT_MS;
    while (left() > 0 && Date.now() < waitUntil && (version = await readLatestPointer(store, model)) === before) await sleep(100);
    if (version === before) version = undefined;
    const delay = 300 + Math.floor(draw() * 2_500);
    await sleep(Math.min(delay, left()));
    child.kill('SIGKILL');
    await child.exited;
    await producing;
    kills.push({ at: Date.now() - started, afterVersionMs: delay, ...(version ? { version } : {}) });
    log(`kill ${k + 1}/${KILLS} at ${((Date.now() - started) / 1000).toFixed(1)} s (version ${version ?? 'none'} + ${delay} ms)`);
  }
  await produceSlice(KILLS);
  await produce(labelTopic, labels.slice(sentLabels));
  await produce(featureTopic, sentinelFeatures);
  await produce(labelTopic, sentinelLabels);
  const featureRecords = N + PARTITIONS;
  const final = (current = spawnService(configPath, logFile, env));
  let total = 0;
  while (left() > 0) {
    const latest = await readLatestPointer(store, model);
    total = latest === undefined ? 0 : (await readManifest(store, model, latest)).samples.total;
    if (total >= featureRecords) break;
    await sleep(500);
  }
  const drained = total >= featureRecords;
  final.kill('SIGTERM');
  const code = await Promise.race([final.exited, sleep(30_000).then(() => 'timeout' as const)]);
  if (code === 'timeout') final.kill('SIGKILL');
  log(
    `${drained ? 'drained' : 'NOT drained'}: latest counts ${total.toLocaleString('en-US')} of ${featureRecords.toLocaleString('en-US')} feature records; final process exit ${String(code)}`,
  );

  const lineage = await readLineage(store, model);
  await store.close();
  const featureEnds = Array.from({ length: PARTITIONS }, (_, p) => features.filter((f) => f.partition === p).length + 1);
  const labelEnds = Array.from({ length: PARTITIONS }, (_, p) => labels.filter((l) => l.partition === p).length + 1);
  const check = checkLabelsLineage(lineage, stream.expected, PARTITIONS, featureEnds, labelEnds);
  log(
    `lineage: ${check.versions} versions by ${check.writers} processes; ${check.samplesLearned} learned for ${check.featureRecords} feature records: lost ${check.lost}, applied twice ${check.appliedTwice}, tiling breaks ${check.tilingBreaks}, outcomes as the records say ${check.outcomesAsRecordsSay}: ${check.exact ? 'EXACT' : 'NOT EXACT'}`,
  );
  writeResult('labels-chaos', {
    inputs: {
      stream: { ...options, base: '<1 h before the run>' },
      kills: KILLS,
      seed: SEED,
      slices: KILLS + 1,
      config: { ...t, kafka: { ...(t.kafka as object), brokers: '<brokers>' } },
      protocol:
        'one process at a time, a slice of the stream produced as it starts; each SIGKILLed a seeded 0.3-2.8 s after it published a version of its own, the next started at once; then the last slice, sentinels, a last process until the newest version counts every feature record, SIGTERM',
    },
    kills,
    wallSeconds: Math.round((Date.now() - started) / 1000),
    drained,
    check,
  });
  mergeSummary({
    labels_lost_after_kills: check.lost,
    labels_applied_twice_after_kills: check.appliedTwice,
    labels_chaos_kills: kills.length,
    labels_chaos_records: check.featureRecords,
    labels_chaos_exact: check.exact,
  });
  return check.exact && drained;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    current?.kill('SIGKILL');
    log(`${signal}: cleaning up`);
    void Promise.all([deleteTopics(kafka, runId), deleteGroups(kafka, runId), deleteObjects(services, runId)])
      .catch(() => undefined)
      .finally(() => process.exit(130));
  });

let ok = false;
try {
  ok = await main();
} catch (err) {
  log(`FAILED: ${(err as Error).stack ?? String(err)}`);
} finally {
  await deleteTopics(kafka, runId).catch(() => []);
  await deleteGroups(kafka, runId).catch(() => []);
  await deleteObjects(services, runId).catch(() => 0);
}
process.exit(ok ? 0 : 1);
