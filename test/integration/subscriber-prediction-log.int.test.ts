import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, decodePredictionEvent, type PredictionEvent, type StreamtrainConfig } from '../../src/core/index.js';
import { FolderStore, writeCheckpoint } from '../../src/checkpoints/index.js';
import { OnlineLearner } from '../../src/learner/index.js';
import { EventPublisher } from '../../src/producers/index.js';
import { ModelSubscriber, predictedClassOf, type Served } from '../../src/subscriber/index.js';
import { consumeUntil, createTopic, testKafka, uniqueName, waitFor, withAdmin, type ConsumedMessage } from '../support/kafka-helpers.js';
import { seaRecords, testConfig } from '../support/pipeline-config.js';
import { separableBatch } from '../support/separable-batch.js';
import { manifestInput } from '../support/store-contract.js';
import { kafkaBrokers } from './services.js';

/**
 * The prediction log against the real broker: a subscriber serving versions written to a folder store (and one
 * announced on the versions topic while it serves) logs every prediction; the topic then holds one record per
 * request with the version that served it, features only when `logFeatures` is on.
 */
const logger = createLogger({ level: 'silent' });
const N = 40;

/** Trains a small logistic model and writes its versions to a folder store, as the service would. */
class VersionWriter {
  private learner?: OnlineLearner;
  private samples = 0;
  readonly modelSpec: unknown;

  constructor(
    private readonly store: FolderStore,
    private readonly config: StreamtrainConfig,
  ) {
    const { features, label, missing } = config.input;
    this.modelSpec = { model: config.model, input: { features, label, missing } };
  }

  async write(version: string, parents: string[], seed: number): Promise<{ uri: string; total: number }> {
    this.learner ??= await OnlineLearner.create({ spec: this.config.model, inputWidth: 3, metricsWindow: 100, logger });
    this.learner.step(separableBatch(seed));
    this.samples += 64;
    const written = await writeCheckpoint(
      this.store,
      { ...manifestInput(this.config.model.name, version, parents, this.samples), modelSpec: this.modelSpec },
      await this.learner.snapshot(),
      {},
    );
    return { uri: written.uri, total: this.samples };
  }

  dispose(): void {
    this.learner?.dispose();
  }
}

async function highWatermark(kafka: Kafka, topic: string): Promise<number> {
  const offsets = await withAdmin(kafka, (admin) => admin.fetchTopicOffsets(topic));
  return offsets.reduce((sum, p) => sum + Number(p.high), 0);
}

