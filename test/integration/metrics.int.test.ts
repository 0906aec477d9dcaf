import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/core/index.js';
import { S3Store, listVersions } from '../../src/checkpoints/index.js';
import { StreamtrainService } from '../../src/pipeline/index.js';
import { ServiceMetrics, startHttpServer } from '../../src/server/index.js';
import { createTopic, produceValues, testKafka, uniqueName, waitFor } from '../support/kafka-helpers.js';
import { seaRecords, testConfig } from '../support/pipeline-config.js';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text.js';
import { kafkaBrokers, s3Settings } from './services.js';

const logger = createLogger({ level: 'silent' });
const N = 2000;
const BAD = 3;

describe('/metrics of a running service (real Kafka, real MinIO)', () => {
  let service: StreamtrainService | undefined;
  let close: (() => void) | undefined;
  afterAll(async () => {
    close?.();
    await service?.stop();
  });

  it('reports the status and counts every learned batch, checkpoint write and published version', async () => {
    const brokers = await kafkaBrokers();
    const s3 = await s3Settings();
    const topic = uniqueName('it-metrics');
    const model = uniqueName('metrics');
    const kafka = testKafka(brokers);
    await createTopic(kafka, topic, 2);
    const config = testConfig({ brokers, topic, model, s3 });
    const metrics = new ServiceMetrics({ model, status: () => (service as StreamtrainService).status() });
    service = new StreamtrainService({ config, logger, observer: metrics });
    await service.start();
    const http = await startHttpServer({ host: '127.0.0.1', port: 0, status: () => (service as StreamtrainService).status(), metrics, logger });
    close = () => http.server.close();

    const values: string[] = seaRecords(N, 3).map((r) => JSON.stringify(r));
    for (let i = 0; i < BAD; i++) values.splice(500 * (i + 1), 0, '{"x1": ');
    await produceValues(kafka, topic, values, 2);
    await waitFor(() => service!.status().samplesTotal === N && service!.status().deadLettered.undecodable === BAD, 60_000, 'every record to be handled');
    // Stopping drains: every version is then durable and announced, and the HTTP server still answers.
    await service.stop();
    const status = service.status();
    const res = await fetch(`${http.url}/metrics`);
    expect(res.status).toBe(200);
    const families = parsePrometheusText(await res.text());
    const value = (name: string, labels: Record<string, string> = {}) => sampleValue(families, name, { model, ...labels });

    expect(value('streamtrain_samples_total')).toBe(N);
    expect(value('streamtrain_batches_total')).toBe(status.batches);
    expect(value('streamtrain_buffered_records')).toBe(0);
    expect(value('streamtrain_consumer_paused')).toBe(0);
    expect(value('streamtrain_dead_letter_total', { reason: 'undecodable' })).toBe(BAD);
    // The live metrics as the status has them (they may lag the last steps by up to METRICS_MAX_AGE_MS).
    expect(value('streamtrain_metric', { name: 'accuracy_window' })).toBe(status.metrics.accuracy_window);
    expect(value('streamtrain_metric', { name: 'samples' })).toBe(status.metrics.samples);
    expect(status.metrics.samples).toBeGreaterThan(0);

    // A step per batch with examples (batches of rejected records alone have none): at least N / batch.maxSize
    // (batches grow up to it while records queue up, as they do here: the whole topic is there at the start).
    const steps = value('streamtrain_step_seconds_count');
    expect(status.learner?.batchBound).toBeLessThanOrEqual(config.batch.maxSize);
    expect(steps).toBeGreaterThanOrEqual(N / config.batch.maxSize);
    expect(steps).toBeLessThanOrEqual(status.batches);
    expect(value('streamtrain_step_seconds_sum')).toBeGreaterThan(0);
    // One write per version in the store; a freshness for each but the initial one, which holds no record.
    const versions = await listVersions(new S3Store({ ...s3, prefix: `it/${model}` }), model);
    expect(versions.length).toBeGreaterThanOrEqual(2);
    expect(value('streamtrain_checkpoint_write_seconds_count')).toBe(versions.length);
    expect(value('streamtrain_checkpoint_write_seconds_sum')).toBeGreaterThan(0);
    expect(value('streamtrain_publication_freshness_seconds_count')).toBe(versions.length - 1);
    // Versions are published at least every 2 s (triggers.everySeconds): freshness stays within seconds.
    const freshness = value('streamtrain_publication_freshness_seconds_sum') / (versions.length - 1);
    expect(freshness).toBeGreaterThan(0);
    expect(freshness).toBeLessThan(30);
    expect(families.has('process_cpu_user_seconds_total')).toBe(true);
  });
});
