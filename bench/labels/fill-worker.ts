/**
 * Child process of `fillLabelsStream`: produces one side of a labels stream (its options as JSON) to an existing
 * topic, with each record's partition and timestamp, and reports `progress <n>` lines on stderr. The two sides
 * run in two processes side by side: one kafkajs producer is CPU-bound near 50k records/s here.
 */
import { Partitioners } from 'kafkajs';
import { benchServices } from '../support/env.js';
import { benchKafka } from '../support/kafka.js';
import { labelsStream, type LabelsStreamOptions, type TimedMessage } from './stream.js';

const [side, topic, json] = process.argv.slice(2);
if ((side !== 'features' && side !== 'labels') || !topic || !json) {
  process.stderr.write('usage: fill-worker.ts features|labels <topic> <stream options JSON>\n');
  process.exit(2);
}
const stream = labelsStream(JSON.parse(json) as LabelsStreamOptions);
const kafka = benchKafka(benchServices().brokers, `streamtrain-bench-labels-${side}`);
const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: false, maxInFlightRequests: 1 });
await producer.connect();
const SLICE = 5_000;
let batch: TimedMessage[] = [];
let sent = 0;
const flush = async () => {
  if (batch.length === 0) return;
  await producer.send({ topic, acks: -1, messages: batch.map((m) => ({ value: m.value, partition: m.partition, timestamp: String(m.timestamp) })) });
  sent += batch.length;
  batch = [];
  process.stderr.write(`progress ${sent}\n`);
};
const messages: Iterable<TimedMessage> = side === 'features' ? stream.features() : stream.labels.map((l) => l.message);
for (const m of messages) {
  batch.push(m);
  if (batch.length >= SLICE) await flush();
}
await flush();
await producer.disconnect();
process.stdout.write(`${JSON.stringify({ side, sent })}\n`);
