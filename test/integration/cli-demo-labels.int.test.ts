import { describe, expect, it, vi } from 'vitest';
import { delayedLabelsDemo } from '../../src/cli/demo-labels.js';
import { kafkaBrokers, s3Settings } from './services.js';

/** `streamtrain demo --labels delayed`, bounded by a small `--events`: runs the whole loop and ends by itself. */
describe('demo --labels delayed (real Kafka, real MinIO)', () => {
  it('serves, joins the later outcomes, learns, publishes and ends', async () => {
    const brokers = await kafkaBrokers();
    const s3 = await s3Settings();
    vi.stubEnv('KAFKA_BROKERS', brokers.join(','));
    vi.stubEnv('S3_ENDPOINT', s3.endpoint);
    vi.stubEnv('S3_REGION', s3.region);
    vi.stubEnv('S3_BUCKET', s3.bucket);
    vi.stubEnv('S3_ACCESS_KEY_ID', s3.accessKeyId);
    vi.stubEnv('S3_SECRET_ACCESS_KEY', s3.secretAccessKey);
    vi.stubEnv('S3_FORCE_PATH_STYLE', String(s3.forcePathStyle));
    const lines: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (lines.push(String(chunk)), true));
    try {
      expect(await delayedLabelsDemo({ events: 800, rate: 800, seed: 2, source: 'sea' })).toBe(0);
    } finally {
      write.mockRestore();
      vi.unstubAllEnvs();
    }
    const out = lines.join('');
    expect(out).toMatch(/Served 800 requests; \d+ outcomes came, \d+ never did/);
    expect(out).toMatch(/join: \{"joined":\d+,"defaulted":\d+/);
    expect(out).toMatch(/logged accuracy \(served outputs vs joined labels, all versions\): 0\.\d+ over \d+/);
    expect(out).toContain('subscriber: now serving version 1.1');
  }, 120_000);
});
