import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { S3Store, readLatestPointer, readManifest } from '../../src/checkpoints/index.js';
import { consumeUntil, createTopic, produceValues, testKafka, uniqueName, waitFor } from '../support/kafka-helpers.js';
import { testConfigTree } from '../support/pipeline-config.js';
import { spawnService } from '../support/service-process.js';
import { kafkaBrokers, s3Settings } from './services.js';

/** Distinctive values: 9 significant digits, so finding one anywhere means a raw value leaked. */
function secretRecords(n: number): { x1: number; x2: number; x3: number; y: number }[] {
  return Array.from({ length: n }, (_, i) => {
    const x1 = 1.23456789 + i * 0.000731;
    const x2 = 8.76543211 - i * 0.000917;
    return { x1: Number(x1.toFixed(9)), x2: Number(x2.toFixed(9)), x3: Number((4.44 + (i % 97) * 0.0137).toFixed(9)), y: x1 + x2 <= 10 ? 1 : 0 };
  });
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else out.push(p);
  }
  return out;
}

/** Every way a raw value could be written: its decimal text (as JSON would write it) and its float32 bytes. */
function needles(records: { x1: number; x2: number }[]): Buffer[] {
  return records.flatMap((r) =>
    [r.x1, r.x2].flatMap((v) => {
      const f = Buffer.alloc(4);
      f.writeFloatLE(v);
      return [Buffer.from(String(v)), f];
    }),
  );
}

function leaks(haystack: Buffer, probes: Buffer[]): number {
  return probes.filter((p) => haystack.includes(p)).length;
}

describe('privacy (real Kafka, real MinIO)', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  // With model.standardize the checkpoints also carry the running statistics of the features (aggregates).
  for (const standardize of [false, true])
    it(`writes no raw feature value to the checkpoint store, the dead-letter topic, the logs or the working directory${standardize ? ' (model.standardize)' : ''}`, async () => {
      const brokers = await kafkaBrokers();
      const s3 = await s3Settings();
      const kafka = testKafka(brokers);
      const topic = uniqueName('it-privacy');
      const model = uniqueName('privacy');
      const cwd = await mkdtemp(join(tmpdir(), 'st-privacy-'));
      dirs.push(cwd);
      await createTopic(kafka, topic, 1);
      const records = secretRecords(1500);
      // Bad records carry secrets too: a wrong-type label next to real values, and broken JSON around one.
      const bad = [JSON.stringify({ ...records[0], y: 'leak?' }), `{"x1": ${records[1]?.x1}, "x2": oops}`];
      const values = [...records.map((r) => JSON.stringify(r)), ...bad];
      const config = join(cwd, 'streamtrain.json');
      const tree = testConfigTree({ brokers, topic, model, s3, extra: { logLevel: 'debug' } });
      await writeFile(config, JSON.stringify(standardize ? { ...tree, model: { ...(tree.model as object), standardize } } : tree));
      const logFile = join(cwd, 'service.log');
      const child = spawnService({ config, logFile, cwd, env: { S3_ACCESS_KEY_ID: s3.accessKeyId, S3_SECRET_ACCESS_KEY: s3.secretAccessKey } });
      await produceValues(kafka, topic, values, 1);
      const store = new S3Store({ ...s3, prefix: `it/${model}` });
      try {
        await waitFor(
          async () => {
            const v = await readLatestPointer(store, model);
            return v !== undefined && (await readManifest(store, model, v)).samples.total === records.length;
          },
          90_000,
          'all records to be checkpointed',
        );
      } finally {
        child.kill('SIGTERM');
      }
      expect(await child.exited).toBe(0);

      // The probes must be findable: the source topic itself holds them (a test that cannot fail is a defect).
      const probes = needles(records);
      const source = await consumeUntil(kafka, topic, (seen) => seen.length >= values.length, 30_000);
      expect(leaks(Buffer.concat(source.map((m) => m.value ?? Buffer.alloc(0))), probes)).toBeGreaterThan(probes.length / 3);

      const keys = await store.list(`${model}/`);
      expect(keys.some((k) => k.endsWith('weights.bin'))).toBe(true);
      // Buffer.from: the store returns a plain Uint8Array, whose includes() looks for one element, not a sequence
      // (before, this check could not fail).
      const objects = new Map<string, Buffer>();
      for (const key of keys) objects.set(key, Buffer.from((await store.get(key)) as Uint8Array));
      for (const [key, bytes] of objects) expect(leaks(bytes, probes), `object ${key}`).toBe(0);
      // The same check finds a value that is there: every published weights.bin holds its own float32 weights.
      const weights = [...objects].find(([k]) => k.endsWith('weights.bin'))?.[1] as Buffer;
      expect(leaks(weights, [weights.subarray(0, 4)])).toBe(1);
      if (standardize) {
        // The statistics are there (so the check above covered them).
        const states = keys.filter((k) => k.endsWith('state.bin'));
        expect(states.length).toBeGreaterThan(0);
        expect(states.some((k) => (objects.get(k) as Buffer).includes(Buffer.from('"standardizer":{"count":1500')))).toBe(true);
      }

      const dlq = await consumeUntil(kafka, `${topic}.dlq`, (seen) => seen.length >= bad.length, 30_000);
      expect(dlq.length).toBe(bad.length);
      for (const m of dlq) expect(leaks(Buffer.concat([m.value ?? Buffer.alloc(0), m.key ?? Buffer.alloc(0)]), probes)).toBe(0);

      const log = await readFile(logFile);
      expect(log.length).toBeGreaterThan(1000);
      expect(leaks(log, probes)).toBe(0);
      for (const f of await filesUnder(cwd)) {
        if (f === config) continue;
        expect(leaks(await readFile(f), probes), `file ${f}`).toBe(0);
      }
      await store.close();
    });
});
