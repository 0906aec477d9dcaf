import type { Kafka, ProducerConfig, ProducerRecord } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { ConfigError, createLogger, decodePredictionEvent, type PredictionEvent } from '../../../src/core/index.js';
import { PredictionLog } from '../../../src/subscriber/prediction-log.js';
import { predictedClassOf } from '../../../src/subscriber/served.js';

const logger = createLogger({ level: 'silent' });

/** A kafkajs stand-in whose producer records each send; `fail` / `hang` make the next sends fail or never answer. */
function fakeKafka() {
  const sends: ProducerRecord[] = [];
  const state = { config: undefined as ProducerConfig | undefined, fail: 0, hang: false, disconnected: false };
  const producer = {
    connect: async () => undefined,
    disconnect: async () => void (state.disconnected = true),
    send: async (record: ProducerRecord) => {
      if (state.hang) return new Promise<never>(() => undefined);
      if (state.fail > 0) {
        state.fail--;
        throw new Error('broker unreachable');
      }
      sends.push(record);
      return [];
    },
  };
  const kafka = { producer: (config: ProducerConfig) => ((state.config = config), producer) } as unknown as Kafka;
  return { kafka, sends, state };
}

function prediction(i: number): PredictionEvent {
  return {
    requestId: `req-${i}`,
    model: 'm',
    version: '1.0',
    servedAt: 1000 + i,
    output: Float32Array.from([0.25]),
    predictedClass: 0,
    features: Float32Array.from([i, 7.5]),
  };
}

const records = (sends: ProducerRecord[]) => sends.flatMap((s) => s.messages.map((m) => decodePredictionEvent(m.value as Buffer)));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('PredictionLog', () => {
  it('batches records after the linger, keyed by request id, with acks from every replica on an idempotent producer', async () => {
    const { kafka, sends, state } = fakeKafka();
    const log = new PredictionLog(kafka, { topic: 'preds', lingerMs: 30 }, logger);
    await log.connect();
    for (let i = 0; i < 5; i++) expect(log.add(prediction(i))).toBe(true);
    expect(sends).toHaveLength(0);
    await sleep(80);
    expect(sends).toHaveLength(1);
    expect(sends[0]?.acks).toBe(-1);
    expect(sends[0]?.topic).toBe('preds');
    expect(sends[0]?.messages.map((m) => m.key)).toEqual(['req-0', 'req-1', 'req-2', 'req-3', 'req-4']);
    expect(state.config).toMatchObject({ idempotent: true, maxInFlightRequests: 1 });
    expect(log.stats).toMatchObject({ sent: 5, queued: 0, dropped: 0 });
    await log.close();
    expect(state.disconnected).toBe(true);
  });

  it('sends a full batch without waiting for the linger', async () => {
    const { kafka, sends } = fakeKafka();
    const log = new PredictionLog(kafka, { topic: 'preds', lingerMs: 60_000, batchSize: 3 }, logger);
    for (let i = 0; i < 3; i++) log.add(prediction(i));
    await sleep(20);
    expect(sends.map((s) => s.messages.length)).toEqual([3]);
    await log.close();
  });

  it('drops and counts what does not fit, never waiting, while Kafka does not answer', async () => {
    const { kafka, state } = fakeKafka();
    state.hang = true;
    const log = new PredictionLog(kafka, { topic: 'preds', lingerMs: 0, maxQueued: 10, batchSize: 4, closeTimeoutMs: 50 }, logger);
    log.add(prediction(0));
    await sleep(10); // the first batch (1 record) is now in flight, and stays there
    const started = performance.now();
    const accepted = Array.from({ length: 100 }, (_, i) => log.add(prediction(i + 1))).filter(Boolean).length;
    expect(performance.now() - started).toBeLessThan(200);
    expect(accepted).toBe(10);
    expect(log.stats).toMatchObject({ queued: 10, dropped: 90, sent: 0 });
    await log.close();
    // Stopped with 10 queued and 1 in flight, none acknowledged: all counted as dropped.
    expect(log.stats).toMatchObject({ queued: 0, dropped: 101, sent: 0 });
    expect(log.add(prediction(999))).toBe(false);
  });

  it('puts a failed batch back and sends it after the back-off, in order', async () => {
    const { kafka, sends, state } = fakeKafka();
    state.fail = 2;
    const log = new PredictionLog(kafka, { topic: 'preds', lingerMs: 0, retryBackoffMs: 20 }, logger);
    for (let i = 0; i < 4; i++) log.add(prediction(i));
    await sleep(150);
    expect(log.stats).toMatchObject({ failedSends: 2, sent: 4, dropped: 0 });
    expect(records(sends).map((r) => r.requestId)).toEqual(['req-0', 'req-1', 'req-2', 'req-3']);
    await log.close();
  });

  it('sends everything queued on close, however long the linger', async () => {
    const { kafka, sends } = fakeKafka();
    const log = new PredictionLog(kafka, { topic: 'preds', lingerMs: 60_000, batchSize: 7 }, logger);
    for (let i = 0; i < 20; i++) log.add(prediction(i));
    await sleep(10);
    await log.close();
    expect(records(sends).map((r) => r.requestId)).toEqual(Array.from({ length: 20 }, (_, i) => `req-${i}`));
    expect(log.stats).toMatchObject({ sent: 20, dropped: 0, queued: 0 });
  });

  it('keeps the features only with logFeatures: true, whatever the caller passes', async () => {
    for (const logFeatures of [undefined, false, true]) {
      const { kafka, sends } = fakeKafka();
      const log = new PredictionLog(kafka, { topic: 'preds', ...(logFeatures !== undefined ? { logFeatures } : {}) }, logger);
      log.add(prediction(3));
      await log.close();
      const [record] = records(sends);
      if (logFeatures === true) expect(Array.from(record?.features ?? [])).toEqual([3, 7.5]);
      else expect(record && 'features' in record).toBe(false);
    }
  });

  it('checks its options once, naming every problem', () => {
    const { kafka } = fakeKafka();
    const make = (o: object) => () => new PredictionLog(kafka, { topic: 'preds', ...o }, logger);
    expect(make({ maxQueued: 0, lingerMs: -1 })).toThrow(ConfigError);
    expect(make({ maxQueued: 0, lingerMs: -1 })).toThrow(/`predictionLog.maxQueued` to be an integer >= 1, got `0`.*`predictionLog.lingerMs`/);
    expect(make({ acks: 1, idempotent: true })).toThrow(/predictionLog.idempotent/);
    expect(make({ topic: '' })).toThrow(/predictionLog.topic/);
    expect(make({ acks: 1 })).not.toThrow();
  });
});

describe('predictedClassOf', () => {
  it('reads one output as the probability of class 1 (0.5 is class 0) and several as the largest, first on a tie', () => {
    expect(predictedClassOf(Float32Array.from([0.5]))).toBe(0);
    expect(predictedClassOf(Float32Array.from([0.51]))).toBe(1);
    expect(predictedClassOf(Float32Array.from([0.2, 0.5, 0.3]))).toBe(1);
    expect(predictedClassOf(Float32Array.from([0.4, 0.4, 0.2]))).toBe(0);
  });
});
