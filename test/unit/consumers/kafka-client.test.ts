import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { rootCertificates } from 'node:tls';
import { KafkaJSConnectionError, KafkaJSError, KafkaJSSASLAuthenticationError } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, createLogger, DependencyError, ServiceUnavailableError, type KafkaConfig } from '../../../src/core/index.js';
import { createKafka, explainKafkaError, kafkaTls } from '../../../src/consumers/kafka-client.js';

const PASSWORD = 'pw-5f1c0e7a9b2d4c68a1e3';
const config: KafkaConfig = {
  brokers: ['127.0.0.1:9094'],
  clientId: 'unit',
  groupId: 'unit',
  topics: ['t'],
  fromBeginning: true,
  sessionTimeoutMs: 30_000,
  heartbeatIntervalMs: 3_000,
  ssl: true,
  sasl: { mechanism: 'scram-sha-512', username: 'alice', password: PASSWORD },
};
// Not a real certificate: kafkaTls only checks for the PEM marker, Node parses it when it connects.
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('kafka client: TLS, SASL errors, secrets in logs', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('trusts the CA in KAFKA_CA_FILE next to the public roots, only with kafka.ssl', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'st-ca-'));
    dirs.push(dir);
    const file = join(dir, 'ca.pem');
    await writeFile(file, PEM);
    expect(kafkaTls({ ssl: false }, { KAFKA_CA_FILE: file })).toBe(false);
    expect(kafkaTls({ ssl: true }, {})).toBe(true);
    const tls = kafkaTls({ ssl: true }, { KAFKA_CA_FILE: file });
    expect(tls).toEqual({ ca: [...rootCertificates, PEM] });
    expect(() => kafkaTls({ ssl: true }, { KAFKA_CA_FILE: join(dir, 'missing.pem') })).toThrow(
      /Cannot read the CA file KAFKA_CA_FILE=.*missing\.pem \(ENOENT\)/,
    );
    await writeFile(join(dir, 'key.pem'), '-----BEGIN PRIVATE KEY-----\n');
    expect(() => kafkaTls({ ssl: true }, { KAFKA_CA_FILE: join(dir, 'key.pem') })).toThrow(ConfigError);
  });

  it('turns refused SASL credentials into a ConfigError naming kafka.sasl and the fix, without the password', () => {
    // kafkajs's typings declare no constructor argument; the runtime class takes the message like the others.
    const Refused = KafkaJSSASLAuthenticationError as unknown as new (message: string) => Error;
    const refused = new Refused(
      'SASL SCRAM SHA512 authentication failed: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512',
    );
    const err = explainKafkaError(refused, config);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).field).toBe('kafka.sasl');
    expect((err as ConfigError).message).toMatch(
      /refused the SASL login \(user 'alice' with scram-sha-512\): check KAFKA_SASL_USERNAME\/KAFKA_SASL_PASSWORD .* and the mechanism/,
    );
    expect((err as ConfigError).message).toContain('invalid credentials');
    expect((err as ConfigError).message).not.toContain(PASSWORD);
    // Also when wrapped (kafkajs errors carry the original as originalError, ours as cause).
    expect(explainKafkaError(new Error('start failed', { cause: refused }), config)).toBeInstanceOf(ConfigError);
  });

  it('points an untrusted broker certificate at KAFKA_CA_FILE, an unreachable broker at kafka.brokers, and leaves other errors alone', () => {
    const untrusted = new KafkaJSConnectionError('Connection error: self-signed certificate in certificate chain');
    const err = explainKafkaError(untrusted, config);
    expect(err).toBeInstanceOf(ServiceUnavailableError);
    expect((err as Error).message).toMatch(/not trusted .* set KAFKA_CA_FILE \(or NODE_EXTRA_CA_CERTS\)/);
    const refused = explainKafkaError(new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9094'), config);
    expect(refused).toBeInstanceOf(DependencyError);
    expect((refused as DependencyError).setting).toBe('kafka.brokers (env KAFKA_BROKERS)');
    expect((refused as Error).message).toMatch(/Cannot reach any Kafka broker at .*ECONNREFUSED.*check `kafka\.brokers` \/ KAFKA_BROKERS/);
    const other = new KafkaJSError('The coordinator is loading');
    expect(explainKafkaError(other, config)).toBe(other);
  });

  it('never logs the SASL password, even when kafkajs quotes it', async () => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const logger = createLogger({ level: 'debug', destination: out });
    const kafka = createKafka({ ...config, ssl: false }, logger, {});
    kafka.logger().error(`login as alice:${PASSWORD} failed`, {
      broker: '127.0.0.1:9094',
      error: `bad ${PASSWORD}`,
      nested: { list: [PASSWORD] },
      err: new Error(PASSWORD),
    });
    logger.flush();
    await new Promise((r) => setImmediate(r));
    const text = Buffer.concat(chunks).toString('utf8');
    expect(text).toContain('login as alice:[redacted] failed');
    expect(text).toContain('127.0.0.1:9094');
    expect(text).not.toContain(PASSWORD);
  });
});
