import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, decodePredictionEvent, encodeVersionEvent, formatVersion, parseConfig, type StreamtrainConfig } from '../../src/core/index.js';
import { listVersions, readDecisions, readManifest, S3Store, writeCheckpoint, type ObjectStore } from '../../src/checkpoints/index.js';
import { Decider, operatorDecision } from '../../src/decider/index.js';
import { OnlineLearner } from '../../src/learner/index.js';
import { StreamtrainService } from '../../src/pipeline/index.js';
import { serveDecider } from '../../src/server/index.js';
import { ModelSubscriber } from '../../src/subscriber/index.js';
import { consumeUntil, createTopic, produceValues, testKafka, uniqueName, waitFor } from '../support/kafka-helpers.js';
import { seaRecords, testConfig, testConfigTree } from '../support/pipeline-config.js';
import { spawnService } from '../support/service-process.js';
import { separableBatch } from '../support/separable-batch.js';
import { manifestInput } from '../support/store-contract.js';
import { kafkaBrokers, s3Settings } from './services.js';

/**
 * Safe rollout against the real broker and MinIO: two subscribers serve and log, a decider joins their
 * predictions with labels and decides. A good line ramps through the canary to 100% on both; a line trained on
 * flipped labels is rejected on both; `rollback` switches both within a second; under shadow both models are
 * scored on the same requests.
 */
const logger = createLogger({ level: 'silent' });
const WIDTH = 3;

/** y = 1 iff x0 + x1 > 1, as separableBatch draws it. */
const truth = (x: Float32Array) => ((x[0] as number) + (x[1] as number) > 1 ? 1 : 0);

async function writeVersion(
  store: ObjectStore,
  config: StreamtrainConfig,
  version: string,
  parents: string[],
  o: { batches: number; flip?: boolean; seed: number },
) {
  const learner = await OnlineLearner.create({ spec: config.model, inputWidth: WIDTH, metricsWindow: 100, logger });
  try {
    for (let b = 0; b < o.batches; b++) {
      const batch = separableBatch(o.seed + b);
      if (o.flip) for (let i = 0; i < batch.size; i++) batch.labels[i] = 1 - (batch.labels[i] as number);
      learner.step(batch);
    }
    const { input } = config;
    const modelSpec = { model: config.model, input: { features: input.features, label: input.label, missing: input.missing } };
    return await writeCheckpoint(store, { ...manifestInput(config.model.name, version, parents, 64 * o.batches), modelSpec }, await learner.snapshot(), {});
  } finally {
    learner.dispose();
  }
}

