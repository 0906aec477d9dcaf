import { afterAll, describe, expect, it } from 'vitest';
import { createLogger, parseConfig } from '../../src/core/index.js';
import { S3Store, readLatestPointer, readManifest } from '../../src/checkpoints/index.js';
import { StreamtrainService } from '../../src/pipeline/index.js';
import { ModelSubscriber } from '../../src/subscriber/index.js';
import { DelayedOutcomes } from '../../src/cli/delayed-outcomes.js';
import { createTopic, testKafka, uniqueName, waitFor } from '../support/kafka-helpers.js';
import { seaRecords, testConfigTree } from '../support/pipeline-config.js';
import { kafkaBrokers, s3Settings } from './services.js';

const logger = createLogger({ level: 'silent' });
const ROUNDS = 6;
const PER_ROUND = 400;
const N = ROUNDS * PER_ROUND;

/**
 * The loop of docs/labels.md on the real broker: a ModelSubscriber serves requests with serve() and logs them
 * (features on); their outcomes come later on another topic (random delay, 10% never); the service reads the
 * prediction log (`input.format: prediction-log`), joins, learns on its worker thread, publishes versions; the
 * subscriber hot-reloads them and its later predictions are better. The logged accuracy is exactly the accuracy
 * of what was served against the labels learned.
 */
describe('learning from the prediction log (real Kafka, real MinIO)', () => {
  const stops: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  });

  it('serve -> log -> join -> learn -> publish -> serve, with honest logged metrics', async () => {
    const brokers = await kafkaBrokers();
    const s3 = await s3Settings();
    const kafka = testKafka(brokers);
    const predictions = uniqueName('it-predictions');
    const outcomesTopic = uniqueName('it-outcomes');
    const model = uniqueName('predlog');
    await createTopic(kafka, predictions, 2);
    await createTopic(kafka, outcomesTopic, 2);
    const tree = testConfigTree({
      brokers,
      topic: predictions,
      model,
      s3,
      extra: {
        input: {
          format: 'prediction-log',
          width: 3,
          label: { field: 'clicked' },
          labels: { topic: outcomesTopic, labelField: 'clicked', maxDelayMs: 4000, idleGraceMs: 1000, defaultLabel: 0 },
        },
        triggers: { everySamples: 300, everySeconds: 2 },
        learner: { thread: 'worker' },
      },
    });
    const config = parseConfig(tree, { env: { S3_ACCESS_KEY_ID: s3.accessKeyId, S3_SECRET_ACCESS_KEY: s3.secretAccessKey } });
    const service = new StreamtrainService({ config, logger });
    await service.start();
    let serviceRunning = true;
    stops.push(() => (serviceRunning ? service.stop() : Promise.resolve()));

    const store = new S3Store({ ...s3, prefix: `it/${model}` });
    stops.push(async () => store.close());
    const loaded: string[] = [];
    const subscriber = new ModelSubscriber({
      kafka,
      versionsTopic: config.publish.versionsTopic,
      model,
      store,
      logger,
      predictionLog: { topic: predictions, logFeatures: true, lingerMs: 5 },
      onVersion: (v) => loaded.push(v.version),
    });
    await waitFor(async () => (await readLatestPointer(store, model)) !== undefined, 20_000, 'the initial version');
    await subscriber.start();
    stops.push(() => subscriber.stop());
    const outcomes = new DelayedOutcomes({
      kafka,
      topic: outcomesTopic,
      idField: 'requestId',
      labelField: 'clicked',
      maxDelayMs: 1500,
      missingShare: 0.1,
      seed: 3,
    });
    await outcomes.start();
    stops.push(() => outcomes.stop());

    const records = seaRecords(N, 11);
    const roundAccuracy: number[] = [];
    let expectedCorrect = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const before = subscriber.version;
      let right = 0;
      for (let i = round * PER_ROUND; i < (round + 1) * PER_ROUND; i++) {
        const r = records[i] as (typeof records)[number];
        const served = subscriber.serve([(r.x1 - 5) / 2.9, (r.x2 - 5) / 2.9, (r.x3 - 5) / 2.9], { requestId: `${model}-${i}` });
        if (served.predictedClass === r.y) right++;
        const comes = outcomes.add(`${model}-${i}`, r.y);
        // The label the service learns: the outcome, or the default 0 when it never comes.
        if (served.predictedClass === (comes ? r.y : 0)) expectedCorrect++;
      }
      roundAccuracy.push(right / PER_ROUND);
      if (round < ROUNDS - 1) await waitFor(() => subscriber.version !== before, 30_000, `a new version after round ${round}`);
    }
    await outcomes.stop();
    await waitFor(
      () => {
        const s = service.status();
        const c = s.labels?.counts ?? {};
        return (c.joined ?? 0) + (c.defaulted ?? 0) >= N && s.samplesTotal >= N;
      },
      60_000,
      `${N} served requests joined and learned`,
    );
    const status = service.status();
    expect(status.labels?.counts).toMatchObject({ joined: outcomes.stats.sent, defaulted: outcomes.stats.missing, late: 0, orphaned: 0, dropped: 0 });
    expect(status.labels?.joinRate).toBeCloseTo(outcomes.stats.sent / N, 9);
    expect(status.metrics.logged_accuracy).toBeGreaterThan(0);
    expect(status.metrics.logged_samples).toBeGreaterThan(0);

    // Versions were published and hot-reloaded, and what was served got better.
    expect(loaded.length).toBeGreaterThanOrEqual(ROUNDS);
    expect(roundAccuracy[ROUNDS - 1]).toBeGreaterThan(0.8);
    expect(roundAccuracy[ROUNDS - 1] as number).toBeGreaterThan((roundAccuracy[0] as number) + 0.15);

    await service.stop();
    serviceRunning = false;
    // The last version's metrics: the logged accuracy is exactly that of the served outputs against the labels learned.
    const head = (await readLatestPointer(store, model)) as string;
    const manifest = await readManifest(store, model, head);
    expect(manifest.samples.total).toBe(N);
    expect(manifest.metrics.logged_samples).toBe(N);
    expect(manifest.metrics.logged_accuracy).toBeCloseTo(expectedCorrect / N, 9);
    expect(manifest.labels?.counts).toMatchObject({ joined: outcomes.stats.sent, defaulted: outcomes.stats.missing });
    console.log(JSON.stringify({ roundAccuracy, loaded, logged: manifest.metrics.logged_accuracy, fresh: manifest.metrics.accuracy, labels: status.labels }));
  });
});
