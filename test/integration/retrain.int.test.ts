import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { S3Store, listVersions, readLatest, readManifest } from '../../src/checkpoints/index.js';
import { ConfigError, createLogger, decodeVersionEvent, FencedError, formatVersion, parseConfig } from '../../src/core/index.js';
import { StreamtrainService } from '../../src/pipeline/index.js';
import { consumeUntil, createTopic, produceValues, testKafka, uniqueName, waitFor } from '../support/kafka-helpers.js';
import { testConfigTree } from '../support/pipeline-config.js';
import { kafkaBrokers, s3Settings } from './services.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = import.meta.resolve('tsx');

/** Records whose label no linear model can learn: 1 inside the circle x1² + x2² < 0.5 (seeded LCG). */
function circleRecords(count: number, seed: number): string[] {
  let s = seed >>> 0;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  };
  return Array.from({ length: count }, () => {
    const x1 = Math.round(rnd() * 1e5) / 1e5;
    const x2 = Math.round(rnd() * 1e5) / 1e5;
    return JSON.stringify({ x1, x2, y: x1 * x1 + x2 * x2 < 0.5 ? 1 : 0 });
  });
}

/** `streamtrain retrain ...` as a real child process; resolves with its exit code and output. */
function runRetrain(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ['--import', TSX, `${ROOT}src/cli/main.ts`, 'retrain', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out })));
}

