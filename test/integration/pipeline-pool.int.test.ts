import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FolderStore, readCheckpoint } from '../../src/checkpoints/index.js';
import { createLogger, decodeVersionEvent, parseConfig, type VersionEvent } from '../../src/core/index.js';
import { StreamtrainService } from '../../src/pipeline/index.js';
import { consumeUntil, createTopic, produceValues, testKafka, uniqueName } from '../support/kafka-helpers.js';
import { kafkaBrokers } from './services.js';

const logger = createLogger({ level: 'silent' });

/** Seeded records; `ring`: y = 1 inside a circle (no linear model does much better than the majority), else y = 1 iff a + b > 0. */
function records(n: number, seed: number, ring: boolean): string[] {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  return Array.from({ length: n }, () => {
    const [a, b] = [rnd(), rnd()];
    const y = ring ? (a * a + b * b < 0.5 ? 1 : 0) : a + b > 0 ? 1 : 0;
    return JSON.stringify({ a, b, y });
  });
}

describe('model.type auto through the service (real Kafka)', () => {
  let brokers: string[];
  let service: StreamtrainService | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'st-pool-'));
  const topic = uniqueName('it-pool');
  const model = uniqueName('pool');

  beforeAll(async () => {
    brokers = await kafkaBrokers();
    await createTopic(testKafka(brokers), topic, 1);
  });

  afterAll(async () => {
    await service?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('with the default model, serves the linear member, switches to the MLP when the concept needs it (a new major), and reports the step size and the served accuracy', async () => {
    // Only what a new user writes: no model type, no step size, no standardize.
    const config = parseConfig(
      {
        model: { name: model, pool: { window: 300 } },
        kafka: { brokers, topics: [topic], groupId: `it-${model}` },
        input: { features: [{ field: 'a' }, { field: 'b' }], label: { field: 'y' } },
        batch: { size: 100, maxWaitMs: 200 },
        triggers: { everySamples: 2000, everySeconds: 2 },
        publish: { versionsTopic: `${topic}.versions` },
        checkpoints: { store: { type: 'folder', path: dir } },
        logLevel: 'warn',
      },
      { env: {} },
    );
    expect([config.model.type, config.learner.updateBatchSize, config.model.standardize]).toEqual(['auto', 'auto', true]);
    const kafka = testKafka(brokers);
    service = new StreamtrainService({ config, logger });
    await service.start();
    // Produced at an ordinary rate (the service catches up before the next 300 records), so the step size stays at
    // a sample or a few: a burst of all 12,000 at once would make the learner coarsen its steps, by a number of
    // batches that depends on how busy the machine is.
    const all = [...records(3000, 1, false), ...records(9000, 2, true)];
    for (let at = 0; at < all.length; at += 300) {
      await produceValues(kafka, topic, all.slice(at, at + 300), 1);
      const deadline = Date.now() + 30_000;
      while (service.status().samplesTotal < at + 300 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    }
    const messages = await consumeUntil(
      kafka,
      config.publish.versionsTopic,
      (seen) => seen.some((m) => decodeVersionEvent(m.value as Buffer).samplesTotal === 12_000),
      120_000,
    );
    const events: VersionEvent[] = messages.map((m) => decodeVersionEvent(m.value as Buffer));
    const switched = events.find((e) => e.trigger === 'pool-switch');
    expect(switched, `triggers: ${events.map((e) => e.trigger).join(', ')}`).toBeDefined();
    const sw = switched as VersionEvent;
    expect(sw.version.endsWith('.0')).toBe(true);
    expect(sw.version).not.toBe('1.0');
    expect(sw.metrics.pool_serving).toBeGreaterThan(0);
    // The published model of the switch is the MLP: a hidden layer in its weights.
    const c = await readCheckpoint(new FolderStore(dir), model, sw.version);
    expect(c.snapshot.weightSpecs.length).toBe(4);
    const last = events[events.length - 1] as VersionEvent;
    expect(last.metrics.served_samples).toBe(12_000);
    expect(last.metrics.served_accuracy).toBeGreaterThan(0.75);
    const status = service.status();
    expect(status.learner?.updateBatchSize).toBe('auto');
    expect(status.learner?.stepSamples).toBeGreaterThanOrEqual(1);
    expect(status.learner?.poolEvery).toBe(1);
    expect(
      status.decisions.some((d) => d.event === 'pool-switched' && /^linear\S* -> mlp-/.test(d.detail)),
      JSON.stringify(status.decisions.filter((d) => d.event === 'pool-switched')),
    ).toBe(true);
  });
});
