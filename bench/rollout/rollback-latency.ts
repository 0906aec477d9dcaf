/**
 * `npm run bench:rollback`: how fast every subscriber serves the version an operator rolls back to, against the
 * real broker and MinIO. Two subscribers follow a model with two versions; each round an operator decision
 * (`rollback` to one version, then `pin` of the other) is written to the store and announced, and the time until
 * both subscribers serve it is measured. The peer in the same run is the ordinary hot reload: a new version
 * written and announced on the versions topic until both serve it. Rounds: BENCH_ROLLBACK_N (default 60).
 * Writes bench/results/rollback.json and the summary keys `rollback_p50_ms`, `rollback_p99_ms`,
 * `rollback_vs_hot_reload_p50_ratio`. Every topic and object starts with the run id and is deleted at the end.
 */
import { createLogger, encodeVersionEvent, parseConfig, type StreamtrainConfig } from '../../src/core/index.js';
import { S3Store, writeCheckpoint, type ObjectStore } from '../../src/checkpoints/index.js';
import { operatorDecision } from '../../src/decider/index.js';
import { OnlineLearner } from '../../src/learner/index.js';
import { ModelSubscriber } from '../../src/subscriber/index.js';
import { benchServices } from '../support/env.js';
import { benchKafka, createTopic, deleteObjects, deleteTopics, newRunId } from '../support/kafka.js';
import { mergeSummary, percentile, round, writeResult } from '../support/results.js';

// The AWS SDK's Node 22 notice, once per process, is not a result (see src/cli/main.ts).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const ROUNDS = Number(process.env.BENCH_ROLLBACK_N ?? 60);
const logger = createLogger({ level: 'silent' });
const services = benchServices();
const runId = newRunId();
const kafka = benchKafka(services.brokers);
const model = `${runId}-rollback`;
const topics = { versions: `${runId}.versions`, decisions: `${runId}.decisions`, source: `${runId}.source` };
const config: StreamtrainConfig = parseConfig(
  {
    model: { name: model, type: 'logistic' },
    kafka: { brokers: services.brokers, topics: [topics.source], groupId: `${runId}-g` },
    input: { features: [{ field: 'a' }, { field: 'b' }, { field: 'c' }], label: { field: 'y' } },
    publish: { versionsTopic: topics.versions },
    rollout: { decisionsTopic: topics.decisions },
    checkpoints: {
      store: {
        type: 's3',
        bucket: services.s3.bucket,
        endpoint: services.s3.endpoint,
        region: services.s3.region,
        forcePathStyle: services.s3.forcePathStyle,
        prefix: runId,
      },
    },
  },
  { env: { S3_ACCESS_KEY_ID: services.s3.accessKeyId, S3_SECRET_ACCESS_KEY: services.s3.secretAccessKey } },
);

async function writeVersion(store: ObjectStore, learner: OnlineLearner, version: string, samples: number): Promise<string> {
  const written = await writeCheckpoint(
    store,
    {
      model,
      version,
      parents: [],
      createdAt: new Date().toISOString(),
      trigger: { reason: 'samples' },
      samples: { total: samples, sinceParent: samples },
      offsets: [],
      metrics: {},
      drift: {},
      streamtrainVersion: 'bench',
      backend: 'cpu',
      modelSpec: {},
    },
    await learner.snapshot(),
    {},
  );
  return written.uri;
}

async function until(cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

async function main(): Promise<void> {
  for (const t of Object.values(topics)) await createTopic(kafka, t, 1);
  const store = new S3Store({ ...services.s3, prefix: runId });
  const learner = await OnlineLearner.create({ spec: config.model, inputWidth: 3, metricsWindow: 100, logger });
  const subs: ModelSubscriber[] = [];
  const producer = kafka.producer();
  try {
    await writeVersion(store, learner, '1.0', 0);
    await writeVersion(store, learner, '1.1', 1);
    for (let i = 0; i < 2; i++) {
      const s = new ModelSubscriber({ kafka, versionsTopic: topics.versions, model, store, logger, rollout: { decisionsTopic: topics.decisions } });
      await s.start();
      subs.push(s);
    }
    await producer.connect();
    const serving = (v: string) => subs.every((s) => s.version === v);
    const rollback: number[] = [];
    const reload: number[] = [];
    let minor = 2;
    for (let round = 0; round < ROUNDS; round++) {
      // The operator: serve 1.0 now, then hold the newest version again.
      const target = round % 2 === 0 ? '1.0' : `1.${minor - 1}`;
      const t0 = performance.now();
      await operatorDecision({
        config,
        store,
        kafka,
        action: round % 2 === 0 ? { kind: 'rollback', to: target, training: 'continue' } : { kind: 'pin', to: target },
        by: 'bench',
        reason: `round ${round}`,
      });
      await until(() => serving(target), 10_000);
      rollback.push(performance.now() - t0);
      if (round % 2 === 1) {
        // The peer: a new version, written and announced as the trainer does, while unpinned.
        await operatorDecision({ config, store, kafka, action: { kind: 'unpin' }, by: 'bench', reason: 'peer' });
        await until(() => subs.every((s) => s.status().rollout?.pin === undefined), 10_000);
        const version = `1.${minor++}`;
        const t1 = performance.now();
        const uri = await writeVersion(store, learner, version, minor);
        const event = {
          model,
          version,
          parents: [],
          uri,
          createdAt: new Date().toISOString(),
          samplesTotal: minor,
          samplesSinceParent: 1,
          metrics: {},
          offsets: [],
          trigger: 'samples',
          triggerDetail: null,
        };
        await producer.send({ topic: topics.versions, messages: [{ key: model, value: encodeVersionEvent(event) }] });
        await until(() => serving(version), 10_000);
        reload.push(performance.now() - t1);
      }
    }
    const sorted = (a: number[]) => [...a].sort((x, y) => x - y);
    const rb = sorted(rollback);
    const hr = sorted(reload);
    const figures = {
      rounds: ROUNDS,
      subscribers: subs.length,
      rollback_ms: { p50: round(percentile(rb, 50), 1), p90: round(percentile(rb, 90), 1), p99: round(percentile(rb, 99), 1), max: round(rb.at(-1) ?? 0, 1) },
      hot_reload_ms: { p50: round(percentile(hr, 50), 1), p90: round(percentile(hr, 90), 1), p99: round(percentile(hr, 99), 1), max: round(hr.at(-1) ?? 0, 1) },
    };
    writeResult('rollback', {
      description:
        'Operator decision (rollback / pin) written to MinIO and announced on Kafka until two subscribers serve it; peer: a new version written and announced until both serve it.',
      ...figures,
    });
    mergeSummary({
      rollback_p50_ms: figures.rollback_ms.p50,
      rollback_p99_ms: figures.rollback_ms.p99,
      rollback_vs_hot_reload_p50_ratio: round(figures.rollback_ms.p50 / figures.hot_reload_ms.p50, 3),
    });
    process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
  } finally {
    for (const s of subs) await s.stop();
    await producer.disconnect();
    learner.dispose();
    await store.close();
    await deleteTopics(kafka, runId).catch(() => []);
    await deleteObjects(services, runId).catch(() => 0);
  }
}

await main();