describe('rollout (real Kafka and MinIO)', () => {
  let kafka: Kafka;
  let brokers: string[];
  const cleanup: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    brokers = await kafkaBrokers();
    kafka = testKafka(brokers);
  });
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
  });

  async function setUp(prefix: string, rollout: Record<string, unknown>) {
    const model = uniqueName(prefix);
    const s3 = await s3Settings();
    const topics = { predictions: `${model}.predictions`, labels: `${model}.labels`, decisions: `${model}.decisions`, versions: `${model}.versions` };
    const tree = testConfigTree({
      brokers,
      topic: topics.predictions,
      model,
      s3,
      extra: {
        input: {
          format: 'prediction-log',
          features: [{ field: 'x1' }, { field: 'x2' }, { field: 'x3' }],
          label: { field: 'y' },
          labels: { topic: topics.labels, labelField: 'y', maxDelayMs: 60_000 },
        },
        rollout: { decisionsTopic: topics.decisions, predictionsTopic: topics.predictions, minSamples: 40, maxSamples: 3_000, ...rollout },
        cluster: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500 },
      },
    });
    const env = { S3_ACCESS_KEY_ID: s3.accessKeyId, S3_SECRET_ACCESS_KEY: s3.secretAccessKey };
    const config = parseConfig(tree, { env });
    for (const t of Object.values(topics)) await createTopic(kafka, t, t === topics.predictions || t === topics.labels ? 2 : 1);
    const store = new S3Store({ ...s3, prefix: `it/${model}` });
    const subscriber = () => {
      const s = new ModelSubscriber({
        kafka,
        versionsTopic: topics.versions,
        model,
        store,
        logger,
        predictionLog: { topic: topics.predictions, lingerMs: 5 },
        rollout: { policy: config.rollout.policy, decisionsTopic: topics.decisions },
      });
      cleanup.push(() => s.stop());
      return s;
    };
    const decider = new Decider({ config, kafka, store, logger, instanceId: 'it-decider', pollMs: 200 });
    cleanup.push(() => decider.stop());
    const producer = kafka.producer();
    await producer.connect();
    cleanup.push(() => producer.disconnect());
    /** Serves `n` requests round-robin over the subscribers, then sends each request's true label. */
    let request = 0;
    const traffic = async (subs: ModelSubscriber[], n: number) => {
      const labels: { key: string; value: string }[] = [];
      let seed = request * 7 + 1;
      for (let i = 0; i < n; i++) {
        const x = separableBatch(seed++, 1, WIDTH).features;
        const requestId = `r${request++}`;
        (subs[i % subs.length] as ModelSubscriber).serve(x, { requestId, key: `user-${request % 500}` });
        labels.push({ key: requestId, value: JSON.stringify({ requestId, y: truth(x) }) });
      }
      await producer.send({ topic: topics.labels, messages: labels });
    };
    const announce = async (version: string, uri: string) =>
      producer.send({
        topic: topics.versions,
        messages: [
          {
            key: model,
            value: encodeVersionEvent({
              model,
              version,
              parents: [],
              uri,
              createdAt: new Date().toISOString(),
              samplesTotal: 0,
              samplesSinceParent: 0,
              metrics: {},
              offsets: [],
              trigger: 'samples',
              triggerDetail: null,
            }),
          },
        ],
      });
    return { model, config, tree, env, store, topics, subscriber, decider, traffic, announce };
  }

  it('ramps a good line through the canary to 100% on two replicas, rejects a flipped one, and rolls back within a second', async () => {
    const t = await setUp('it-rollout-canary', { policy: 'canary', steps: [0.2, 0.5, 1] });
    await writeVersion(t.store, t.config, '1.0', [], { batches: 1, seed: 11 });
    const [a, b] = [t.subscriber(), t.subscriber()] as [ModelSubscriber, ModelSubscriber];
    await Promise.all([a.start(), b.start()]);
    await t.decider.start();
    await waitFor(async () => (await readDecisions(t.store, t.model)).some((d) => d.type === 'baseline'), 20_000, 'the baseline decision');

    const good = await writeVersion(t.store, t.config, '2.0', ['1.0'], { batches: 150, seed: 100 });
    await t.announce('2.0', good.uri);
    await waitFor(() => [a, b].every((s) => s.status().rollout?.active && s.status().loaded.includes('2.0')), 20_000, 'both replicas in the canary');
    expect(a.version).toBe('1.0');
    // Sticky and shared: one key meets the same line on both replicas.
    const both = [a, b].map((s) =>
      Array.from({ length: 50 }, (_, i) => s.serve(separableBatch(i, 1, WIDTH).features, { requestId: `probe-${i}`, key: `user-${i}` }).version),
    );
    expect(both[0]).toEqual(both[1]);
    expect(new Set(both[0])).toEqual(new Set(['1.0', '2.0']));

    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline && !(a.status().rollout?.champion === 2 && b.status().rollout?.champion === 2)) {
      await t.traffic([a, b], 200);
      await new Promise((r) => setTimeout(r, 100));
    }
    const decisions = await readDecisions(t.store, t.model);
    // The canary ramps step by step; a test already sure of the candidate promotes it from the step it is at.
    const types = decisions.map((d) => d.type);
    expect(types.slice(0, 3)).toEqual(['baseline', 'start', 'step']);
    expect(types.slice(3, -1).every((x) => x === 'step')).toBe(true);
    expect(decisions.filter((d) => d.type === 'step').map((d) => d.arms[0]?.share)).toEqual([0.5, 1].slice(0, types.length - 3));
    expect(decisions.at(-1)).toMatchObject({ type: 'promote', version: '2.0', by: 'decider it-decider' });
    expect([a.version, b.version]).toEqual(['2.0', '2.0']);
    expect(a.status().requests.byVersion['2.0']).toBeGreaterThan(0);
    // The decider's own endpoints: its figures, and the dashboard.
    const http = await serveDecider(t.decider, t.store, { host: '127.0.0.1', port: 0 }, logger);
    cleanup.push(() => new Promise((r) => http.close(r)));
    const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    expect(await (await fetch(`${base}/healthz`)).text()).toBe('ok leader\n');
    expect(await (await fetch(`${base}/status`)).json()).toMatchObject({
      model: t.model,
      role: 'leader',
      decisionSeq: decisions.length,
      rollout: { champion: 2 },
    });
    expect((await fetch(`${base}/dashboard/`)).status).toBe(200);

    const bad = await writeVersion(t.store, t.config, '3.0', ['2.0'], { batches: 150, seed: 300, flip: true });
    await t.announce('3.0', bad.uri);
    const rejectBy = Date.now() + 90_000;
    while (Date.now() < rejectBy && !(a.status().rollout?.rejected.includes(3) && b.status().rollout?.rejected.includes(3))) {
      await t.traffic([a, b], 200);
      await new Promise((r) => setTimeout(r, 100));
    }
    const reject = (await readDecisions(t.store, t.model)).at(-1);
    expect(reject).toMatchObject({ type: 'reject', version: '3.0' });
    expect(reject?.stats.diff).toBeLessThan(0);
    expect([a.version, b.version]).toEqual(['2.0', '2.0']);
    expect(a.serve(separableBatch(1, 1, WIDTH).features, { requestId: 'after-reject', key: 'user-1' }).version).toBe('2.0');

    const started = Date.now();
    await operatorDecision({
      config: t.config,
      store: t.store,
      kafka,
      action: { kind: 'rollback', to: '1.0', training: 'continue' },
      by: 'it',
      reason: 'test',
    });
    await waitFor(() => a.version === '1.0' && b.version === '1.0', 5_000, 'both replicas on 1.0');
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(a.status().rollout?.pin).toMatchObject({ version: '1.0', by: 'it', reason: 'test' });
  }, 240_000);

  it('a decider killed in the middle of a canary is replaced by its standby, which replays the rollout and ends it', async () => {
    const t = await setUp('it-rollout-takeover', { policy: 'canary', steps: [0.2, 0.5, 1], minSamples: 150 });
    await writeVersion(t.store, t.config, '1.0', [], { batches: 1, seed: 31 });
    const dir = await mkdtemp(join(tmpdir(), 'st-decider-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const configPath = join(dir, 'streamtrain.json');
    await writeFile(configPath, JSON.stringify(t.tree, null, 2));
    const a = t.subscriber();
    await a.start();
    const first = spawnService({ config: configPath, logFile: join(dir, 'decider.log'), env: t.env, command: ['decide'] });
    cleanup.push(async () => void first.kill('SIGKILL'));
    await waitFor(async () => (await readDecisions(t.store, t.model)).length > 0, 30_000, 'the first decider’s baseline');
    await t.decider.start(); // the standby
    expect(t.decider.leading).toBe(false);
    const good = await writeVersion(t.store, t.config, '2.0', ['1.0'], { batches: 150, seed: 400 });
    await t.announce('2.0', good.uri);
    const stepped = Date.now() + 60_000;
    while (Date.now() < stepped && !(await readDecisions(t.store, t.model)).some((d) => d.type === 'step')) {
      await t.traffic([a], 50);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await readDecisions(t.store, t.model)).map((d) => d.type)).toEqual(['baseline', 'start', 'step']);
    first.kill('SIGKILL');
    expect(await first.exited).toBeNull();
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline && a.status().rollout?.champion !== 2) {
      await t.traffic([a], 200);
      await new Promise((r) => setTimeout(r, 100));
    }
    const decisions = await readDecisions(t.store, t.model);
    expect(decisions.map((d) => d.seq)).toEqual(decisions.map((_, i) => i + 1));
    expect(decisions.at(-1)).toMatchObject({ type: 'promote', version: '2.0', by: 'decider it-decider' });
    const killed = decisions[0]?.by;
    expect(killed).toMatch(/^decider /);
    expect(killed).not.toBe('decider it-decider');
    expect(decisions.filter((d) => d.type === 'start')).toHaveLength(1);
    // No step decided twice: the replay after the takeover writes only a larger share.
    const shares = decisions.filter((d) => d.type === 'step').map((d) => d.arms[0]?.share ?? 0);
    expect(shares).toEqual([...new Set(shares)].sort((x, y) => x - y));
  }, 240_000);

  it('under interleave merges both rankings by team draft and promotes the ranker whose items are clicked', async () => {
    const t = await setUp('it-rollout-interleave', { policy: 'interleave', split: 1 });
    await writeVersion(t.store, t.config, '1.0', [], { batches: 150, seed: 51, flip: true });
    const a = t.subscriber();
    await a.start();
    await t.decider.start();
    await waitFor(async () => (await readDecisions(t.store, t.model)).length > 0, 20_000, 'the baseline decision');
    const good = await writeVersion(t.store, t.config, '2.0', ['1.0'], { batches: 150, seed: 52 });
    await t.announce('2.0', good.uri);
    await waitFor(() => a.status().rollout?.active?.policy === 'interleave' && a.status().loaded.includes('2.0'), 20_000, 'the interleave rollout');
    const producer = kafka.producer();
    await producer.connect();
    cleanup.push(() => producer.disconnect());
    const deadline = Date.now() + 90_000;
    let request = 0;
    while (Date.now() < deadline && a.status().rollout?.champion !== 2) {
      const labels: { key: string; value: string }[] = [];
      for (let i = 0; i < 100; i++) {
        const items = Array.from({ length: 6 }, (_, j) => separableBatch(request * 6 + j + 1, 1, WIDTH).features);
        const requestId = `q${request++}`;
        const ranked = a.serveRanking(items, { requestId, key: `user-${request % 300}` });
        expect(ranked.interleaved?.candidate).toBe('2.0');
        expect([...ranked.items].sort()).toEqual([0, 1, 2, 3, 4, 5]);
        // The user clicks the first relevant item shown (none: -1).
        const clicked = ranked.items.findIndex((item) => truth(items[item] as Float32Array) === 1);
        labels.push({ key: requestId, value: JSON.stringify({ requestId, y: clicked }) });
      }
      await producer.send({ topic: t.topics.labels, messages: labels });
      await new Promise((r) => setTimeout(r, 100));
    }
    const decisions = await readDecisions(t.store, t.model);
    expect(decisions.map((d) => d.type)).toEqual(['baseline', 'start', 'promote']);
    expect(decisions.at(-1)?.stats.diff).toBeGreaterThan(0);
    expect(a.status().requests.interleaved).toBeGreaterThan(0);
  }, 180_000);

  it('under ab races two new lines against the champion at once: the flipped one is rejected, the good one promoted', async () => {
    const t = await setUp('it-rollout-ab', { policy: 'ab', split: 0.6 });
    await writeVersion(t.store, t.config, '1.0', [], { batches: 1, seed: 61 });
    const a = t.subscriber();
    await a.start();
    // The baseline first (1.0); both new lines are written while no decider runs, so one rollout takes both.
    await t.decider.start();
    await waitFor(async () => (await readDecisions(t.store, t.model)).length > 0, 20_000, 'the baseline decision');
    await t.decider.stop();
    await writeVersion(t.store, t.config, '2.0', ['1.0'], { batches: 150, seed: 62 });
    await writeVersion(t.store, t.config, '3.0', ['1.0'], { batches: 150, seed: 63, flip: true });
    const decider = new Decider({ config: t.config, kafka, store: t.store, logger, instanceId: 'it-decider-2', pollMs: 200 });
    cleanup.push(() => decider.stop());
    await decider.start();
    await waitFor(() => a.status().rollout?.active?.arms.length === 2 && a.status().loaded.length === 3, 30_000, 'both lines in the test');
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline && a.status().rollout?.champion !== 2) {
      await t.traffic([a], 200);
      await new Promise((r) => setTimeout(r, 100));
    }
    const decisions = await readDecisions(t.store, t.model);
    expect(decisions.map((d) => [d.type, d.version])).toEqual([
      ['baseline', '1.0'],
      ['start', '3.0'],
      ['reject', '3.0'],
      ['promote', '2.0'],
    ]);
    expect(decisions[1]?.arms.map((arm) => [arm.major, arm.share])).toEqual([
      [2, 0.3],
      [3, 0.3],
    ]);
  }, 180_000);

  it('under shadow scores both lines on the same requests, and promotes the better one', async () => {
    const t = await setUp('it-rollout-shadow', { policy: 'shadow' });
    await writeVersion(t.store, t.config, '1.0', [], { batches: 1, seed: 21 });
    const a = t.subscriber();
    await a.start();
    await t.decider.start();
    await waitFor(async () => (await readDecisions(t.store, t.model)).length > 0, 20_000, 'the baseline decision');
    const good = await writeVersion(t.store, t.config, '2.0', ['1.0'], { batches: 150, seed: 200 });
    await t.announce('2.0', good.uri);
    await waitFor(() => a.status().rollout?.active?.policy === 'shadow', 20_000, 'the shadow rollout');
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline && a.status().rollout?.champion !== 2) {
      await t.traffic([a], 200);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await readDecisions(t.store, t.model)).map((d) => d.type)).toEqual(['baseline', 'start', 'promote']);
    const counters = a.status().requests;
    expect(counters.byVersion['2.0'] ?? 0).toBe(0);
    expect(counters.shadow['2.0']?.predictions).toBeGreaterThan(0);
    const hasShadow = (m: { value: Buffer | null }) => decodePredictionEvent(m.value as Buffer).shadow !== undefined;
    const logged = await consumeUntil(kafka, t.topics.predictions, (seen) => seen.filter(hasShadow).length >= 50, 20_000);
    const shadowed = logged.map((m) => decodePredictionEvent(m.value as Buffer)).filter((p) => p.shadow);
    expect(shadowed.length).toBeGreaterThan(0);
    for (const p of shadowed) expect(p).toMatchObject({ version: '1.0', shadow: [{ version: '2.0' }] });
  }, 180_000);
});