describe('ModelSubscriber prediction log (real Kafka)', () => {
  let brokers: string[];
  let kafka: Kafka;
  const dirs: string[] = [];
  const cleanup: (() => Promise<unknown> | unknown)[] = [];

  beforeAll(async () => {
    brokers = await kafkaBrokers();
    kafka = testKafka(brokers);
  });

  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** A model with version 1.0 in a fresh folder store, and fresh versions and predictions topics. */
  async function setUp(prefix: string) {
    const model = uniqueName(prefix);
    const dir = mkdtempSync(join(tmpdir(), 'streamtrain-predlog-'));
    dirs.push(dir);
    const config = testConfig({ brokers, topic: model, model, folder: dir });
    const store = new FolderStore(dir);
    const versionsTopic = `${model}.versions`;
    const predictionsTopic = `${model}.predictions`;
    await createTopic(kafka, versionsTopic);
    await createTopic(kafka, predictionsTopic, 3);
    const writer = new VersionWriter(store, config);
    cleanup.push(() => writer.dispose());
    await writer.write('1.0', [], 1);
    return { model, config, store, writer, versionsTopic, predictionsTopic };
  }

  it('logs one record per served request, keyed by request id, with the version that served it; stop() flushes', async () => {
    const { model, store, writer, versionsTopic, predictionsTopic } = await setUp('predlog');
    const subscriber = new ModelSubscriber({
      kafka,
      versionsTopic,
      model,
      store,
      logger,
      // Nothing leaves before stop() unless stop() flushes: the linger outlasts the test, the batch outsizes it.
      predictionLog: { topic: predictionsTopic, logFeatures: true, lingerMs: 600_000, batchSize: 10_000 },
    });
    cleanup.push(() => subscriber.stop());
    await subscriber.start();
    expect(subscriber.version).toBe('1.0');

    const served = new Map<string, Served[]>();
    const remember = (id: string, s: Served) => served.set(id, [...(served.get(id) ?? []), s]);
    const records = seaRecords(N, 5);
    for (let i = 0; i < N; i++) {
      const r = records[i] as { x1: number; x2: number; x3: number };
      remember(`req-${i}`, subscriber.serve([r.x1 / 10, r.x2 / 10, r.x3 / 10], { requestId: `req-${i}`, key: `user-${i % 7}` }));
    }

    // A new version announced on the versions topic is swapped in while serving goes on.
    const v11 = await writer.write('1.1', ['1.0'], 2);
    const publisher = new EventPublisher(kafka, { versions: versionsTopic }, logger);
    await publisher.connect();
    await publisher.publishVersion({
      model,
      version: '1.1',
      parents: ['1.0'],
      uri: v11.uri,
      createdAt: new Date().toISOString(),
      samplesTotal: v11.total,
      samplesSinceParent: 64,
      metrics: {},
      offsets: [],
      trigger: 'samples',
      triggerDetail: null,
    });
    await publisher.disconnect();
    await waitFor(() => subscriber.version === '1.1', 30_000, 'the subscriber to swap in 1.1');
    for (let i = N; i < 2 * N; i++) remember(`req-${i}`, subscriber.serveRecord(records[i - N] as Record<string, unknown>, { requestId: `req-${i}` }));
    // A request served twice (a retry upstream): both records carry its id, and share its partition.
    remember('req-0', subscriber.serve([0.1, 0.2, 0.3], { requestId: 'req-0' }));

    expect([...served.values()].flat().every((s) => s.logged)).toBe(true);
    expect(await highWatermark(kafka, predictionsTopic)).toBe(0);
    await subscriber.stop();
    expect(subscriber.predictionLogStats).toMatchObject({ sent: 2 * N + 1, dropped: 0, queued: 0 });

    const messages = await consumeUntil(kafka, predictionsTopic, (seen) => seen.length >= 2 * N + 1, 30_000);
    expect(messages).toHaveLength(2 * N + 1);
    const byId = new Map<string, { m: ConsumedMessage; e: PredictionEvent }[]>();
    for (const m of messages) {
      const e = decodePredictionEvent(m.value as Buffer);
      expect(m.key?.toString()).toBe(e.requestId);
      byId.set(e.requestId, [...(byId.get(e.requestId) ?? []), { m, e }]);
    }
    expect([...byId.keys()].sort()).toEqual([...served.keys()].sort());
    expect(new Set(messages.map((m) => m.partition)).size).toBeGreaterThan(1);
    const [first, again] = byId.get('req-0') ?? [];
    expect(first?.m.partition).toBe(again?.m.partition);

    for (const [id, logged] of byId) {
      const answers = served.get(id) ?? [];
      // Within a partition records keep the order they were served in.
      logged.forEach(({ e }, k) => {
        const s = answers[k] as Served;
        expect(e.version).toBe(s.version);
        expect(e.model).toBe(model);
        expect(e.output).toEqual(s.output);
        expect(e.predictedClass).toBe(predictedClassOf(s.output));
        expect(e.features).toBeInstanceOf(Float32Array);
        expect(e.features).toHaveLength(3);
      });
    }
    const versions = messages.map((m) => decodePredictionEvent(m.value as Buffer).version);
    expect(versions.filter((v) => v === '1.0')).toHaveLength(N);
    expect(versions.filter((v) => v === '1.1')).toHaveLength(N + 1);
    expect(byId.get('req-3')?.[0]?.e.key).toBe('user-3');
    expect(byId.get(`req-${N}`)?.[0]?.e.key).toBeUndefined();
    // Vectors go in as given; records go in after the manifest's feature spec (scale: mean 5, std 2.9).
    const r0 = records[0] as { x1: number; x2: number; x3: number };
    expect(Array.from(byId.get('req-1')?.[0]?.e.features ?? [])).toEqual(
      Array.from(
        Float32Array.from(
          Object.values(records[1] as object)
            .slice(0, 3)
            .map((x) => (x as number) / 10),
        ),
      ),
    );
    const extracted = byId.get(`req-${N}`)?.[0]?.e.features as Float32Array;
    [r0.x1, r0.x2, r0.x3].forEach((x, j) => expect(extracted[j]).toBeCloseTo((x - 5) / 2.9, 5));
  });

  it('with logFeatures off, no feature value reaches any byte of the topic', async () => {
    const { model, store, versionsTopic, predictionsTopic } = await setUp('predlog-private');
    const subscriber = new ModelSubscriber({ kafka, versionsTopic, model, store, logger, predictionLog: { topic: predictionsTopic } });
    cleanup.push(() => subscriber.stop());
    await subscriber.start();
    // Values no record framing would hold by chance, served as vectors and as raw records (extracted by the spec).
    const vectors = Array.from({ length: N }, (_, i) => [1234.5678 + i, -987.654321 - i, 31.4159265 * (i + 1)]);
    const raws = Array.from({ length: N }, (_, i) => ({ x1: 4242.4242 + i, x2: -7373.7373 - i, x3: 0.0123456 * (i + 1), y: 1 }));
    for (let i = 0; i < N; i++) subscriber.serve(vectors[i] as number[], { requestId: `v-${i}` });
    for (let i = 0; i < N; i++) subscriber.serveRecord(raws[i] as Record<string, unknown>, { requestId: `r-${i}` });
    await subscriber.stop();

    const messages = await consumeUntil(kafka, predictionsTopic, (seen) => seen.length >= 2 * N, 30_000);
    expect(messages).toHaveLength(2 * N);
    for (const m of messages) {
      const e = decodePredictionEvent(m.value as Buffer);
      expect('features' in e).toBe(false);
      expect(e.output).toHaveLength(1);
    }
    const values = [...vectors.flat(), ...raws.flatMap((r) => [r.x1, r.x2, r.x3]), ...raws.flatMap((r) => [r.x1, r.x2, r.x3].map((x) => (x - 5) / 2.9))];
    const needles = values.flatMap((v) => {
      const f32 = Buffer.alloc(4);
      const f64 = Buffer.alloc(8);
      const bytes = [f32, Buffer.alloc(4), f64, Buffer.alloc(8)];
      f32.writeFloatLE(v);
      (bytes[1] as Buffer).writeFloatBE(v);
      f64.writeDoubleLE(v);
      (bytes[3] as Buffer).writeDoubleBE(v);
      return [...bytes, Buffer.from(String(v)), Buffer.from(String(Math.fround(v)))];
    });
    const topicBytes = Buffer.concat(messages.flatMap((m) => [m.key ?? Buffer.alloc(0), m.value ?? Buffer.alloc(0)]));
    const found = needles.filter((n) => topicBytes.includes(n));
    expect(found).toEqual([]);
  });
});
