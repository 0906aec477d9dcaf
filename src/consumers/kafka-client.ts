import { readFileSync } from 'node:fs';
import { rootCertificates, type ConnectionOptions } from 'node:tls';
import { Kafka, logLevel, type LogEntry, type SASLOptions } from 'kafkajs';
import { ConfigError, DependencyError, ServiceUnavailableError, type KafkaConfig, type Logger } from '../core/index.js';

/**
 * One kafkajs client for the consumer and the producers, logging through our pino logger (secrets redacted).
 *
 * With `kafka.ssl`, the brokers' certificates are checked against Node's CA store; a private CA (a company CA,
 * the throw-away one of `npm run services:up`) is trusted in addition when `env.KAFKA_CA_FILE` names its PEM
 * file (Node's own NODE_EXTRA_CA_CERTS, read at process start, works too).
 *
 * @throws ConfigError when KAFKA_CA_FILE cannot be read or holds no PEM certificate.
 */
export function createKafka(config: KafkaConfig, logger: Logger, env: Readonly<Record<string, string | undefined>> = process.env, quick = false): Kafka {
  const log = logger.child({ module: 'kafkajs' });
  const scrub = secretScrubber(config.sasl?.password);
  return new Kafka({
    clientId: config.clientId,
    brokers: [...config.brokers],
    ssl: kafkaTls(config, env),
    sasl: config.sasl ? ({ mechanism: config.sasl.mechanism, username: config.sasl.username, password: config.sasl.password } as SASLOptions) : undefined,
    // `quick`: a start-up probe that must answer within seconds, and whose failure is explained, not logged.
    connectionTimeout: quick ? 3_000 : 5_000,
    retry: quick ? { initialRetryTime: 300, retries: 2 } : { initialRetryTime: 200, retries: 8 },
    logLevel: quick ? logLevel.NOTHING : logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, timestamp: _t, logger: _l, ...fields } = entry;
        const at = level === logLevel.ERROR ? 'error' : level === logLevel.WARN ? 'warn' : level === logLevel.INFO ? 'info' : 'debug';
        // kafkajs logs broker errors verbatim; no known one quotes the password, and none may.
        log[at](scrub(fields), scrub(message));
      },
  });
}

/** The `ssl` option of kafkajs: false, true (Node's CA store), or Node's CA store plus the CA in KAFKA_CA_FILE. */
export function kafkaTls(config: Pick<KafkaConfig, 'ssl'>, env: Readonly<Record<string, string | undefined>> = process.env): boolean | ConnectionOptions {
  if (!config.ssl) return false;
  const file = env.KAFKA_CA_FILE?.trim();
  if (!file) return true;
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(
      'KAFKA_CA_FILE',
      `Cannot read the CA file KAFKA_CA_FILE=${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): set it to the PEM file of the CA that signed the brokers' certificates, or unset it to trust Node's CA store only`,
      { cause: err },
    );
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----'))
    throw new ConfigError(
      'KAFKA_CA_FILE',
      `KAFKA_CA_FILE=${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----): set it to the PEM file of the CA that signed the brokers' certificates`,
    );
  // `ca` replaces Node's store, so the public roots are passed along: the file adds a CA, it does not narrow trust.
  return { ca: [...rootCertificates, pem] };
}

/**
 * What `StreamtrainService.start` throws when Kafka refuses it: a ConfigError naming `kafka.sasl` for
 * rejected credentials (kafkajs gives up on those at once, they are not retried), a ServiceUnavailableError
 * pointing at the CA for an untrusted broker certificate; any other error as it is.
 */
export function explainKafkaError(err: unknown, config: KafkaConfig): unknown {
  const chain = errorChain(err);
  const brokers = config.brokers.join(', ');
  if (chain.some((e) => e.name === 'KafkaJSSASLAuthenticationError')) {
    const who = config.sasl ? `user '${config.sasl.username}' with ${config.sasl.mechanism}` : 'no SASL credentials';
    return new ConfigError(
      'kafka.sasl',
      `Kafka brokers ${brokers} refused the SASL login (${who}): check KAFKA_SASL_USERNAME/KAFKA_SASL_PASSWORD (or \`kafka.sasl.username\`/\`password\`) and the mechanism (KAFKA_SASL_MECHANISM or \`kafka.sasl.mechanism\`: plain, scram-sha-256, scram-sha-512). The broker said: ${chain.find((e) => e.name === 'KafkaJSSASLAuthenticationError')?.message}`,
      { cause: err },
    );
  }
  const tls = chain.find((e) =>
    /certificate|self[- ]signed|unable to verify|ERR_TLS_CERT|DEPTH_ZERO/i.test(`${e.message} ${(e as NodeJS.ErrnoException).code ?? ''}`),
  );
  if (config.ssl && tls) {
    return new ServiceUnavailableError(
      `The TLS certificate of the Kafka brokers ${brokers} is not trusted (${tls.message}): set KAFKA_CA_FILE (or NODE_EXTRA_CA_CERTS) to the PEM file of the CA that signed it`,
      { cause: err },
    );
  }
  const unreachable = chain.find(
    (e) =>
      e.name === 'KafkaJSConnectionError' ||
      /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|Connection timeout/i.test(`${e.message} ${(e as NodeJS.ErrnoException).code ?? ''}`),
  );
  if (unreachable) {
    return new DependencyError(
      'kafka.brokers (env KAFKA_BROKERS)',
      `Cannot reach any Kafka broker at ${brokers} (${unreachable.message}): check \`kafka.brokers\` / KAFKA_BROKERS, that the brokers run and that this host may connect${config.ssl ? '' : ' (and whether they require TLS: `kafka.ssl`)'}.`,
      { cause: err, retriable: true },
    );
  }
  return err;
}

function errorChain(err: unknown): Error[] {
  const out: Error[] = [];
  for (let e: unknown = err; e instanceof Error && out.length < 10; e = (e as { originalError?: unknown; cause?: unknown }).originalError ?? e.cause)
    out.push(e);
  return out;
}

/** Replaces every occurrence of the secret in a log message or its fields (deeply) by `[redacted]`. */
function secretScrubber(secret: string | undefined): <T>(value: T) => T {
  if (!secret) return (value) => value;
  const clean = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') return value.includes(secret) ? value.split(secret).join('[redacted]') : value;
    if (depth > 4 || value === null || typeof value !== 'object') return value;
    if (value instanceof Error) return clean({ name: value.name, message: value.message, stack: value.stack }, depth + 1);
    if (Array.isArray(value)) return value.map((v) => clean(v, depth + 1));
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, clean(v, depth + 1)]));
  };
  return <T>(value: T) => clean(value, 0) as T;
}
