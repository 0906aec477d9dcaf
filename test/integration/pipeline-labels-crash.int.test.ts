import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { S3Store, readCheckpoint, readLatestPointer, readManifest } from '../../src/checkpoints/index.js';
import type { LabelJoinState } from '../../src/labels/index.js';
import { readLineage } from '../support/lineage.js';
import { createTopic, testKafka, uniqueName, waitFor } from '../support/kafka-helpers.js';
import { labelsInput, labelsStream, produceTimed } from '../support/labels-stream.js';
import { testConfigTree } from '../support/pipeline-config.js';
import { spawnService } from '../support/service-process.js';
import { kafkaBrokers, s3Settings } from './services.js';

const N = 8000;
const SLICE = 500;
const MAX_DELAY = 2000;
const KILLS = 4;

/** Seeded, so a failure replays with the same kill times. */
function killDelays(seed: number): number[] {
  let s = seed;
  return Array.from({ length: KILLS }, () => {
    s = (Math.imul(s, 48271) + 11) % 2147483647;
    return 300 + (s % 2500);
  });
}

describe('label join: crash and restart (SIGKILL, real Kafka, real MinIO)', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    if (!process.env.KEEP_TEST_DIRS) await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('after repeated SIGKILLs every feature record was learned exactly once, joined or defaulted as without a crash', async () => {
    const brokers = await kafkaBrokers();
    const s3 = await s3Settings();
    const kafka = testKafka(brokers);
    const topic = uniqueName('it-lcrash');
    const labelTopic = uniqueName('it-lcrash-labels');
    const model = uniqueName('lcrash');
    const dir = await mkdtemp(join(tmpdir(), 'st-lcrash-'));
    dirs.push(dir);
    await createTopic(kafka, topic, 2);
    await createTopic(kafka, labelTopic, 2);
    const configPath = join(dir, 'streamtrain.json');
    const tree = testConfigTree({
      brokers,
      topic,
      model,
      s3,
      extra: { input: labelsInput(labelTopic, MAX_DELAY), triggers: { everySamples: 700, everySeconds: 1, minGapSeconds: 0 }, logLevel: 'info' },
    });
    (tree.kafka as Record<string, unknown>).sessionTimeoutMs = 6000;
    (tree.kafka as Record<string, unknown>).heartbeatIntervalMs = 500;
    await writeFile(configPath, JSON.stringify(tree, null, 2));
    const env = { S3_ACCESS_KEY_ID: s3.accessKeyId, S3_SECRET_ACCESS_KEY: s3.secretAccessKey };
    const logFile = join(dir, 'service.log');
    const stream = labelsStream({ count: N, base: Date.now() - 3_600_000, maxDelayMs: MAX_DELAY, partitions: 2, missingShare: 0.1, lateShare: 0.05, seed: 9 });
    const { expected } = stream;

    // Features in slices, each slice's labels one slice later, while the service is killed and restarted.
    const producing = (async () => {
      let sent = 0;
      for (let i = 0; i < stream.features.length; i += SLICE) {
        await produceTimed(kafka, topic, stream.features.slice(i, i + SLICE));
        const upTo = stream.features[Math.max(0, i - 1)]?.timestamp ?? 0;
        const due = stream.labels.slice(sent).filter((l) => l.timestamp <= upTo).length;
        await produceTimed(kafka, labelTopic, stream.labels.slice(sent, sent + due));
        sent += due;
        await new Promise((r) => setTimeout(r, 2500));
      }
      await produceTimed(kafka, labelTopic, stream.labels.slice(sent));
    })();
    // Each process is killed a seeded while after it published a version of its own: the kills interrupt work.
    const store = new S3Store({ ...s3, prefix: `it/${model}` });
    for (const delay of killDelays(20260618)) {
      const before = await readLatestPointer(store, model);
      const child = spawnService({ config: configPath, logFile, env });
      await waitFor(async () => (await readLatestPointer(store, model)) !== before, 60_000, 'a version from the new process');
      await new Promise((r) => setTimeout(r, delay));
      child.kill('SIGKILL');
      expect(await child.exited).toBeNull();
    }
    await producing;

    const final = spawnService({ config: configPath, logFile, env });
    try {
      await waitFor(
        async () => {
          const latest = await readLatestPointer(store, model);
          return latest !== undefined && (await readManifest(store, model, latest)).samples.total === stream.featureCount;
        },
        120_000,
        `the latest manifest to count ${stream.featureCount} samples`,
      );
    } catch (err) {
      const latest = await readLatestPointer(store, model);
      const m = latest === undefined ? undefined : await readManifest(store, model, latest);
      console.log(JSON.stringify({ latest, samples: m?.samples, labels: m?.labels, offsets: m?.offsets, logFile }));
      throw err;
    } finally {
      final.kill('SIGTERM');
    }
    expect(await final.exited).toBe(0);

    const lineage = await readLineage(store, model);
    const last = lineage[lineage.length - 1];
    if (!last?.labels) throw new Error('the last manifest has no labels section');
    // Learned exactly once: the increments add up, and the examples learned are the feature records decided.
    expect(lineage.reduce((sum, m) => sum + m.samples.sinceParent, 0)).toBe(stream.featureCount);
    expect(last.samples.total).toBe(stream.featureCount);
    const counts = last.labels.counts as Record<string, number>;
    expect(counts.joined).toBe(expected.joined);
    expect(counts.defaulted).toBe(expected.defaulted);
    expect(counts.evicted).toBe(0);
    // A late label is counted late, or orphaned when a restart forgot that its feature record had expired.
    expect((counts.late as number) + (counts.orphaned as number)).toBe(expected.late);
    // Every feature record has had its effect: each feature partition resumes at its end, with nothing pending.
    const featureEnd = [0, 1].map((p) => stream.features.filter((f) => f.partition === p).length);
    for (const p of [0, 1]) expect(last.labels.features[String(p)]).toEqual({ resume: String(featureEnd[p]), done: [] });
    // Every label record but the sentinels (the last of each partition) too.
    const labelEnd = [0, 1].map((p) => stream.labels.filter((l) => l.partition === p).length - 1);
    for (const p of [0, 1]) expect(last.labels.labels[String(p)]).toEqual({ resume: String(labelEnd[p]), done: [] });
    // The offset ranges of both topics tile each partition from 0 across the lineage; counts never go back.
    const end = new Map<string, bigint>();
    let before = { joined: 0, defaulted: 0 };
    for (const m of lineage) {
      for (const r of m.offsets) {
        const k = `${r.topic}:${r.partition}`;
        expect(r.from, `${m.version} ${k} starts where its parent ended`).toBe(String(end.get(k) ?? 0n));
        expect(BigInt(r.to) >= BigInt(r.from)).toBe(true);
        end.set(k, BigInt(r.to));
      }
      const c = (m.labels?.counts ?? { joined: 0, defaulted: 0 }) as { joined: number; defaulted: number };
      expect(c.joined + c.defaulted, `${m.version}: samples = examples decided`).toBe(m.samples.total);
      expect(c.joined >= before.joined && c.defaulted >= before.defaulted).toBe(true);
      before = c;
    }
    // The join state in state.bin is the manifest's, with no record content.
    const cp = await readCheckpoint(store, model, last.version);
    const state = (cp.state as { labels: LabelJoinState }).labels;
    expect(state.features).toEqual(last.labels.features);
    expect(JSON.stringify(state)).not.toContain('request_id');
    expect(lineage.length).toBeGreaterThan(KILLS);
    // More than one process wrote the lineage: the kills really interrupted the work.
    const writers = new Set(lineage.map((m) => m.writer)).size;
    expect(writers).toBeGreaterThan(1);
    console.log(
      JSON.stringify({
        versions: lineage.length,
        writers,
        samplesByVersion: lineage.map((m) => m.samples.total),
        samples: last.samples.total,
        features: stream.featureCount,
        counts,
        expected,
        delayMs: last.labels.delayMs,
        restarts: KILLS + 1,
      }),
    );
    await store.close();
  });
});
