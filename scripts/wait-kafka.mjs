// Waits until a Kafka broker answers a metadata request (kafkajs admin.describeCluster), used by
// scripts/services.sh as the readiness probe of the local broker.
//
//   node scripts/wait-kafka.mjs --brokers 127.0.0.1:9092 [--timeout 90] [--pid 1234]
//   node scripts/wait-kafka.mjs --brokers 127.0.0.1:9094 --sasl --ca ca.pem ...
//
// With --sasl the probe logs in over SASL_SSL as KAFKA_SASL_USERNAME / KAFKA_SASL_PASSWORD with
// KAFKA_SASL_MECHANISM (from the environment, never the command line), trusting the CA in the --ca PEM file.
//
// Exit codes: 0 ready, 1 timed out, 2 the watched process (--pid) exited, 3 bad usage, 4 the broker refused
// the SASL credentials.
import { readFileSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const brokers = (option('brokers', process.env.KAFKA_BROKERS ?? '') ?? '').split(',').filter(Boolean);
const timeoutMs = Number(option('timeout', '90')) * 1000;
const pid = option('pid', undefined);
const secure = process.argv.includes('--sasl');
const caFile = option('ca', undefined);
const { KAFKA_SASL_USERNAME: username, KAFKA_SASL_PASSWORD: password, KAFKA_SASL_MECHANISM: mechanism = 'scram-sha-512' } = process.env;
if (brokers.length === 0 || !Number.isFinite(timeoutMs) || timeoutMs <= 0 || (secure && (!caFile || !username || !password))) {
  console.error('usage: wait-kafka.mjs --brokers host:port[,host:port] [--timeout seconds] [--pid pid] [--sasl --ca ca.pem]');
  console.error('       (--sasl reads KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD and KAFKA_SASL_MECHANISM from the environment)');
  process.exit(3);
}
const security = secure ? { ssl: { ca: [readFileSync(caFile, 'utf8')] }, sasl: { mechanism, username, password } } : {};

function alive(p) {
  try {
    process.kill(Number(p), 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const deadline = Date.now() + timeoutMs;
let lastError = 'no attempt made';

while (Date.now() < deadline) {
  if (pid !== undefined && !alive(pid)) {
    console.error(`wait-kafka: process ${pid} exited before the broker became ready`);
    process.exit(2);
  }
  const kafka = new Kafka({
    clientId: 'streamtrain-wait-kafka',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    requestTimeout: 5000,
    retry: { retries: 0 },
    ...security,
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length > 0 && cluster.controller !== null) {
      console.log(`wait-kafka: cluster ${cluster.clusterId} ready, ${cluster.brokers.length} broker(s)`);
      await admin.disconnect().catch(() => undefined);
      process.exit(0);
    }
    lastError = 'metadata answered without brokers or controller';
  } catch (error) {
    lastError = error instanceof Error ? error.message : String(error);
    if (error instanceof Error && error.name === 'KafkaJSSASLAuthenticationError') {
      console.error(`wait-kafka: ${brokers.join(',')} refused the SASL credentials: ${lastError}`);
      process.exit(4);
    }
  }
  await admin.disconnect().catch(() => undefined);
  await sleep(500);
}

console.error(`wait-kafka: no metadata answer from ${brokers.join(',')} within ${timeoutMs / 1000}s (last error: ${lastError})`);
process.exit(1);
