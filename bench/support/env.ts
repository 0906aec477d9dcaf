/**
 * Where the benchmarks find Kafka and MinIO: the environment first, then `.services/services.env` (written by
 * `npm run services:up`). Benchmarks only ever talk to loopback services they are pointed at.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface BenchServices {
  readonly brokers: string[];
  readonly s3: {
    readonly endpoint: string;
    readonly region: string;
    readonly bucket: string;
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly forcePathStyle: boolean;
  };
}

export const SERVICES_ENV_FILE = fileURLToPath(new URL('../../.services/services.env', import.meta.url));

function readEnvFile(): Record<string, string> {
  const vars: Record<string, string> = {};
  let text = '';
  try {
    text = readFileSync(SERVICES_ENV_FILE, 'utf8');
  } catch {
    return vars;
  }
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) vars[m[1]] = m[2];
  }
  return vars;
}

export function benchServices(): BenchServices {
  const file = readEnvFile();
  const get = (k: string): string | undefined => process.env[k] || file[k];
  const brokers = (get('KAFKA_BROKERS') ?? '127.0.0.1:9092')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  const endpoint = get('S3_ENDPOINT');
  const accessKeyId = get('S3_ACCESS_KEY_ID');
  const secretAccessKey = get('S3_SECRET_ACCESS_KEY');
  if (!endpoint || !accessKeyId || !secretAccessKey) {
    throw new Error(`S3_ENDPOINT, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY are needed: run \`npm run services:up\` (writes ${SERVICES_ENV_FILE})`);
  }
  return {
    brokers,
    s3: {
      endpoint,
      region: get('S3_REGION') ?? 'us-east-1',
      bucket: get('S3_BUCKET') ?? 'streamtrain',
      accessKeyId,
      secretAccessKey,
      forcePathStyle: (get('S3_FORCE_PATH_STYLE') ?? 'true').toLowerCase() !== 'false',
    },
  };
}

/** The env a config needs for its S3 store (credentials are never written into config trees or results). */
export function s3Env(s: BenchServices): Record<string, string> {
  return {
    S3_ENDPOINT: s.s3.endpoint,
    S3_REGION: s.s3.region,
    S3_BUCKET: s.s3.bucket,
    S3_ACCESS_KEY_ID: s.s3.accessKeyId,
    S3_SECRET_ACCESS_KEY: s.s3.secretAccessKey,
    S3_FORCE_PATH_STYLE: String(s.s3.forcePathStyle),
  };
}
