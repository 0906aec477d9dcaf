import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger, parseConfig } from '../../src/core/index.js';
import { S3Store, readLatestPointer, readManifest } from '../../src/checkpoints/index.js';
import { StreamtrainService } from '../../src/pipeline/index.js';
import { consumeUntil, createTopic, testKafka, uniqueName, waitFor } from '../support/kafka-helpers.js';
import { labelsInput, labelsStream, produceTimed } from '../support/labels-stream.js';
import { seaRecords, testConfigTree } from '../support/pipeline-config.js';
import { kafkaBrokers, s3Settings } from './services.js';

const logger = createLogger({ level: 'silent' });
const N = 4000;
const MAX_DELAY = 2000;
const outcomeSchema = fileURLToPath(new URL('../fixtures/avro/outcome.avsc', import.meta.url));

describe('labels that arrive later on their own topic (real Kafka, real MinIO)', () => {
  let service: StreamtrainService | undefined;
  afterAll(async () => {
    await service?.stop();
  });

  for (const format of ['json', 'avro'] as const)
    it(`joins them (${format} label records), defaults the missing ones, learns well above chance and reports the numbers`, async () => {
      const brokers = await kafkaBrokers();
      const s3 = await s3Settings();
      const kafka = testKafka(brokers);
      const topic = uniqueName('it-served');
      const labelTopic = uniqueName('it-outcomes');
      const model = uniqueName('labels');
      await createTopic(kafka, topic, 2);
      await createTopic(kafka, labelTopic, 2);
      const input = labelsInput(labelTopic, MAX_DELAY);
      const labelsSection = { ...(input.labels as Record<string, unknown>), ...(format === 'avro' ? { format, avroSchemaFile: outcomeSchema } : {}) };
      const tree = testConfigTree({ brokers, topic, model, s3, extra: { input: { ...input, labels: labelsSection } } });
      const config = parseConfig(tree, { env: { S3_ACCESS_KEY_ID: s3.accessKeyId, S3_SECRET_ACCESS_KEY: s3.secretAccessKey } });
      const stream = labelsStream({
        count: N,
        base: Date.now() - 3_600_000,
        maxDelayMs: MAX_DELAY,
        partitions: 2,
        missingShare: 0.1,
        lateShare: 0.05,
        seed: 5,
      });

      service = new StreamtrainService({ config, logger });
      await service.start();
      // The features first, the labels after them: the outcomes really come later.
      await produceTimed(kafka, topic, stream.features);
      const outcome = avro.Type.forSchema(JSON.parse(readFileSync(outcomeSchema, 'utf8')) as avro.Schema);
      const labels = format === 'avro' ? stream.labels.map((m) => ({ ...m, value: outcome.toBuffer(JSON.parse(m.value as string)) })) : stream.labels;
      await produceTimed(kafka, labelTopic, labels);

      const { expected } = stream;
      await waitFor(() => (service?.status().samplesTotal ?? 0) >= stream.featureCount, 90_000, `${stream.featureCount} samples learned`);
      const status = service.status();
      const join = status.labels;
      expect(join).toBeDefined();
      expect(status.samplesTotal).toBe(stream.featureCount);
      expect(join?.counts).toMatchObject({
        joined: expected.joined,
        defaulted: expected.defaulted,
        late: expected.late,
        orphaned: 0,
        evicted: 0,
        dropped: 0,
      });
      expect(join?.pending).toEqual({ features: 0, labels: 2, decided: 0 });
      expect(join?.joinRate).toBeCloseTo(expected.joined / stream.featureCount, 6);
      const p50 = stream.delays[Math.floor(0.5 * (stream.delays.length - 1))] as number;
      const p99 = stream.delays[Math.floor(0.99 * (stream.delays.length - 1))] as number;
      expect(Math.abs((join?.delayMs.p50 as number) - p50) / p50).toBeLessThan(0.03);
      expect(Math.abs((join?.delayMs.p99 as number) - p99) / p99).toBeLessThan(0.03);

      // The model learned the concept from the joined labels.
      const test = seaRecords(2000, 99);
      const x = new Float32Array(test.flatMap((r) => [(r.x1 - 5) / 2.9, (r.x2 - 5) / 2.9, (r.x3 - 5) / 2.9]));
      const p = await service.predict(x, test.length);
      const accuracy = test.filter((r, i) => ((p[i] as number) >= 0.5 ? 1 : 0) === r.y).length / test.length;
      expect(accuracy).toBeGreaterThan(0.8);

      await service.stop();
      service = undefined;
      const store = new S3Store({ ...s3, prefix: `it/${model}` });
      const head = (await readLatestPointer(store, model)) as string;
      const manifest = await readManifest(store, model, head);
      expect(manifest.samples.total).toBe(stream.featureCount);
      expect(manifest.labels?.counts).toMatchObject({ joined: expected.joined, defaulted: expected.defaulted });
      const featureEnds = manifest.offsets.filter((r) => r.topic === topic).map((r) => Number(r.to));
      expect(featureEnds.reduce((a, b) => a + b, 0)).toBe(stream.features.length);
      await store.close();

      const dlq = await consumeUntil(kafka, `${topic}.dlq`, (seen) => seen.length >= expected.late, 30_000);
      expect(dlq.filter((m) => JSON.parse(String(m.value)).reason === 'late').length).toBe(expected.late);
      console.log(JSON.stringify({ format, accuracy, labels: join, expected, p50, p99 }));
    });
});
