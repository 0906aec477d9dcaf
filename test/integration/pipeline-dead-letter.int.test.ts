import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/core/index.js';
import { S3Store, latestValidCheckpoint } from '../../src/checkpoints/index.js';
import type { DeadLetterEntry } from '../../src/producers/index.js';
import { StreamtrainService } from '../../src/pipeline/index.js';
import { consumeUntil, createTopic, produceValues, testKafka, uniqueName, waitFor } from '../support/kafka-helpers.js';
import { seaRecords, testConfig } from '../support/pipeline-config.js';
import { kafkaBrokers, s3Settings } from './services.js';

const logger = createLogger({ level: 'silent' });

/** One of each kind of bad record, with the reason the dead-letter entry must carry. */
const BAD: [string, string | null][] = [
  ['undecodable', '{"x1": 1, "x2": '],
  ['undecodable', '"just a string"'],
  ['undecodable', null],
  ['wrong-type', JSON.stringify({ x1: 'seven', x2: 1, x3: 1, emb: [0, 0], y: 1 })],
  ['missing-label', JSON.stringify({ x1: 1, x2: 1, x3: 1, emb: [0, 0] })],
  ['wrong-type', JSON.stringify({ x1: 1, x2: 1, x3: 1, emb: [0, 0], y: 5 })],
  ['non-finite', JSON.stringify({ x1: 1, x2: 'NaN', x3: 1, emb: [0, 0], y: 1 })],
  ['non-finite', '{"x1": 1e999, "x2": 1, "x3": 1, "emb": [0, 0], "y": 0}'],
  ['missing-field', JSON.stringify({ x1: 1, x3: 1, emb: [0, 0], y: 0 })],
  ['wrong-size', JSON.stringify({ x1: 1, x2: 1, x3: 1, emb: [1, 2, 3], y: 0 })],
];

describe('bad records (real Kafka, real MinIO)', () => {
  let service: StreamtrainService | undefined;
  afterAll(async () => {
    await service?.stop();
  });

  it('sends every kind of bad record to the dead-letter topic with its reason and no payload, keeps learning, keeps the weights finite', async () => {
    const brokers = await kafkaBrokers();
    const s3 = await s3Settings();
    const topic = uniqueName('it-dlq');
    const model = uniqueName('dlq');
    const kafka = testKafka(brokers);
    await createTopic(kafka, topic, 1);
    const base = testConfig({ brokers, topic, model, s3 });
    // A vector feature so that a wrong-size array is a real case.
    const config = { ...base, input: { ...base.input, features: [...base.input.features, { field: 'emb', type: 'vector' as const, size: 2 }] } };
    service = new StreamtrainService({ config, logger });
    await service.start();

    const good = seaRecords(2000, 5).map((r) => JSON.stringify({ ...r, emb: [0.5, -0.5] }));
    // Interleave: bad record i goes at offset 100 * (i + 1).
    const values: (string | null)[] = [...good];
    BAD.forEach(([, v], i) => values.splice(100 * (i + 1), 0, v));
    await produceValues(kafka, topic, values, 1);

    await waitFor(() => service!.status().samplesTotal === good.length, 60_000, 'all valid records to be learned');
    const entries = await consumeUntil(kafka, config.deadLetter.topic, (seen) => seen.length >= BAD.length, 60_000);
    const byOffset = new Map(entries.map((m) => [JSON.parse(String(m.value)).offset as string, JSON.parse(String(m.value)) as DeadLetterEntry]));
    BAD.forEach(([reason], i) => {
      const e = byOffset.get(String(100 * (i + 1)));
      expect(e, `dead-letter entry for offset ${100 * (i + 1)}`).toBeDefined();
      expect(e?.reason).toBe(reason);
      expect(e?.topic).toBe(topic);
      expect(e?.partition).toBe(0);
      expect(e?.payloadBase64).toBeUndefined();
    });
    expect(entries[0]?.key?.toString()).toMatch(new RegExp(`^${topic}:0:\\d+$`));
    expect(service.status().running).toBe(true);
    expect(service.status().deadLettered['non-finite']).toBe(2);

    await service.stop();
    service = undefined;
    const c = await latestValidCheckpoint(new S3Store({ ...s3, prefix: `it/${model}` }), model, logger);
    expect(c?.manifest.samples.total).toBe(good.length);
    // Whatever published last (a schedule, shutdown, or a detector that fired late on this stationary stream: the
    // batching decides), it holds every valid record and its offsets run past the dead-lettered ones.
    expect(c?.manifest.trigger.reason).not.toBe('initial');
    expect(c?.manifest.offsets.find((r) => r.partition === 0)?.to).toBe(String(values.length));
    expect(new Float32Array(c!.snapshot.weightData).every(Number.isFinite)).toBe(true);
  });
});
