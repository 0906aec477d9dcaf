import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, parseConfig, type RecordChunk } from '../../src/core/index.js';
import { KafkaSource, RecordDecoder, type RecordSink } from '../../src/consumers/index.js';
import { createTopic, produceValues, testKafka, uniqueName, waitFor } from '../support/kafka-helpers.js';
import { kafkaBrokers } from './services.js';

/** A sink that drains slowly, like a learner that has fallen behind. */
class SlowSink implements RecordSink {
  held = 0;
  max = 0;
  readonly received: RecordChunk[] = [];
  private waiters: (() => void)[] = [];
  constructor(readonly capacity: number) {}
  get full(): boolean {
    return this.held >= this.capacity;
  }
  get records(): number {
    return this.received.reduce((n, c) => n + c.records, 0);
  }
  offer(c: RecordChunk): void {
    this.held += c.records;
    this.max = Math.max(this.max, this.held);
    this.received.push(c);
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
    await produceValues(
      kafka,
      topic,
      Array.from({ length: N }, (_, i) => JSON.stringify({ x: i, y: i % 2 })),
      2,
    );

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
      chunkRecords: 50,
    });
    const sink = new SlowSink(200);
    // 200 records every 800 ms: about 12 s for the whole topic, twice the session timeout.
    const drainer = setInterval(() => sink.drain(200), 800);
    await source.start(sink, new Map());
    try {
      await waitFor(() => sink.records === N, 60_000, 'every record');
    } finally {
      clearInterval(drainer);
      await source.stop();
    }
    // The fill is checked between chunks: at most one chunk over the capacity.
    expect(sink.max).toBeLessThanOrEqual(200 - 1 + 50);
    expect(source.stats.pauses).toBeGreaterThan(5);
    expect(lines.filter((l) => l.includes('joined consumer group')).length).toBe(1);
    for (const p of [0, 1]) {
      const chunks = sink.received.filter((c) => c.partition === p);
      // Chunks of one partition tile its offsets.
      chunks.forEach((c, i) => expect(c.from).toBe(i === 0 ? 0n : (chunks[i - 1] as RecordChunk).to));
      const offsets = chunks.flatMap((c) => c.offsets.map(Number));
      expect(offsets).toEqual(Array.from({ length: N / 2 }, (_, i) => i));
    }
  });
});
