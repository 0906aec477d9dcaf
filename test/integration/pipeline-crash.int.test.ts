import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { S3Store, readLatestPointer, readManifest } from '../../src/checkpoints/index.js';
import { expectExactLineage, readLineage } from '../support/lineage.js';
import { consumeUntil, createTopic, produceValues, testKafka, uniqueName, waitFor } from '../support/kafka-helpers.js';
import { seaRecords, testConfigTree } from '../support/pipeline-config.js';
import { spawnService } from '../support/service-process.js';
import { kafkaBrokers, s3Settings } from './services.js';

const TOTAL = 9000;
const INVALID_EVERY = 40; // records i with i % 40 == 13 are invalid JSON
const KILLS = 4;

/** Seeded, so a failure replays with the same kill times. */
function killDelays(seed: number): number[] {
  let s = seed;
  return Array.from({ length: KILLS }, () => {
    s = (Math.imul(s, 48271) + 11) % 2147483647;
    return 2500 + (s % 3500);
  });
}

describe('crash and restart (SIGKILL, real Kafka, real MinIO)', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('after repeated SIGKILLs the lineage has seen every valid record exactly once, with offset ranges that tile each partition', async () => {
    const brokers = await kafkaBrokers();
    const s3 = await s3Settings();
    const kafka = testKafka(brokers);
    const topic = uniqueName('it-crash');
    const model = uniqueName('crash');
    const dir = await mkdtemp(join(tmpdir(), 'st-crash-'));
    dirs.push(dir);
    await createTopic(kafka, topic, 2);
    const configPath = join(dir, 'streamtrain.json');
    const tree = testConfigTree({ brokers, topic, model, s3, extra: { triggers: { everySamples: 700, everySeconds: 1, minGapSeconds: 0 }, logLevel: 'info' } });
    (tree.kafka as Record<string, unknown>).sessionTimeoutMs = 6000;
    (tree.kafka as Record<string, unknown>).heartbeatIntervalMs = 500;
    await writeFile(configPath, JSON.stringify(tree, null, 2));
    const env = { S3_ACCESS_KEY_ID: s3.accessKeyId, S3_SECRET_ACCESS_KEY: s3.secretAccessKey };
    const logFile = join(dir, 'service.log');

    const values = seaRecords(TOTAL, 3).map((r, i) => (i % INVALID_EVERY === 13 ? `{"x1": ${r.x1}, broken` : JSON.stringify(r)));
    const invalid = values.filter((_, i) => i % INVALID_EVERY === 13).length;
    const valid = TOTAL - invalid;

    // Produce in slices while the service is being killed and restarted.
    const producing = (async () => {
      for (let i = 0; i < TOTAL; i += 500) {
        await produceValues(kafka, topic, values.slice(i, i + 500), 2);
        await new Promise((r) => setTimeout(r, 350));
      }
    })();
    for (const delay of killDelays(20261122)) {
      const child = spawnService({ config: configPath, logFile, env });
      await new Promise((r) => setTimeout(r, delay));
      child.kill('SIGKILL');
      expect(await child.exited).toBeNull();
    }
    await producing;

    const store = new S3Store({ ...s3, prefix: `it/${model}` });
    const final = spawnService({ config: configPath, logFile, env });
    try {
      await waitFor(
        async () => {
          const latest = await readLatestPointer(store, model);
          return latest !== undefined && (await readManifest(store, model, latest)).samples.total === valid;
        },
        120_000,
        `the latest manifest to count ${valid} samples`,
      );
    } finally {
      final.kill('SIGTERM');
    }
    expect(await final.exited).toBe(0);

    const lineage = await readLineage(store, model);
    const end = expectExactLineage(lineage, valid);
    expect(Number(end.get(0)) + Number(end.get(1))).toBe(TOTAL);
    // More than one process contributed: the kills really interrupted the work.
    expect(lineage.length).toBeGreaterThan(KILLS);

    // Every invalid record is in the dead-letter topic (at least once; keys dedupe replays).
    const dlq = await consumeUntil(kafka, `${topic}.dlq`, (seen) => new Set(seen.map((m) => String(m.key))).size >= invalid, 30_000);
    expect(new Set(dlq.map((m) => String(m.key))).size).toBe(invalid);
    await store.close();
  });
});
