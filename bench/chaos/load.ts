/**
 * The chaos benchmark's paced stream and its service disruptions.
 *
 * The stream: `perTick` SEA-like records (x1, x2, x3 in [0, 10), label 1 iff x1 + x2 <= 9, as the integration
 * tests' `seaRecords`) every `tickMs`, spread evenly over the partitions, until stopped or `maxRecords` are
 * acknowledged. A send that fails (the broker is down) is retried after a pause; the records of a send whose
 * answer was lost may be in the topic twice, so what the lineage must count is the topic's end offsets, not the
 * acknowledged count.
 *
 * The services: the bench's own Kafka and MinIO (started by scripts/services.sh from this worktree, state in
 * .services). A broker restart stops the Kafka process by its pid file and starts it again with `services.sh
 * up` (which reuses the data directory); a store outage does the same to MinIO with a pause in between.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Partitioners, type Kafka } from 'kafkajs';
import { sleep } from './instances.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function* seaStream(seed: number): Generator<string> {
  let s = seed >>> 0;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  for (;;) {
    const x1 = Math.round(rnd() * 1e6) / 1e5;
    const x2 = Math.round(rnd() * 1e6) / 1e5;
    const x3 = Math.round(rnd() * 1e6) / 1e5;
    yield JSON.stringify({ x1, x2, x3, y: x1 + x2 <= 9 ? 1 : 0 });
  }
}

export class PacedProducer {
  acked = 0;
  failedSends = 0;
  private stopped = false;
  private running?: Promise<void>;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly partitions: number,
    private readonly perTick: number,
    private readonly tickMs: number,
    private readonly maxRecords: number,
    private readonly seed: number,
  ) {}

  start(): void {
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private async loop(): Promise<void> {
    const producer = this.kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent: false,
      maxInFlightRequests: 1,
      retry: { retries: 2, initialRetryTime: 200 },
    });
    let connected = false;
    const records = seaStream(this.seed);
    let next = Date.now();
    try {
      while (!this.stopped && this.acked < this.maxRecords) {
        const n = Math.min(this.perTick, this.maxRecords - this.acked);
        const messages = Array.from({ length: n }, (_, i) => ({ value: records.next().value as string, partition: i % this.partitions }));
        // The same records are retried until they are acknowledged (or the stream is stopped).
        while (!this.stopped) {
          try {
            if (!connected) {
              await producer.connect();
              connected = true;
            }
            await producer.send({ topic: this.topic, acks: -1, timeout: 5_000, messages });
            this.acked += n;
            break;
          } catch {
            this.failedSends++;
            await sleep(500);
          }
        }
        next += this.tickMs;
        await sleep(Math.max(0, next - Date.now()));
        if (Date.now() - next > 5 * this.tickMs) next = Date.now();
      }
    } finally {
      await producer.disconnect().catch(() => undefined);
    }
  }
}

/** The environment `services.sh` needs to address the bench's own services (ports, cache). */
export function servicesEnv(): Record<string, string> {
  const keys = [
    'STREAMTRAIN_CACHE_DIR',
    'KAFKA_PORT',
    'KAFKA_CONTROLLER_PORT',
    'KAFKA_SASL_PORT',
    'MINIO_PORT',
    'MINIO_CONSOLE_PORT',
    'KAFKA_VERSION',
    'MINIO_VERSION',
    'S3_BUCKET',
    'S3_REGION',
  ];
  const env: Record<string, string> = {};
  for (const k of keys) if (process.env[k]) env[k] = process.env[k] as string;
  return env;
}

function pidOf(service: 'kafka' | 'minio'): number | undefined {
  try {
    const pid = Number(readFileSync(`${ROOT}.services/${service}/${service}.pid`, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM to the service's recorded pid, SIGKILL after `graceMs`; resolves when it is gone. */
export async function stopService(service: 'kafka' | 'minio', graceMs = 30_000): Promise<{ pid: number; ms: number; forced: boolean }> {
  const pid = pidOf(service);
  if (pid === undefined || !alive(pid)) throw new Error(`${service} is not running (no live pid in .services/${service}/${service}.pid)`);
  const t = Date.now();
  process.kill(pid, 'SIGTERM');
  let forced = false;
  while (alive(pid)) {
    if (Date.now() - t > graceMs && !forced) {
      process.kill(pid, 'SIGKILL');
      forced = true;
    }
    await sleep(100);
  }
  return { pid, ms: Date.now() - t, forced };
}

/** `bash scripts/services.sh up` with the bench's service environment (starts whatever is stopped). */
export function servicesUp(): Promise<{ ms: number; output: string }> {
  const t = Date.now();
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      [`${ROOT}scripts/services.sh`, 'up'],
      { cwd: ROOT, env: { ...process.env, ...servicesEnv() }, timeout: 180_000 },
      (err, stdout, stderr) => {
        const output = `${stdout}${stderr}`.trim();
        if (err) reject(new Error(`services.sh up failed: ${err.message}\n${output}`));
        else resolve({ ms: Date.now() - t, output });
      },
    );
  });
}

/** Refuses to run against the shared default services: the chaos bench stops and starts its services. */
export function assertOwnServices(brokers: string[], s3Endpoint: string): void {
  const env = servicesEnv();
  const kafkaPort = env.KAFKA_PORT ?? '9092';
  const minioPort = env.MINIO_PORT ?? '9000';
  if (kafkaPort === '9092' || minioPort === '9000') {
    throw new Error(
      'bench:chaos restarts the broker and stops the object store: run it against services of its own, e.g. KAFKA_PORT=19092 KAFKA_CONTROLLER_PORT=19093 KAFKA_SASL_PORT=19094 MINIO_PORT=19000 MINIO_CONSOLE_PORT=19001 (and `services.sh up` with the same env)',
    );
  }
  if (!brokers.every((b) => b === `127.0.0.1:${kafkaPort}`) || !s3Endpoint.endsWith(`127.0.0.1:${minioPort}`)) {
    throw new Error(
      `the services in .services/services.env (${brokers.join(',')}, ${s3Endpoint}) are not those of KAFKA_PORT=${kafkaPort} / MINIO_PORT=${minioPort}`,
    );
  }
}