describe('retrain by replay (real Kafka, real MinIO)', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    if (!process.env.KEEP_TEST_DIRS) await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('an MLP trained by replaying the topic beats the live logistic model, becomes a new major and fences the old writer; a worse config writes nothing', async () => {
    const brokers = await kafkaBrokers();
    const s3 = await s3Settings();
    const kafka = testKafka(brokers);
    const topic = uniqueName('it-retrain');
    const model = uniqueName('retrain');
    const dir = await mkdtemp(join(tmpdir(), 'st-retrain-'));
    dirs.push(dir);
    await createTopic(kafka, topic, 1);
    const env = { S3_ACCESS_KEY_ID: s3.accessKeyId, S3_SECRET_ACCESS_KEY: s3.secretAccessKey };
    const store = new S3Store({ ...s3, prefix: `it/${model}` });
    const logger = createLogger({ level: 'silent' });
    const tree = (modelSection: Record<string, unknown>) =>
      testConfigTree({
        brokers,
        topic,
        model,
        s3,
        modelExtra: modelSection,
        extra: {
          input: { features: [{ field: 'x1' }, { field: 'x2' }], label: { field: 'y' } },
          batch: { size: 50, maxWaitMs: 100 },
          learner: { thread: 'main', updateBatchSize: 8 },
          triggers: { everySamples: 1_000, everySeconds: 1, minGapSeconds: 0 },
          drift: { challenger: { minSamples: 500 } },
          cluster: { standbyPollMs: 250 },
        },
      });
    const oldTree = tree({ type: 'logistic', optimizer: { type: 'adam', learningRate: 0.05 } });
    const oldConfig = parseConfig(oldTree, { env });
    const newPath = join(dir, 'new.json');
    await writeFile(newPath, JSON.stringify(tree({ type: 'mlp', hiddenUnits: [32], optimizer: { type: 'adam', learningRate: 0.01 } })));
    const worsePath = join(dir, 'worse.json');
    await writeFile(worsePath, JSON.stringify(tree({ type: 'logistic', optimizer: { type: 'sgd', learningRate: 0.01 } })));

    // The history the replay reads, then the live logistic model on it.
    await produceValues(kafka, topic, circleRecords(4_000, 1));
    const live = new StreamtrainService({ config: oldConfig, logger, store });
    await live.start();
    const liveFailure = live.done.then(
      () => undefined,
      (err: unknown) => err,
    );
    await waitFor(
      async () => {
        const v = (await readLatest(store, model))?.record.version;
        return v !== undefined && v !== null && (await readManifest(store, model, v)).offsets.some((r) => r.to === '4000');
      },
      60_000,
      'the live model to publish a version at offset 4000',
    );
    const liveEpoch = live.epoch;

    // The stream goes on while the retrain runs: the race is scored on what comes next.
    let producing = true;
    let seed = 2;
    const producer = (async () => {
      while (producing) {
        await produceValues(kafka, topic, circleRecords(200, seed++));
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    try {
      const won = await runRetrain(['--config', newPath, '--race-samples', '2000', '--race-seconds', '40'], env);
      expect(won.code, won.out).toBe(0);
      expect(won.out).toMatch(/the candidate won: .* 2\.0 is published/);
      expect(won.out).toMatch(/Roll out .*new\.json/);

      const latest = (await readLatest(store, model))?.record;
      expect(latest?.version).toBe('2.0');
      expect(latest?.epoch).toBeGreaterThan(liveEpoch ?? 0);
      const m = await readManifest(store, model, '2.0');
      expect(m.trigger.reason).toBe('retrain');
      expect((m.modelSpec as { model: { type: string } }).model.type).toBe('mlp');
      const r = m.retrain;
      expect(r?.from).toBe('earliest');
      // Replayed from offset 0 up to where the live model stood when the retrain began; raced from there on.
      expect(r?.replayed).toHaveLength(1);
      expect(r?.replayed[0]?.from).toBe('0');
      const stop = BigInt(r?.replayed[0]?.to ?? 0);
      expect(stop).toBeGreaterThanOrEqual(4_000n);
      expect(r?.raced[0]?.from).toBe(String(stop));
      expect(BigInt(r?.raced[0]?.to ?? 0)).toBeGreaterThanOrEqual(stop + 500n);
      expect(m.offsets).toEqual([{ topic, partition: 0, from: '0', to: r?.raced[0]?.to }]);
      expect(r?.race.lead).toBeGreaterThan(0.1);
      expect(r?.racedVersions.length).toBeGreaterThan(0);
      // Both parents: the live version LATEST held when the candidate took over, and the replay's start (1.0 learned nothing).
      expect(m.parents).toHaveLength(2);
      expect(m.parents[0]).toMatch(/^1\.\d+$/);
      expect(m.parents[1]).toBe('1.0');
      expect(r?.replayParent).toBe('1.0');
      expect(m.samples.total).toBe(Number(BigInt(r?.raced[0]?.to ?? 0)));

      const events = await consumeUntil(
        kafka,
        `${topic}.versions`,
        (seen) => seen.some((e) => e.value && decodeVersionEvent(e.value).version === '2.0'),
        20_000,
      );
      const event = events.map((e) => decodeVersionEvent(e.value as Buffer)).find((e) => e.version === '2.0');
      expect(event?.trigger).toBe('retrain');
      expect(event?.parents).toEqual(m.parents);

      // The old writer is refused by the store at its next checkpoint, and on restart with the old config it refuses 2.0.
      await waitFor(
        async () => (await Promise.race([liveFailure, new Promise((r) => setTimeout(() => r('pending'), 100))])) !== 'pending',
        20_000,
        'the old writer to be fenced',
      );
      expect(await liveFailure).toBeInstanceOf(FencedError);
      await live.abort('fenced');
      const restarted = new StreamtrainService({ config: oldConfig, logger, store });
      const refusal = await restarted.start().then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(refusal).toBeInstanceOf(ConfigError);
      expect((refusal as Error).message).toMatch(/2\.0 .*retrain.*mlp \[32\].*logistic.*roll out/);

      // A worse config races the new major and loses: nothing is written.
      const before = (await listVersions(store, model)).map(formatVersion);
      const epochBefore = (await readLatest(store, model))?.record.epoch;
      const lost = await runRetrain(['--config', worsePath, '--race-samples', '2000', '--race-seconds', '40'], env);
      expect(lost.code, lost.out).toBe(4);
      expect(lost.out).toMatch(/did not win|ran out of time/);
      expect((await listVersions(store, model)).map(formatVersion)).toEqual(before);
      expect((await readLatest(store, model))?.record).toMatchObject({ version: '2.0', epoch: epochBefore });
    } finally {
      producing = false;
      await producer;
      await live.abort('test over');
      await store.close();
    }
  }, 90_000);
});
