/**
 * Where the integration tests find a real Kafka broker and a real S3-compatible store, in this order:
 *
 * 1. the environment (`KAFKA_BROKERS`, `S3_ENDPOINT`, `S3_REGION`, `S3_BUCKET`, `S3_ACCESS_KEY_ID`,
 *    `S3_SECRET_ACCESS_KEY`, `S3_FORCE_PATH_STYLE`);
 * 2. `.services/services.env`, written by `npm run services:up` (scripts/services.sh: local Kafka + MinIO,
 *    no Docker needed);
 * 3. testcontainers, only if a Docker engine answers (apache/kafka and minio/minio containers);
 * 4. otherwise an Error telling to run `npm run services:up`. Integration tests fail, they never skip.
 *
 * The secured listener (SASL_SSL with SCRAM, `kafkaSecure()`) comes from the environment or services.env only
 * (`KAFKA_SASL_BROKERS`, `KAFKA_SASL_USERNAME`, `KAFKA_SASL_PASSWORD`, `KAFKA_SASL_MECHANISM`, `KAFKA_CA_FILE`):
 * the testcontainers fallback has none.
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The broker's SASL_SSL listener: bootstrap brokers, a SCRAM user, and the CA that signed its certificate. */
export interface KafkaSecureSettings {
  readonly brokers: string[];
  readonly username: string;
  readonly password: string;
  readonly mechanism: 'scram-sha-256' | 'scram-sha-512';
  /** Path of the CA's PEM file, and its text. */
  readonly caFile: string;
  readonly ca: string;
}

export interface S3Settings {
  endpoint: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
}

/** Written by scripts/services.sh up. */
export const SERVICES_ENV_FILE = fileURLToPath(new URL('../../.services/services.env', import.meta.url));

const KAFKA_IMAGE = process.env.KAFKA_IMAGE ?? 'apache/kafka:4.3.1';
const MINIO_IMAGE = process.env.MINIO_IMAGE ?? 'minio/minio:RELEASE.2025-09-07T16-13-09Z';
const DOCKER_PROBE_TIMEOUT_MS = 5_000;

const HOW_TO_START =
  'run `npm run services:up` (starts a local Kafka broker and MinIO without Docker and writes ' +
  '.services/services.env), or set KAFKA_BROKERS and S3_* in the environment; ' +
  'alternatively start a Docker engine so that testcontainers can run the containers.';

type Vars = Readonly<Record<string, string | undefined>>;

let fileVars: Promise<Vars | undefined> | undefined;
let docker: Promise<{ brokers: string[]; s3: S3Settings } | undefined> | undefined;

/** Bootstrap brokers (`host:port`) of a running Kafka cluster. */
export async function kafkaBrokers(): Promise<string[]> {
  const fromEnv = parseBrokers(process.env.KAFKA_BROKERS);
  if (fromEnv.length > 0) return fromEnv;
  const fromFile = parseBrokers((await readServicesFile())?.KAFKA_BROKERS);
  if (fromFile.length > 0) return fromFile;
  const containers = await startContainers();
  if (containers) return containers.brokers;
  throw new Error(`No Kafka broker for the integration tests: ${HOW_TO_START}`);
}

/** The SASL_SSL listener of the running broker (`npm run services:up` starts it next to PLAINTEXT). */
export async function kafkaSecure(): Promise<KafkaSecureSettings> {
  const vars: Vars = process.env.KAFKA_SASL_BROKERS ? process.env : ((await readServicesFile()) ?? {});
  const source = process.env.KAFKA_SASL_BROKERS ? 'the environment' : SERVICES_ENV_FILE;
  const brokers = parseBrokers(vars.KAFKA_SASL_BROKERS);
  const { KAFKA_SASL_USERNAME: username, KAFKA_SASL_PASSWORD: password, KAFKA_CA_FILE: caFile } = vars;
  const mechanism = (vars.KAFKA_SASL_MECHANISM || 'scram-sha-512').toLowerCase();
  if (brokers.length === 0 || !username || !password || !caFile) {
    throw new Error(
      `No SASL_SSL Kafka listener for the secured-cluster tests in ${source}: KAFKA_SASL_BROKERS, KAFKA_SASL_USERNAME, ` +
        'KAFKA_SASL_PASSWORD and KAFKA_CA_FILE must all be set. `npm run services:up` starts that listener and writes ' +
        'them (a broker started by an older services.sh has none: `npm run services:down` then `npm run services:up`).',
    );
  }
  if (mechanism !== 'scram-sha-256' && mechanism !== 'scram-sha-512')
    throw new Error(`KAFKA_SASL_MECHANISM must be scram-sha-256 or scram-sha-512, got ${mechanism}`);
  return { brokers, username, password, mechanism, caFile, ca: await readFile(caFile, 'utf8') };
}

