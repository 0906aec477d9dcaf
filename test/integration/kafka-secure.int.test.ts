import { PassThrough } from 'node:stream';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, createLogger, decodeVersionEvent, parseConfig, type Logger, type StreamtrainConfig } from '../../src/core/index.js';
import { S3Store, readLatestPointer } from '../../src/checkpoints/index.js';
import { ClusterMember, StreamtrainService, createKafka, type ServiceStatus } from '../../src/pipeline/index.js';
import { ServiceMetrics, startHttpServer } from '../../src/server/index.js';
import { ModelSubscriber } from '../../src/subscriber/index.js';
import { consumeUntil, createTopic, produceValues, uniqueName, waitFor } from '../support/kafka-helpers.js';
import { seaRecords, testConfigTree } from '../support/pipeline-config.js';
import { kafkaSecure, s3Settings, type KafkaSecureSettings, type S3Settings } from './services.js';

/**
 * A secured cluster: the broker's SASL_SSL listener (SCRAM over TLS, throw-away CA from `npm run services:up`).
 * The service, the subscriber and the test's own clients all go through it; the PLAINTEXT listener is not used.
 */

/** A logger writing to memory, at debug: everything the process would have logged, to search for the secret. */
function capturedLogger(): { logger: Logger; text: () => string } {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const logger = createLogger({ level: 'debug', destination: out });
  return { logger, text: () => (logger.flush(), Buffer.concat(chunks).toString('utf8')) };
}

/** The test's own kafkajs client (admin, producer, reader) over SASL_SSL. */
function secureKafka(secure: KafkaSecureSettings): Kafka {
  return new Kafka({
    clientId: 'streamtrain-test-secure',
    brokers: secure.brokers,
    ssl: { ca: [secure.ca] },
    sasl: { mechanism: secure.mechanism, username: secure.username, password: secure.password } as never,
    logLevel: logLevel.NOTHING,
    retry: { retries: 8, initialRetryTime: 200 },
  });
}

/**
 * The config of one instance of `model` on the secured listener, as a deployment would give it: `kafka.ssl`
 * and the mechanism in the file, the credentials from KAFKA_SASL_USERNAME/KAFKA_SASL_PASSWORD, the CA from
 * KAFKA_CA_FILE (set for the whole file in beforeAll). Every instance of a model (leader, standbys) is built
 * from this.
 */
function securedConfig(o: { secure: KafkaSecureSettings; s3: S3Settings; topic: string; model: string; password?: string }): StreamtrainConfig {
  const tree = testConfigTree({ brokers: o.secure.brokers, topic: o.topic, model: o.model, s3: o.s3 });
  const kafka = { ...(tree.kafka as Record<string, unknown>), ssl: true, sasl: { mechanism: o.secure.mechanism } };
  return parseConfig(
    { ...tree, kafka },
    {
      env: {
        KAFKA_SASL_USERNAME: o.secure.username,
        KAFKA_SASL_PASSWORD: o.password ?? o.secure.password,
        S3_ACCESS_KEY_ID: o.s3.accessKeyId,
        S3_SECRET_ACCESS_KEY: o.s3.secretAccessKey,
      },
    },
  );
}

