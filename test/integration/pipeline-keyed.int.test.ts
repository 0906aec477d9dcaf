import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Partitioners } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { partitionName, readPartitionHead, S3Store, WriterFence } from '../../src/checkpoints/index.js';
import { homePartition } from '../../src/consumers/index.js';
import { createLogger } from '../../src/core/index.js';
import { ModelSubscriber } from '../../src/subscriber/index.js';
import { consumeUntil, createTopic, testKafka, uniqueName, waitFor, withAdmin } from '../support/kafka-helpers.js';
import { expectExactKeyedLineage, keyedRecords } from '../support/keyed-lineage.js';
import { testConfigTree } from '../support/pipeline-config.js';
import { freePort, spawnService, statusOf } from '../support/service-process.js';
import { kafkaBrokers, s3Settings } from './services.js';

const PARTITIONS = 6;
const KEYS = 24;

describe('keyed models across instances (real Kafka, real MinIO)', () => {
  const dirs: string[] = [];
  const children: { kill: (signal: NodeJS.Signals) => boolean }[] = [];
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    if (!process.env.KEEP_TEST_DIRS) await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('keyed models move with their partitions when a third instance joins, and every lineage stays exact', async () => {
    const brokers = await kafkaBrokers();
    const s3 = await s3Settings();
    const kafka = testKafka(brokers);
    const topic = uniqueName('it-keyed');
    const model = uniqueName('keyed');
    const dir = await mkdtemp(join(tmpdir(), 'st-keyed-'));
    dirs.push(dir);
    await createTopic(kafka, topic, PARTITIONS);
    const env = { S3_ACCESS_KEY_ID: s3.accessKeyId, S3_SECRET_ACCESS_KEY: s3.secretAccessKey };
    const logFile = join(dir, 'service.log');
    const start = async (name: string) => {
      const port = await freePort();
      const tree = testConfigTree({
        brokers,
        topic,
        model,
        s3,
        modelExtra: { partitionBy: 'tenant', maxLiveModels: 10 },
        extra: { triggers: { everySamples: 400, everySeconds: 1, minGapSeconds: 0 }, server: { port }, logLevel: 'info' },
      });
      const path = join(dir, `${name}.json`);
      await writeFile(path, JSON.stringify(tree));
      const child = spawnService({ config: path, logFile, env: { ...env, STREAMTRAIN_INSTANCE_ID: name } });
      children.push(child);
      return { name, port, child };
    };

    const records = keyedRecords(9_000, KEYS, 3);
    const produced = new Map<string, number>();
    for (const r of records) produced.set(r.tenant, (produced.get(r.tenant) ?? 0) + 1);
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const send = async (from: number, to: number) => {
      await producer.send({ topic, acks: -1, messages: records.slice(from, to).map((r) => ({ key: r.tenant, value: JSON.stringify(r) })) });
    };
    // Records of one key in another key's partition: refused with a reason, never learned, still absorbed.
    const misplaced = { tenant: 't0', x1: 1, x2: 1, x3: 1, y: 1 };
    const wrong = (homePartition('t0', PARTITIONS) + 1) % PARTITIONS;

    await send(0, 3_000);
    await producer.send({ topic, acks: -1, messages: [{ partition: wrong, value: JSON.stringify(misplaced) }] });
    const a = await start('a');
    const b = await start('b');
    await waitFor(
      async () => {
        const s = await Promise.all([statusOf(a.port), statusOf(b.port)]);
        return s.every((x) => (x?.keyed?.partitions.length ?? 0) > 0) && s.reduce((n, x) => n + (x?.samplesTotal ?? 0), 0) >= 3_000;
      },
      90_000,
      'two instances to share the partitions and learn the first records',
    );
    await send(3_000, 6_000);
    const c = await start('c');
    await waitFor(async () => ((await statusOf(c.port))?.keyed?.partitions.length ?? 0) > 0, 90_000, 'the third instance to take partitions over');
    const moved = (await statusOf(c.port))?.keyed?.partitions.map((p) => p.partition) ?? [];
    const metrics = await (await fetch(`http://127.0.0.1:${c.port}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`streamtrain_keyed_partitions\\{model="${model}"\\} [1-6]\\n`));
    expect(metrics).toMatch(/streamtrain_leader\{[^}]*\} 1\n/);
    // Downstream: one service follows every key, another one key.
    const subStore = new S3Store({ ...s3, prefix: `it/${model}` });
    const subscriberOf = (key: string) =>
      new ModelSubscriber({ kafka, versionsTopic: `${topic}.versions`, model, store: subStore, logger: createLogger({ level: 'silent' }), key });
    const all = subscriberOf('*');
    const one = subscriberOf('t1');
    await Promise.all([all.start(), one.start()]);
    // An intruder claims partition 0 as a stale member would: its owner is refused by the store at its next
    // checkpoint, claims the partition again from its checkpoint, and nothing is lost or learned twice.
    const store = new S3Store({ ...s3, prefix: `it/${model}` });
    const intruder = await WriterFence.claim(store, partitionName(model, topic, 0), 'intruder');
    await send(6_000, 9_000);
    await producer.disconnect();
    await waitFor(async () => ((await statusOf(c.port))?.batches ?? 0) > 0, 90_000, 'the third instance to learn');

    const ends = await withAdmin(kafka, (admin) => admin.fetchTopicOffsets(topic));
    const endOf = (p: number) => BigInt(ends.find((o) => o.partition === p)?.high ?? '0');
    await waitFor(
      async () => {
        for (let p = 0; p < PARTITIONS; p++) if (BigInt((await readPartitionHead(store, model, topic, p))?.offsets.to ?? '-1') !== endOf(p)) return false;
        return true;
      },
      120_000,
      'every partition to be checkpointed to its end',
    );
    for (const i of [a, b, c]) i.child.kill('SIGTERM');
    expect(await Promise.all([a, b, c].map((i) => i.child.exited))).toEqual([0, 0, 0]);

    const lineages = await expectExactKeyedLineage(
      store,
      model,
      topic,
      Array.from({ length: PARTITIONS }, (_, p) => endOf(p)),
      produced,
    );
    const zero = lineages[0] ?? [];
    const afterIntruder = zero.filter((m) => m.epoch > intruder.epoch);
    expect(afterIntruder.length, 'partition 0 checkpointed after the intruder').toBeGreaterThan(0);
    expect(zero.some((m) => m.writer === 'intruder')).toBe(false);
    // Each partition the third instance took: claimed under a new epoch, continuing the lineage another instance began.
    expect(moved.length).toBeGreaterThan(0);
    for (const p of moved) {
      const lineage = lineages[p] ?? [];
      const firstOfC = lineage.findIndex((m) => m.writer === 'c');
      expect(firstOfC, `partition ${p} was checkpointed by c`).toBeGreaterThan(0);
      expect(lineage[firstOfC]?.epoch).toBeGreaterThan(lineage[0]?.epoch ?? 0);
      expect(lineage.slice(0, firstOfC).every((m) => m.writer === 'a' || m.writer === 'b')).toBe(true);
    }
    const heads = new Map(Object.entries(Object.assign({}, ...lineages.map((l) => l[l.length - 1]?.keys ?? {})) as Record<string, { version: string }>));
    await waitFor(() => [...heads].every(([k, h]) => all.versionOf(k) === h.version), 60_000, 'the subscriber of every key to serve each head');
    expect(all.keys().sort()).toEqual([...produced.keys()].sort());
    expect(one.version).toBe(heads.get('t1')?.version);
    expect(one.keys()).toEqual(['t1']);
    expect(one.predictRecords([misplaced])).toHaveLength(1);
    expect(all.predictRecordsKey('t2', [misplaced, misplaced])).toHaveLength(2);
    expect(() => all.predict([[0, 0, 0]])).toThrow(/every key/);
    await Promise.all([all.stop(), one.stop()]);
    await subStore.close();
    const dead = await consumeUntil(kafka, `${topic}.dlq`, (seen) => seen.length >= 1, 30_000);
    expect(dead.map((d) => JSON.parse(String(d.value)).reason)).toEqual(['wrong-partition']);
    await store.close();
  }, 400_000);
});
