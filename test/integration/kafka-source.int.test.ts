import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, parseConfig, type ConsumedRecord } from '../../src/core/index.js';
import { KafkaSource, RecordDecoder, type RecordSink } from '../../src/consumers/index.js';
import { createTopic, produceValues, testKafka, uniqueName, waitFor } from '../support/kafka-helpers.js';
import { kafkaBrokers } from './services.js';

/** A sink that drains slowly, like a learner that has fallen behind. */
class SlowSink implements RecordSink {
  held = 0;
  max = 0;
  readonly received: ConsumedRecord[] = [];
  private waiters: (() => void)[] = [];
  constructor(readonly capacity: number) {}
  get full(): boolean {
    return this.held >= this.capacity;
  }
  offer(r: ConsumedRecord): void {
    this.held++;
    this.max = Math.max(this.max, this.held);
    this.received.push(r);
  }
  whenRoom(): Promise<void> {
    return this.full ? new Promise((r) => this.waiters.push(r)) : Promise.resolve();
  }
  drain(n: number): void {
    this.held = Math.max(0, this.held - n);
    if (!this.full) this.waiters.splice(0).forEach((w) => w());
  }
}

describe('KafkaSource backpressure (real Kafka)', () => {
  it('pauses while the sink is full, heartbeats through a wait longer than the session timeout, and delivers every record once, in order, without a rebalance', async () => {
    const brokers = await kafkaBrokers();
    const kafka = testKafka(brokers);
    const topic = uniqueName('it-backpressure');
    await createTopic(kafka, topic, 2);
    const N = 3000;
    await produceValues(kafka, topic, Array.from({ length: N }, (_, i) => JSON.stringify({ x: i, y: i % 2 })), 2);

    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: new Writable({ write: (chunk, _e, cb) => (lines.push(String(chunk)), cb()) }) });
    const input = parseConfig({ model: { name: 'bp' }, kafka: { topics: [topic] }, input: { features: [{ field: 'x' }], label: { field: 'y' } } }).input;
    const source = new KafkaSource({
      kafka,
      groupId: uniqueName('bp-group'),
      topics: [topic],
      fromBeginning: true,
      sessionTimeoutMs: 6000,
      heartbeatIntervalMs: 500,
      decoder: new RecordDecoder({ input, label: { task: 'classification', classes: 2 } }),
      logger,
    });
    const sink = new SlowSink(200);
    // 200 records every 800 ms: about 12 s for the whole topic, twice the session timeout.
    const drainer = setInterval(() => sink.drain(200), 800);
    await source.start(sink, new Map());
    try {
      await waitFor(() => sink.received.length === N, 60_000, 'every record');
    } finally {
      clearInterval(drainer);
      await source.stop();
    }
    expect(sink.max).toBeLessThanOrEqual(200);
    expect(source.stats.pauses).toBeGreaterThan(5);
    expect(lines.filter((l) => l.includes('joined consumer group')).length).toBe(1);
    for (const p of [0, 1]) {
      const offsets = sink.received.filter((r) => r.kind === 'example' && r.example.partition === p).map((r) => (r.kind === 'example' ? Number(r.example.offset) : -1));
      expect(offsets).toEqual(Array.from({ length: N / 2 }, (_, i) => i));
    }
  });
});
