import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FolderStore } from '../../src/checkpoints/index.js';
import { createLogger, decodeDriftEvent, decodeVersionEvent, parseConfig, poolMemberName, type VersionEvent } from '../../src/core/index.js';
import { StreamtrainService } from '../../src/pipeline/index.js';
import { ModelSubscriber, subscriberMetrics } from '../../src/subscriber/index.js';
import { consumeUntil, createTopic, produceValues, testKafka, uniqueName } from '../support/kafka-helpers.js';
import { kafkaBrokers } from './services.js';

const logger = createLogger({ level: 'silent' });
const SHIFT_AT = 4000;

/** Seeded records of y = level + 10a - 5b + noise in [-0.5, 0.5], a and b in [-1, 1]. */
function records(n: number, seed: number, level: number): { a: number; b: number; y: number }[] {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  return Array.from({ length: n }, () => {
    const [a, b, noise] = [rnd(), rnd(), rnd() / 2];
    return { a, b, y: level + 10 * a - 5 * b + noise };
  });
}

describe('a regression model through the service (real Kafka)', () => {
  let brokers: string[];
  let service: StreamtrainService | undefined;
  let subscriber: ModelSubscriber | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'st-regression-'));
  const topic = uniqueName('it-regression');
  const model = uniqueName('regression');

  beforeAll(async () => {
    brokers = await kafkaBrokers();
    await createTopic(testKafka(brokers), topic, 1);
  });

  afterAll(async () => {
    await subscriber?.stop();
    await service?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('learns in target units with the defaults, publishes on a rise of the MAE, detects a level shift on |error|, and a subscriber predicts in target units', async () => {
    // What a new user writes for regression: the task, the features and the label; the rest is the defaults.
    const config = parseConfig(
      {
        model: { name: model, task: 'regression' },
        kafka: { brokers, topics: [topic], groupId: `it-${model}` },
        input: { features: [{ field: 'a' }, { field: 'b' }], label: { field: 'y' } },
        batch: { size: 100, maxWaitMs: 200 },
        // Versions by samples, by the MAE, and a second after the last record (no gap between them: the run is short).
        triggers: {
          everySamples: 2000,
          everySeconds: 1,
          onDrift: false,
          minGapSeconds: 0,
          performance: { metric: 'mae_window', threshold: 2.5, minSamples: 300 },
        },
        drift: { topic: `${topic}.drift` },
        publish: { versionsTopic: `${topic}.versions` },
        checkpoints: { store: { type: 'folder', path: dir } },
        logLevel: 'warn',
      },
      { env: {} },
    );
    expect([config.model.type, config.model.standardizeBy, config.model.pool?.members.map(poolMemberName)]).toEqual([
      'auto',
      'record',
      ['linear-sgd-plain', 'mlp-64'],
    ]);
    expect(config.triggers.performance?.better).toBe('lower');
    const kafka = testKafka(brokers);
    service = new StreamtrainService({ config, logger });
    await service.start();
    // At an ordinary rate, 200 records at a time once the service has learned the previous ones.
    const all = [...records(SHIFT_AT, 1, 50), ...records(4000, 2, 80)];
    for (let at = 0; at < all.length; at += 200) {
      await produceValues(
        kafka,
        topic,
        all.slice(at, at + 200).map((r) => JSON.stringify(r)),
        1,
      );
      const deadline = Date.now() + 30_000;
      while (service.status().samplesTotal < at + 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    }
    const events: VersionEvent[] = (
      await consumeUntil(kafka, config.publish.versionsTopic, (seen) => seen.some((m) => decodeVersionEvent(m.value as Buffer).samplesTotal === 8000), 120_000)
    ).map((m) => decodeVersionEvent(m.value as Buffer));

    // Before the shift the model has learned the level: its recent MAE is near the noise's (0.25), not the target's scale.
    const beforeShift = events.filter((e) => e.samplesTotal <= SHIFT_AT).at(-1);
    expect(beforeShift, `versions: ${events.map((e) => `${e.version}@${e.samplesTotal}:${e.trigger}`).join(' ')}`).toBeDefined();
    expect(beforeShift?.metrics.mae_window).toBeLessThan(1.5);
    // The shift raises the MAE above the threshold: a version published by the performance rule, after the shift.
    const rise = events.find((e) => e.trigger === 'performance' && e.samplesTotal > SHIFT_AT);
    expect(rise, `versions: ${events.map((e) => `${e.version}@${e.samplesTotal}:${e.trigger}`).join(' ')}`).toBeDefined();
    const last = events.at(-1) as VersionEvent;
    expect(last.metrics.served_samples).toBe(8000);
    expect(last.metrics.served_mae).toBeGreaterThan(0);
    expect(last.metrics.served_mae).toBeLessThan(10);

    // The detector on |error| fires after the shift, within a bounded delay.
    const drifts = (
      await consumeUntil(kafka, `${topic}.drift`, (seen) => seen.some((m) => Number(decodeDriftEvent(m.value as Buffer).offsets[0]?.to) > SHIFT_AT), 30_000)
    ).map((m) => decodeDriftEvent(m.value as Buffer));
    const detected = drifts.find((d) => Number(d.offsets[0]?.to) > SHIFT_AT);
    expect(detected?.signal).toBe('error');
    expect(Number(detected?.offsets[0]?.to)).toBeLessThan(SHIFT_AT + 1000);

    // A downstream subscriber loads the last version and predicts in the target's units, as the service does.
    subscriber = new ModelSubscriber({ kafka, versionsTopic: config.publish.versionsTopic, model, store: new FolderStore(dir), logger });
    await subscriber.start();
    expect(subscriber.version).toBe(last.version);
    const probe = [
      { a: 0.5, b: -0.5 },
      { a: -0.8, b: 0.2 },
      { a: 0, b: 0 },
    ];
    const truth = probe.map((r) => 80 + 10 * r.a - 5 * r.b);
    const predicted = Array.from(subscriber.predictRecords(probe));
    predicted.forEach((p, i) => expect(Math.abs(p - (truth[i] as number))).toBeLessThan(3));
    const fromService = await service.predict(Float32Array.from(probe.flatMap((r) => [r.a, r.b])), probe.length);
    predicted.forEach((p, i) => expect(Math.abs(p - (fromService[i] as number))).toBeLessThan(1e-3));

    // Its Prometheus series: the version it serves, the load, and a request counted under that version.
    expect(subscriber.serveRecord(probe[0] as Record<string, unknown>, { requestId: 'r-1' }).version).toBe(last.version);
    const text = await subscriberMetrics(subscriber).metrics();
    const labels = `model="${model}",version="${last.version}"`;
    expect(text).toContain(`streamtrain_subscriber_version_info{${labels}} 1`);
    expect(text).toContain(`streamtrain_subscriber_requests_total{${labels}} 1`);
    expect(text).toContain(`streamtrain_subscriber_version_loads_total{model="${model}"} 1`);
    expect(text).toContain(`streamtrain_subscriber_version_load_failures_total{model="${model}"} 0`);
    // The load at start is timed from the start: reading and building the model take some time.
    const loadSeconds = Number(/streamtrain_subscriber_last_version_load_seconds\{[^}]*\} (\S+)/.exec(text)?.[1]);
    expect(loadSeconds).toBeGreaterThan(0);
    expect(loadSeconds).toBeLessThan(30);
  });
});
