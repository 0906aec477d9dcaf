import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCommand } from '../../src/cli/check-command.js';
import { createLogger, DependencyError, parseConfig } from '../../src/core/index.js';
import { assertStartable } from '../../src/pipeline/index.js';
import { createTopic, testKafka, uniqueName } from '../support/kafka-helpers.js';
import { testConfigTree } from '../support/pipeline-config.js';
import { kafkaBrokers, s3Settings, type S3Settings } from './services.js';

/** `streamtrain check` and the start-up checks of `run`, against the real broker and MinIO, each dependency broken in turn. */
describe('check: every dependency, one line each (real Kafka, real MinIO)', () => {
  let dir: string;
  let brokers: string[];
  let s3: S3Settings;
  let topic: string;
  const saved = { ...process.env };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'st-check-'));
    brokers = await kafkaBrokers();
    s3 = await s3Settings();
    topic = uniqueName('it-check');
    await createTopic(testKafka(brokers), topic, 3);
    process.env.S3_ACCESS_KEY_ID = s3.accessKeyId;
    process.env.S3_SECRET_ACCESS_KEY = s3.secretAccessKey;
  });
  afterAll(async () => {
    process.env = saved;
    await rm(dir, { recursive: true, force: true });
  });

  async function check(tree: Record<string, unknown>, env: Record<string, string> = {}): Promise<{ code: number; lines: string[] }> {
    const file = join(dir, `${uniqueName('c')}.json`);
    await writeFile(file, JSON.stringify(tree));
    const before = { ...process.env };
    Object.assign(process.env, env);
    const lines: string[] = [];
    try {
      return { code: await checkCommand({ config: file }, (l) => lines.push(l)), lines };
    } finally {
      process.env = before;
    }
  }
  const tree = (over: { brokers?: string[]; topic?: string; bucket?: string } = {}) => {
    const t = testConfigTree({ brokers: over.brokers ?? brokers, topic: over.topic ?? topic, model: 'check', s3 });
    if (over.bucket) (t.checkpoints as { store: Record<string, unknown> }).store.bucket = over.bucket;
    return t;
  };

  it('ticks every dependency of a good config and exits 0', async () => {
    const { code, lines } = await check(tree());
    expect(code).toBe(0);
    expect(lines.filter((l) => l.startsWith('✓')).map((l) => l.slice(2, 19).trim())).toEqual([
      'config',
      'kafka brokers',
      'source topics',
      'consumer group',
      'versions topic',
      'checkpoint store',
      'tfjs backend',
    ]);
    expect(lines.join('\n')).toContain(`${topic} (3 partitions)`);
    expect(lines.join('\n')).toContain('conditional writes honoured');
  });

  it('names the setting and the fix for a wrong broker port, a wrong secret, a missing bucket or topic and an unreachable registry, with exit code 3', async () => {
    const cases: [Record<string, unknown>, Record<string, string>, RegExp][] = [
      [tree({ brokers: ['127.0.0.1:1'] }), {}, /^✗ kafka brokers +Cannot reach any Kafka broker at 127\.0\.0\.1:1 .*check `kafka\.brokers` \/ KAFKA_BROKERS/m],
      [
        tree(),
        { S3_SECRET_ACCESS_KEY: 'not-the-secret' },
        /^✗ checkpoint store +.*refused the credentials \(SignatureDoesNotMatch\): check S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY/m,
      ],
      [
        tree({ bucket: 'no-such-bucket-here' }),
        {},
        /^✗ checkpoint store +The bucket `no-such-bucket-here` does not exist.*fix `checkpoints\.store\.bucket` \/ S3_BUCKET/m,
      ],
      [tree({ topic: 'no-such-topic-here' }), {}, /^✗ source topics +Source topic\(s\) `no-such-topic-here` do not exist.*fix `kafka\.topics`/m],
      [
        { ...tree(), input: { ...(tree().input as object), format: 'avro', schemaRegistryUrl: 'http://127.0.0.1:1' } },
        {},
        /^✗ schema registry +Cannot reach the schema registry at http:\/\/127\.0\.0\.1:1 .*check `input\.schemaRegistryUrl` \/ SCHEMA_REGISTRY_URL/m,
      ],
    ];
    for (const [t, env, line] of cases) {
      const started = performance.now();
      const { code, lines } = await check(t, env);
      expect(lines.join('\n')).toMatch(line);
      expect(lines.filter((l) => l.startsWith('✗'))).toHaveLength(1);
      expect(code).toBe(3);
      // Bounded: no minute of retries.
      expect(performance.now() - started).toBeLessThan(20_000);
    }
  });

  it('run refuses to start on the same problems with one DependencyError naming the setting', async () => {
    const logger = createLogger({ level: 'silent' });
    const env = { S3_ACCESS_KEY_ID: s3.accessKeyId, S3_SECRET_ACCESS_KEY: s3.secretAccessKey };
    const err = await assertStartable(parseConfig(tree({ bucket: 'no-such-bucket-here' }), { env }), logger).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DependencyError);
    expect((err as DependencyError).setting).toBe('checkpoints.store.bucket (env S3_BUCKET)');
    const unreachable = await assertStartable(parseConfig(tree({ brokers: ['127.0.0.1:1'] }), { env }), logger).catch((e: unknown) => e);
    expect((unreachable as DependencyError).setting).toBe('kafka.brokers (env KAFKA_BROKERS)');
    expect((unreachable as DependencyError).retriable).toBe(true);
  });
});