describe('secured cluster: SASL/SCRAM over TLS (real Kafka, real MinIO)', () => {
  let secure: KafkaSecureSettings;
  let s3: S3Settings;
  let kafka: Kafka;
  const savedCaFile = process.env.KAFKA_CA_FILE;
  const cleanup: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    secure = await kafkaSecure();
    s3 = await s3Settings();
    kafka = secureKafka(secure);
    process.env.KAFKA_CA_FILE = secure.caFile;
  });

  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
    if (savedCaFile === undefined) delete process.env.KAFKA_CA_FILE;
    else process.env.KAFKA_CA_FILE = savedCaFile;
  });

  it('a leader and a standby elected over SASL_SSL learn and publish versions a subscriber receives, and no secret leaks', async () => {
    const topic = uniqueName('it-secure');
    const model = uniqueName('secure');
    await createTopic(kafka, topic, 1);
    const config = securedConfig({ secure, s3, topic, model });
    expect(config.kafka.sasl?.password).toBe(secure.password); // the needle below is the one the service holds
    const { logger, text: logText } = capturedLogger();

    // Leader and standby: two members of the model's lease group, both over SASL_SSL.
    const metrics: ServiceMetrics = new ServiceMetrics({ model, status: (): ServiceStatus => service.status() });
    const service: ClusterMember = new ClusterMember({ config, logger, observer: metrics });
    cleanup.push(() => service.stop());
    await service.start();
    await waitFor(() => service.status().role === 'leader', 60_000, 'the first member to lead');
    const standby = new ClusterMember({ config, logger });
    cleanup.push(() => standby.stop());
    await standby.start();
    expect(standby.status().role).toBe('standby');
    const http = await startHttpServer({ host: '127.0.0.1', port: 0, status: () => service.status(), metrics, logger });
    cleanup.push(() => new Promise((r) => http.server.close(r)));

    const first = seaRecords(1000, 21);
    await produceValues(
      kafka,
      topic,
      first.map((r) => JSON.stringify(r)),
    );
    const firstEvents = await consumeUntil(
      kafka,
      config.publish.versionsTopic,
      (seen) => seen.some((m) => decodeVersionEvent(m.value as Buffer).samplesTotal === first.length),
      60_000,
    );
    const v1 = firstEvents.map((m) => decodeVersionEvent(m.value as Buffer)).find((e) => e.samplesTotal === first.length);
    expect(v1, 'a version covering the first 1,000 records').toBeDefined();

    // The subscriber loads the newest checkpoint from the store, then follows the versions topic over SASL_SSL:
    // a little more data at a time until a later version reaches it (it joins its group asynchronously).
    const store = new S3Store({ ...s3, prefix: `it/${model}` });
    cleanup.push(async () => store.close());
    const subscriber = new ModelSubscriber({ kafka: createKafka(config.kafka, logger), versionsTopic: config.publish.versionsTopic, model, store, logger });
    cleanup.push(() => subscriber.stop());
    await subscriber.start();
    expect(subscriber.version).toBe(v1?.version);
    let produced = first.length;
    for (let round = 0; round < 20 && subscriber.version === v1?.version; round++) {
      const more = seaRecords(100, 100 + round);
      await produceValues(
        kafka,
        topic,
        more.map((r) => JSON.stringify(r)),
      );
      produced += more.length;
      await waitFor(() => subscriber.version !== v1?.version, 3_000, 'a later version at the subscriber').catch(() => undefined);
    }
    expect(subscriber.version).not.toBe(v1?.version);
    expect(subscriber.predictRecords(first.slice(0, 3)).length).toBe(3);
    await waitFor(() => service.status().samplesTotal === produced, 30_000, 'the service to learn every record');

    expect(standby.status().role).toBe('standby');
    const statusJson = JSON.stringify([service.status(), standby.status()]);
    const fromHttp = (await Promise.all(['/status', '/metrics', '/healthz'].map(async (p) => (await fetch(`${http.url}${p}`)).text()))).join('\n');
    expect(fromHttp).toContain(model);
    await subscriber.stop();
    await service.stop();
    await standby.stop();
    const head = (await readLatestPointer(store, model)) as string;

    // Everything that left the process: version events, checkpoint objects (manifests carry the model spec), logs.
    const events = await consumeUntil(
      kafka,
      config.publish.versionsTopic,
      (seen) => seen.some((m) => decodeVersionEvent(m.value as Buffer).version === head),
      30_000,
    );
    expect(events.length).toBeGreaterThan(2);
    expect(decodeVersionEvent(events[events.length - 1]?.value as Buffer).samplesTotal).toBe(produced);
    const keys = await store.list(`${model}/`);
    const manifests = keys.filter((k) => k.endsWith('manifest.json'));
    expect(manifests.length).toBeGreaterThan(1);
    const objects = await Promise.all(keys.map(async (k) => [k, Buffer.from((await store.get(k)) as Uint8Array)] as const));
    const logs = logText();
    expect(logs).toContain(model);

    const secret = Buffer.from(secure.password);
    expect(logs.includes(secure.password), 'the password in the logs').toBe(false);
    expect(statusJson.includes(secure.password), 'the password in status()').toBe(false);
    expect(fromHttp.includes(secure.password), 'the password at /status or /metrics').toBe(false);
    for (const m of events)
      expect(Buffer.concat([m.key ?? Buffer.alloc(0), m.value ?? Buffer.alloc(0)]).includes(secret), `version event at offset ${m.offset}`).toBe(false);
    for (const [key, bytes] of objects) expect(bytes.includes(secret), `store object ${key}`).toBe(false);
    // The manifest's model spec is what a downstream service reads: no `kafka` section in it at all.
    const manifest = JSON.parse((objects.find(([k]) => k === manifests[manifests.length - 1])?.[1] as Buffer).toString('utf8')) as {
      modelSpec?: Record<string, unknown>;
    };
    expect(manifest.modelSpec).toBeDefined();
    expect(Object.keys(manifest.modelSpec ?? {})).not.toContain('kafka');
  });

  it('a wrong password fails at start, at once, with a ConfigError naming kafka.sasl and the fix', async () => {
    const topic = uniqueName('it-secure-bad');
    const model = uniqueName('secure-bad');
    await createTopic(kafka, topic, 1);
    const wrong = `wrong-${secure.password.slice(0, 6)}-${Date.now()}`;
    const config = securedConfig({ secure, s3, topic, model, password: wrong });
    const { logger, text: logText } = capturedLogger();
    const service = new StreamtrainService({ config, logger });
    const started = performance.now();
    const err = await service.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    const ms = performance.now() - started;
    await service.stop();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).field).toBe('kafka.sasl');
    expect((err as ConfigError).message).toMatch(/refused the SASL login \(user '.+' with scram-sha-\d+\): check KAFKA_SASL_USERNAME\/KAFKA_SASL_PASSWORD/);
    // kafkajs does not retry a refused login (its 8 retries with back-off would take about 50 s).
    const logs = logText();
    expect(logs).toContain('authentication failed');
    expect(logs).not.toMatch(/"retryCount":[1-9]/);
    expect(ms).toBeLessThan(20_000);
    expect((err as Error).message.includes(wrong)).toBe(false);
    expect(logs.includes(wrong)).toBe(false);
  });
});
