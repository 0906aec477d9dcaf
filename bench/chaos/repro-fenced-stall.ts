/**
 * Reproduction of the stall the keyed chaos run found (not a benchmark): a keyed instance whose partition was
 * claimed by another writer keeps the partition in its consumer-group assignment but never learns or checkpoints
 * it again. Nothing else moves the partition while the group's membership stays the same.
 *
 * One instance owns the single partition of a topic and checkpoints it. The script then claims the partition's
 * fence as an intruder (what an instance does when a rebalance hands it the partition, and then it leaves the
 * group before writing, or is handed another assignment), and produces more records. The instance's next
 * checkpoint is refused (FencedError), its slot is marked lost, and from then on the partition is stuck: its
 * LATEST stays where it was and /status keeps listing the partition under the old epoch.
 *
 *   tsx bench/chaos/repro-fenced-stall.ts   (with the services of `npm run services:up`, or KAFKA_PORT/... set)
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { partitionName, readPartitionHead, S3Store, WriterFence } from '../../src/checkpoints/index.js';
import { benchServices, s3Env } from '../support/env.js';
import { benchKafka, createTopic, deleteGroups, deleteObjects, deleteTopics, newRunId } from '../support/kafka.js';
import { Cluster, sleep } from './instances.js';
import { fillKeyed } from './keyed-load.js';
import { keyedTree, topicEnds } from './keyed.js';

process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
const services = benchServices();
const runId = newRunId();
const kafka = benchKafka(services.brokers);
const dir = mkdtempSync(join(tmpdir(), `${runId}-`));
const store = new S3Store({ ...services.s3, prefix: runId });
const topic = `${runId}.repro`;
const model = 'repro';
const log = (msg: string) => process.stderr.write(`[repro] ${msg}\n`);

const tree = keyedTree({ runId, services }, model, topic, { batchSize: 500, keyed: true });
tree.triggers = { everySamples: 1_000, everySeconds: 1 };
await createTopic(kafka, topic, 1);
await fillKeyed(kafka, topic, 2_000, 10, 1);
const cluster = await Cluster.create({ dir, tree, env: s3Env(services), slots: ['a'] });
let stuck = false;
try {
  cluster.startAll();
  const head = () => readPartitionHead(store, model, topic, 0).catch(() => undefined);
  for (let i = 0; i < 120 && Number((await head())?.offsets.to ?? 0) < 2_000; i++) await sleep(1_000);
  log(`instance a checkpointed partition 0 to ${(await head())?.offsets.to}; its /status: ${JSON.stringify(cluster.slots[0]?.status?.keyed?.partitions)}`);
  const intruder = await WriterFence.claim(store, partitionName(model, topic, 0), 'intruder');
  log(`the intruder claimed the partition's fence: epoch ${intruder.epoch} (and writes nothing)`);
  await fillKeyed(kafka, topic, 2_000, 10, 2);
  const end = (await topicEnds(kafka, topic))[0] ?? 0;
  for (let i = 0; i < 60; i++) {
    await sleep(1_000);
    if (Number((await head())?.offsets.to ?? 0) >= end) break;
  }
  const to = Number((await head())?.offsets.to ?? 0);
  stuck = to < end;
  log(`after 60 s: partition 0 checkpointed to ${to} of ${end}; a's /status: ${JSON.stringify(cluster.slots[0]?.status?.keyed?.partitions)}`);
  log(stuck ? 'STUCK: the partition is assigned to a, whose slot is fenced, and nobody learns it' : 'not reproduced: the partition was learned to its end');
  log(`instance log: ${cluster.logFile('a')}`);
} finally {
  await cluster.stopAll(20_000);
  await deleteTopics(kafka, runId).catch(() => []);
  await deleteGroups(kafka, runId).catch(() => []);
  await deleteObjects(services, runId).catch(() => 0);
  await store.close();
}
process.exit(stuck ? 1 : 0);