describe('rollback with training restart (real Kafka and MinIO)', () => {
  it('the trainer continues from the rolled-back version as a new major and promotes it; subscribers follow', async () => {
    const brokers = await kafkaBrokers();
    const kafka = testKafka(brokers);
    const s3 = await s3Settings();
    const model = uniqueName('it-rollout-restart');
    const config = testConfig({ brokers, topic: model, model, s3, extra: { rollout: { decisionsTopic: `${model}.decisions` } } });
    await createTopic(kafka, model, 2);
    await createTopic(kafka, `${model}.decisions`);
    const store = new S3Store({ ...s3, prefix: `it/${model}` });
    const service = new StreamtrainService({ config, logger });
    const subscriber = new ModelSubscriber({
      kafka,
      versionsTopic: config.publish.versionsTopic,
      model,
      store,
      logger,
      rollout: { decisionsTopic: `${model}.decisions` },
    });
    try {
      await service.start();
      await produceValues(
        kafka,
        model,
        seaRecords(3_000, 5).map((r) => JSON.stringify(r)),
        2,
      );
      await waitFor(async () => (await listVersions(store, model)).length >= 2, 60_000, 'a version after the initial one');
      await subscriber.start();
      const before = (await listVersions(store, model)).map(formatVersion);
      expect(before.every((v) => v.startsWith('1.'))).toBe(true);
      await operatorDecision({ config, store, kafka, action: { kind: 'rollback', to: '1.0', training: 'restart' }, by: 'it', reason: 'restart test' });
      await waitFor(() => subscriber.version === '1.0', 5_000, 'the subscriber on 1.0');
      // The trainer sees the decision at its next poll, continues from 1.0 as 2.0, and promotes that line.
      await waitFor(async () => (await readDecisions(store, model)).some((d) => d.type === 'promote'), 30_000, 'the trainer’s promotion');
      const manifest = await readManifest(store, model, '2.0');
      expect(manifest.parents).toContain('1.0');
      expect(manifest.trigger).toMatchObject({ reason: 'rollout' });
      expect((await readDecisions(store, model)).map((d) => [d.type, d.version])).toEqual([
        ['rollback', '1.0'],
        ['promote', '2.0'],
      ]);
      await waitFor(() => subscriber.version?.startsWith('2.') ?? false, 10_000, 'the subscriber on the restarted line');
      expect(subscriber.status().rollout?.pin).toBeUndefined();
      // Learning goes on from there, on line 2.
      await produceValues(
        kafka,
        model,
        seaRecords(2_000, 6).map((r) => JSON.stringify(r)),
        2,
      );
      await waitFor(async () => (await listVersions(store, model)).some((v) => v.major === 2 && v.minor >= 1), 30_000, 'a 2.x minor');
    } finally {
      await subscriber.stop();
      await service.stop();
    }
  }, 180_000);
});
