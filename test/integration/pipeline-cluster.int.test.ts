import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { S3Store, readLatestPointer, readManifest } from '../../src/checkpoints/index.js';
import { createLogger, FencedError } from '../../src/core/index.js';
import { StreamtrainService } from '../../src/pipeline/index.js';
import { createTopic, produceValues, testKafka, uniqueName, waitFor } from '../support/kafka-helpers.js';
import { expectExactLineage, readLineage } from '../support/lineage.js';
import { seaRecords, testConfig, testConfigTree } from '../support/pipeline-config.js';
import { freePort, spawnService, statusOf } from '../support/service-process.js';
import { kafkaBrokers, s3Settings } from './services.js';

describe('one writer per model (real Kafka, real MinIO)', () => {
  const dirs: string[] = [];
  // Every spawned instance dies with the test file, also when an assertion fails midway.
  const children: { kill: (signal: NodeJS.Signals) => boolean }[] = [];
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    if (!process.env.KEEP_TEST_DIRS) await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('a second service of the same model fences the first: the stale one is refused by the store and publishes nothing more', async () => {
    const brokers = await kafkaBrokers();
    const s3 = await s3Settings();
    const kafka = testKafka(brokers);
    const topic = uniqueName('it-fence');
    const model = uniqueName('fence');
    await createTopic(kafka, topic, 2);
    const config = testConfig({ brokers, topic, model, s3, extra: { triggers: { everySamples: 200, everySeconds: 1, minGapSeconds: 0 } } });
    const logger = createLogger({ level: 'silent' });
    const store = new S3Store({ ...s3, prefix: `it/${model}` });
    await produceValues(
      kafka,
      topic,
      seaRecords(2_000, 5).map((r) => JSON.stringify(r)),
      2,
    );

    const a = new StreamtrainService({ config, logger, store });
    await a.start();
    await waitFor(() => a.status().samplesTotal >= 500 && (a.status().version ?? '1.0') !== '1.0', 60_000, 'the first service to publish');
    expect(a.epoch).toBe(1);
    // B is what a second replica of the Deployment did: same config, same store, same group.
    const b = new StreamtrainService({ config, logger, store });
    await b.start();
    expect(b.epoch).toBe(2);
    await produceValues(
      kafka,
      topic,
      seaRecords(2_000, 6).map((r) => JSON.stringify(r)),
      2,
    );
    const failure = await a.done.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(FencedError);
    await a.abort('fenced');
    await waitFor(
      async () => {
        const v = await readLatestPointer(store, model);
        return v !== undefined && (await readManifest(store, model, v)).epoch === 2 && b.status().samplesTotal > 0;
      },
      60_000,
      'the second service to publish',
    );
    await b.stop();

    // Every version of the lineage after the takeover is B's; nothing A wrote after it is in the lineage.
    const lineage = await readLineage(store, model);
    const since = lineage.findIndex((m) => m.epoch === 2);
    expect(since).toBeGreaterThan(0);
    expect(lineage.slice(since).every((m) => m.epoch === 2)).toBe(true);
    expect(lineage.slice(0, since).every((m) => m.epoch === 1)).toBe(true);
    await store.close();
  });

  it('a standby takes over after SIGKILL, a rolling restart hands over, and the lineage stays exact', async () => {
    const brokers = await kafkaBrokers();
    const s3 = await s3Settings();
    const kafka = testKafka(brokers);
    const topic = uniqueName('it-cluster');
    const model = uniqueName('cluster');
    const dir = await mkdtemp(join(tmpdir(), 'st-cluster-'));
    dirs.push(dir);
    await createTopic(kafka, topic, 2);
    const env = { S3_ACCESS_KEY_ID: s3.accessKeyId, S3_SECRET_ACCESS_KEY: s3.secretAccessKey };
    const logFile = join(dir, 'service.log');
    const start = async (name: string) => {
      const port = await freePort();
      const tree = testConfigTree({
        brokers,
        topic,
        model,
        s3,
        extra: { triggers: { everySamples: 500, everySeconds: 1, minGapSeconds: 0 }, server: { port }, logLevel: 'info' },
      });
      // The documented defaults for session timeouts.
      delete (tree.kafka as Record<string, unknown>).sessionTimeoutMs;
      delete (tree.kafka as Record<string, unknown>).heartbeatIntervalMs;
      const path = join(dir, `${name}.json`);
      await writeFile(path, JSON.stringify(tree));
      const child = spawnService({ config: path, logFile, env: { ...env, STREAMTRAIN_INSTANCE_ID: name } });
      children.push(child);
      return { name, port, child };
    };
    type Instance = Awaited<ReturnType<typeof start>>;
    const roleOf = async (i: Instance) => (await statusOf(i.port))?.role;
    const leaderAmong = async (list: Instance[]) => {
      for (const i of list) {
        const s = await statusOf(i.port);
        if (s?.role === 'leader' && s.batches > 0) return i;
      }
      return undefined;
    };

    // A paced stream that goes on until the handover is over, so each successor has new records to learn.
    const MAX = 40_000;
    const values = seaRecords(MAX, 9).map((r) => JSON.stringify(r));
    let produced = 0;
    let keepProducing = true;
    const producing = (async () => {
      while (keepProducing && produced < MAX) {
        await produceValues(kafka, topic, values.slice(produced, produced + 100), 2);
        produced += 100;
        await new Promise((r) => setTimeout(r, 150));
      }
    })();

    const a = await start('a');
    const b = await start('b');
    let leader: Instance | undefined;
    await waitFor(async () => (leader = await leaderAmong([a, b])) !== undefined, 90_000, 'a leader');
    const first = leader as Instance;
    const standby = first === a ? b : a;
    await waitFor(async () => (await roleOf(standby)) === 'standby', 30_000, 'the other instance to stand by');
    const health = await fetch(`http://127.0.0.1:${standby.port}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('ok standby\n');

    await new Promise((r) => setTimeout(r, 2_000));
    first.child.kill('SIGKILL');
    const killedAt = Date.now();
    await waitFor(async () => (await leaderAmong([standby])) !== undefined, 60_000, 'the standby to take over');
    const takeoverMs = Date.now() - killedAt;

    const c = await start('c');
    await waitFor(async () => (await roleOf(c)) === 'standby', 60_000, 'a new standby');
    standby.child.kill('SIGTERM');
    const termAt = Date.now();
    await waitFor(async () => (await leaderAmong([c])) !== undefined, 60_000, 'the handover');
    const handoverMs = Date.now() - termAt;
    expect(await standby.child.exited).toBe(0);
    console.log(`takeover after SIGKILL: ${takeoverMs} ms; handover after SIGTERM: ${handoverMs} ms (session timeouts 6000 ms)`);

    keepProducing = false;
    await producing;
    const TOTAL = produced;
    const store = new S3Store({ ...s3, prefix: `it/${model}` });
    try {
      await waitFor(
        async () => {
          const v = await readLatestPointer(store, model);
          return v !== undefined && (await readManifest(store, model, v)).samples.total === TOTAL;
        },
        90_000,
        `the lineage to count ${TOTAL} samples`,
      );
    } finally {
      c.child.kill('SIGTERM');
    }
    expect(await c.child.exited).toBe(0);

    const lineage = await readLineage(store, model);
    const end = expectExactLineage(lineage, TOTAL);
    expect(Number(end.get(0)) + Number(end.get(1))).toBe(TOTAL);
    // Three writers in turn, each under a higher epoch; no epoch goes back along the lineage.
    const epochs = lineage.map((m) => m.epoch ?? 0);
    expect(epochs).toEqual([...epochs].sort((x, y) => x - y));
    expect(new Set(lineage.map((m) => m.writer))).toEqual(new Set(['a', 'b', 'c'].filter((n) => lineage.some((m) => m.writer === n))));
    expect(new Set(lineage.map((m) => m.writer)).size).toBeGreaterThanOrEqual(2);
    expect(takeoverMs).toBeLessThan(30_000);
    await store.close();
  });
});
