import type { Kafka } from 'kafkajs';
import { seaRecords } from './pipeline-config.js';

/** One message to produce, on a chosen partition with a chosen (CreateTime) timestamp. */
export interface TimedMessage {
  readonly partition: number;
  readonly timestamp: number;
  readonly value: string | Buffer;
}

export interface LabelsStream {
  /** Feature records (SEA x1..x3 and `request_id`), then one sentinel per partition, in timestamp order per partition. */
  readonly features: TimedMessage[];
  /** Label records (`request_id`, `clicked`), one sentinel per partition at the end, in timestamp order per partition. */
  readonly labels: TimedMessage[];
  /** Feature records (sentinels included) and what each should get. */
  readonly featureCount: number;
  readonly expected: { readonly joined: number; readonly defaulted: number; readonly late: number; readonly missing: number };
  /** The joined examples' label delays, sorted (ms). */
  readonly delays: number[];
  /** The true label of each real feature record, by request id. */
  readonly truth: Map<string, number>;
}

/**
 * Served requests with labels that come later on their own topic: feature i is stamped `base + 20 i` ms, its label
 * (the SEA concept's class) `delay` ms later, on-time delays in [0, 0.8 maxDelayMs]; `missingShare` of the labels
 * never come and `lateShare` come after the window (`maxDelayMs + 500` ms). Labels of one id on one partition. At
 * the end, each feature partition gets a sentinel feature record (no label; defaulted) and each label partition a
 * sentinel label record far enough ahead to move the labels' watermark past every feature's window.
 */
export function labelsStream(o: {
  readonly count: number;
  readonly base: number;
  readonly maxDelayMs: number;
  readonly partitions: number;
  readonly missingShare: number;
  readonly lateShare: number;
  readonly seed: number;
}): LabelsStream {
  let s = o.seed >>> 0;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const features: TimedMessage[] = [];
  const labels: TimedMessage[] = [];
  const truth = new Map<string, number>();
  const delays: number[] = [];
  let missing = 0;
  let late = 0;
  seaRecords(o.count, o.seed).forEach((r, i) => {
    const id = `r${i}`;
    const ts = o.base + 20 * i;
    truth.set(id, r.y);
    features.push({ partition: i % o.partitions, timestamp: ts, value: JSON.stringify({ request_id: id, x1: r.x1, x2: r.x2, x3: r.x3 }) });
    const u = rnd();
    if (u < o.missingShare) return void missing++;
    const isLate = u < o.missingShare + o.lateShare;
    const delay = isLate ? o.maxDelayMs + 500 + Math.floor(rnd() * 500) : Math.floor(rnd() * 0.8 * o.maxDelayMs);
    if (isLate) late++;
    else delays.push(delay);
    labels.push({ partition: (i * 7919) % o.partitions, timestamp: ts + delay, value: JSON.stringify({ request_id: id, clicked: r.y }) });
  });
  const end = o.base + 20 * o.count + 10 * o.maxDelayMs;
  for (let p = 0; p < o.partitions; p++) {
    features.push({ partition: p, timestamp: end, value: JSON.stringify({ request_id: `sentinel-${p}`, x1: 0, x2: 0, x3: 0 }) });
    labels.push({ partition: p, timestamp: end + 2 * o.maxDelayMs, value: JSON.stringify({ request_id: `sentinel-label-${p}`, clicked: 0 }) });
  }
  labels.sort((a, b) => a.timestamp - b.timestamp);
  const joined = o.count - missing - late;
  return {
    features,
    labels,
    featureCount: o.count + o.partitions,
    expected: { joined, defaulted: missing + late + o.partitions, late, missing },
    delays: delays.sort((a, b) => a - b),
    truth,
  };
}

/** Produces messages with their partitions and timestamps, in order, in sends of `slice`. */
export async function produceTimed(kafka: Kafka, topic: string, messages: readonly TimedMessage[], slice = 1000): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += slice)
      await producer.send({
        topic,
        acks: -1,
        messages: messages.slice(i, i + slice).map((m) => ({ value: m.value, partition: m.partition, timestamp: String(m.timestamp) })),
      });
  } finally {
    await producer.disconnect();
  }
}

/** The labels-join section and input for `testConfigTree`'s `extra`: features x1..x3, labels on `labelTopic`. */
export function labelsInput(labelTopic: string, maxDelayMs: number): Record<string, unknown> {
  return {
    features: [
      { field: 'x1', scale: { mean: 5, std: 2.9 } },
      { field: 'x2', scale: { mean: 5, std: 2.9 } },
      { field: 'x3', scale: { mean: 5, std: 2.9 } },
    ],
    label: { field: 'clicked' },
    labels: { topic: labelTopic, idField: 'request_id', labelField: 'clicked', maxDelayMs, defaultLabel: 0, idleGraceMs: 10_800_000, lateToDeadLetter: true },
  };
}
