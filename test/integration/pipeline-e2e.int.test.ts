import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, decodeVersionEvent, type VersionEvent } from '../../src/core/index.js';
import { S3Store, readCheckpoint } from '../../src/checkpoints/index.js';
import { OnlineLearner } from '../../src/learner/index.js';
import { StreamtrainService } from '../../src/pipeline/index.js';
import { ModelSubscriber } from '../../src/subscriber/index.js';
import { consumeUntil, createTopic, produceValues, testKafka, uniqueName, waitFor } from '../support/kafka-helpers.js';
import { seaRecords, testConfig } from '../support/pipeline-config.js';
import { kafkaBrokers, s3Settings, type S3Settings } from './services.js';

const logger = createLogger({ level: 'silent' });
const N = 3000;

// With model.standardize the published files fold the scaling into their first layer: a subscriber then agrees with
// the service to rounding, not to the last bit.
for (const standardize of [false, true])
  describe(`pipeline end to end (real Kafka, real MinIO)${standardize ? ', model.standardize' : ''}`, () => {
    let brokers: string[];
    let s3: S3Settings;
    const topic = uniqueName('it-e2e');
    const model = uniqueName('e2e');
    let service: StreamtrainService;
    let subscriber: ModelSubscriber | undefined;

    beforeAll(async () => {
      brokers = await kafkaBrokers();
      s3 = await s3Settings();
      await createTopic(testKafka(brokers), topic, 2);
    });

    afterAll(async () => {
      await subscriber?.stop();
      await service?.stop();
    });

    it(`learns a produced stream, publishes versions, and a subscriber loading the checkpoint from MinIO predicts ${standardize ? 'like' : 'exactly like'} the service`, async () => {
      const config = testConfig({ brokers, topic, model, s3, modelExtra: { standardize } });
      expect(config.model.standardize).toBe(standardize);
      const kafka = testKafka(brokers);
      const records = seaRecords(N, 11);
      service = new StreamtrainService({ config, logger });
      await service.start();
      await produceValues(
        kafka,
        topic,
        records.map((r) => JSON.stringify(r)),
        2,
      );

      // Version events until one covers all N samples (the interval trigger publishes the tail).
      const messages = await consumeUntil(
        kafka,
        config.publish.versionsTopic,
        (seen) => seen.some((m) => decodeVersionEvent(m.value as Buffer).samplesTotal === N),
        90_000,
      );
      const events: VersionEvent[] = messages.map((m) => decodeVersionEvent(m.value as Buffer));
      expect(messages.every((m) => m.key?.toString() === model)).toBe(true);
      const last = events[events.length - 1] as VersionEvent;
      expect(last.samplesTotal).toBe(N);
      expect(events[0]?.version).toBe('1.0');
      expect(events[0]?.trigger).toBe('initial');
      // Each version's parent is the previous one, and offsets tile each partition from 0 to its end.
      for (let i = 1; i < events.length; i++) expect(events[i]?.parents).toEqual([events[i - 1]?.version]);
      const ends = new Map<number, string>();
      for (const e of events.slice(1)) {
        for (const r of e.offsets) {
          expect(r.from).toBe(ends.get(r.partition) ?? '0');
          ends.set(r.partition, r.to);
        }
      }
      expect([...ends.values()].map(Number).reduce((a, b) => a + b, 0)).toBe(N);
      expect(last.uri).toBe(`s3://${s3.bucket}/it/${model}/${model}/versions/${last.version}/`);
      expect(last.metrics.accuracy_window).toBeGreaterThan(0.85);

      // A downstream service loads the newest checkpoint from MinIO.
      const store = new S3Store({ ...s3, prefix: `it/${model}` });
      subscriber = new ModelSubscriber({ kafka, versionsTopic: config.publish.versionsTopic, model, store, logger });
      await subscriber.start();
      expect(subscriber.version).toBe(last.version);
      const probe = new Float32Array(Array.from({ length: 300 }, (_, i) => ((i * 37) % 100) / 25 - 2));
      const fromService = await service.predict(probe, 100);
      const fromSubscriber = subscriber.predict(probe, 3);
      if (standardize) {
        expect(fromSubscriber.length).toBe(fromService.length);
        fromSubscriber.forEach((p, i) => expect(Math.abs(p - (fromService[i] as number))).toBeLessThan(1e-5));
      } else expect(Array.from(fromSubscriber)).toEqual(Array.from(fromService));
      // Raw records too, through the feature spec stored in the manifest.
      const viaRecords = subscriber.predictRecords(records.slice(0, 5));
      expect(viaRecords.length).toBe(5);
      expect(viaRecords.every((p) => p >= 0 && p <= 1)).toBe(true);

      // Restoring the checkpoint the way the service does gives the same model.
      const c = await readCheckpoint(store, model, last.version);
      const restored = await OnlineLearner.create({ spec: config.model, inputWidth: 3, metricsWindow: 100, logger }, c.snapshot);
      expect(Array.from(restored.predict(probe, 100))).toEqual(Array.from(fromService));
      restored.dispose();

      // A later version event is picked up and swapped in.
      await produceValues(
        kafka,
        topic,
        seaRecords(1000, 12).map((r) => JSON.stringify(r)),
        2,
      );
      await waitFor(() => subscriber?.version !== last.version, 30_000, 'the subscriber to swap in the next version');
      expect(subscriber.version).not.toBe(last.version);
    });
  });