/** Connection settings of an S3-compatible store whose bucket already exists. */
export async function s3Settings(): Promise<S3Settings> {
  if (process.env.S3_ENDPOINT) return toS3Settings(process.env, 'the environment');
  const file = await readServicesFile();
  if (file?.S3_ENDPOINT) return toS3Settings(file, SERVICES_ENV_FILE);
  const containers = await startContainers();
  if (containers) return containers.s3;
  throw new Error(`No S3-compatible store for the integration tests: ${HOW_TO_START}`);
}

function parseBrokers(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b.length > 0);
}

function toS3Settings(vars: Vars, source: string): S3Settings {
  const { S3_ENDPOINT, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY } = vars;
  if (!S3_ENDPOINT || !S3_ACCESS_KEY_ID || !S3_SECRET_ACCESS_KEY) {
    throw new Error(`S3_ENDPOINT, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must all be set in ${source}`);
  }
  return {
    endpoint: S3_ENDPOINT,
    region: vars.S3_REGION || 'us-east-1',
    bucket: vars.S3_BUCKET || 'streamtrain',
    accessKeyId: S3_ACCESS_KEY_ID,
    secretAccessKey: S3_SECRET_ACCESS_KEY,
    forcePathStyle: (vars.S3_FORCE_PATH_STYLE ?? 'true').toLowerCase() !== 'false',
  };
}

/** `KEY=VALUE` lines of .services/services.env, or undefined when the file does not exist. */
function readServicesFile(): Promise<Vars | undefined> {
  fileVars ??= readFile(SERVICES_ENV_FILE, 'utf8').then(
    (text) => {
      const vars: Record<string, string> = {};
      for (const line of text.split('\n')) {
        const match = /^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
        if (match?.[1] !== undefined && match[2] !== undefined) vars[match[1]] = match[2];
      }
      return vars;
    },
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    },
  );
  return fileVars;
}

function startContainers(): Promise<{ brokers: string[]; s3: S3Settings } | undefined> {
  docker ??= (async () => {
    if (!(await dockerReachable())) return undefined;
    const { GenericContainer, Wait } = await import('testcontainers');

    // Kafka advertises the host port the client dials, so that port is chosen before the container starts.
    const kafkaPort = await freePort();
    const kafka = await new GenericContainer(KAFKA_IMAGE)
      .withExposedPorts({ container: 9092, host: kafkaPort })
      .withEnvironment({
        KAFKA_NODE_ID: '1',
        KAFKA_PROCESS_ROLES: 'broker,controller',
        KAFKA_LISTENERS: 'PLAINTEXT://:9092,BROKER://:19092,CONTROLLER://:9093',
        KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${kafkaPort},BROKER://localhost:19092`,
        KAFKA_INTER_BROKER_LISTENER_NAME: 'BROKER',
        KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
        KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,BROKER:PLAINTEXT',
        KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
        KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
        KAFKA_NUM_PARTITIONS: '1',
      })
      .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
      .start();

    const accessKeyId = 'streamtrain';
    const secretAccessKey = 'streamtrain-secret';
    const minio = await new GenericContainer(MINIO_IMAGE)
      .withCommand(['server', '/data'])
      .withEnvironment({ MINIO_ROOT_USER: accessKeyId, MINIO_ROOT_PASSWORD: secretAccessKey })
      .withExposedPorts(9000)
      .withWaitStrategy(Wait.forHttp('/minio/health/live', 9000))
      .start();
    const s3: S3Settings = {
      endpoint: `http://${minio.getHost()}:${minio.getMappedPort(9000)}`,
      region: 'us-east-1',
      bucket: 'streamtrain',
      accessKeyId,
      secretAccessKey,
      forcePathStyle: true,
    };
    const { S3Client, CreateBucketCommand } = await import('@aws-sdk/client-s3');
    const client = new S3Client({
      endpoint: s3.endpoint,
      region: s3.region,
      forcePathStyle: true,
      credentials: { accessKeyId, secretAccessKey },
    });
    try {
      await client.send(new CreateBucketCommand({ Bucket: s3.bucket }));
    } finally {
      client.destroy();
    }
    // The containers are removed by testcontainers' reaper when the test process exits.
    return { brokers: [`127.0.0.1:${kafka.getMappedPort(9092)}`], s3 };
  })();
  return docker;
}

/** True if testcontainers finds a container runtime within a few seconds. */
async function dockerReachable(): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('container runtime probe timed out')), DOCKER_PROBE_TIMEOUT_MS);
    });
    await Promise.race([getContainerRuntimeClient(), timeout]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not pick a free port'));
      });
    });
  });
}
