import { afterAll, describe, expect, it } from 'vitest';
import { createLogger, decodeVersionEvent, parseConfig } from '../../src/core/index.js';
import { S3Store, readManifest } from '../../src/checkpoints/index.js';
import { StreamtrainService } from '../../src/pipeline/index.js';
import { consumeUntil, createTopic, produceValues, testKafka, uniqueName } from '../support/kafka-helpers.js';
import { testConfigTree } from '../support/pipeline-config.js';
import { kafkaBrokers, s3Settings } from './services.js';

const logger = createLogger({ level: process.env.IT_LOG === '1' ? 'info' : 'silent' });
const A = 4000;
const B = 4000;

/** x1, x2 uniform in [-1, 1); concept A: y = 1 iff x1 + 0.5 x2 > 0; concept B: the opposite. */
function concept(n: number, flipped: boolean, seed: number): { x1: number; x2: number; x3: number; y: number }[] {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  return Array.from({ length: n }, () => {
    const x1 = rnd();
    const x2 = rnd();
    const a = x1 + 0.5 * x2 > 0 ? 1 : 0;
    return { x1, x2, x3: rnd(), y: flipped ? 1 - a : a };
  });
}

describe('forgetting guard (real Kafka, real MinIO, learner on its worker thread)', () => {
  let service: StreamtrainService | undefined;
  afterAll(async () => {
    await service?.stop();
  });

  it('when concept A returns after B, the A version is re-activated from the store and the next version is a new major naming it', async () => {
    const brokers = await kafkaBrokers();
    const s3 = await s3Settings();
    const kafka = testKafka(brokers);
    const topic = uniqueName('it-guard');
    const model = uniqueName('guard');
    await createTopic(kafka, topic, 1);
    const tree = testConfigTree({
      brokers,
      topic,
      model,
      s3,
      extra: {
        model: { name: model, type: 'logistic', optimizer: { type: 'sgd', learningRate: 0.5 } },
        input: { features: [{ field: 'x1' }, { field: 'x2' }, { field: 'x3' }], label: { field: 'y' } },
        // Fixed batches: the whole stream is produced at once, and batches grown to 200 delay the detection of the
        // change so far that the live model has not adapted when the window ends (docs/learning-quality.md).
        batch: { size: 50, maxSize: 50, maxWaitMs: 200 },
        triggers: { everySamples: 2000, everySeconds: 0, minGapSeconds: 0 },
        drift: {
          detectors: [{ kind: 'adwin' }],
          responses: ['alert'],
          topic: `${topic}.drift`,
          guard: { enabled: true, versions: 4, window: 1500, look: 250, margin: 0.05 },
        },
      },
    });
    const config = parseConfig(tree, { env: { S3_ACCESS_KEY_ID: s3.accessKeyId, S3_SECRET_ACCESS_KEY: s3.secretAccessKey } });
    expect(config.learner.thread).toBe('worker');
    service = new StreamtrainService({ config, logger });
    await service.start();
    const records = [...concept(A, false, 1), ...concept(B, true, 2), ...concept(3000, false, 3)];
    await produceValues(
      kafka,
      topic,
      records.map((r) => JSON.stringify(r)),
      1,
    );

    const events = (
      await consumeUntil(kafka, config.publish.versionsTopic, (seen) => seen.some((m) => decodeVersionEvent(m.value as Buffer).trigger === 'guard'), 120_000)
    ).map((m) => decodeVersionEvent(m.value as Buffer));
    const guarded = events.find((v) => v.trigger === 'guard');
    expect(guarded, `versions seen: ${events.map((v) => `${v.version}:${v.trigger}`).join(' ')}`).toBeDefined();
    // A new major, after the return of A, naming the version it continued from and the re-activated one.
    expect(guarded?.version).toMatch(/^[2-9]\.0$/);
    expect(guarded?.samplesTotal).toBeGreaterThan(A + B);
    expect(guarded?.triggerDetail).toMatch(/^re-activated \d+\.\d+/);
    const reactivated = /^re-activated (\d+\.\d+)/.exec(guarded?.triggerDetail ?? '')?.[1] as string;
    const seen = events.map((v) => `${v.version}:${v.trigger}:${v.samplesTotal}:${v.parents.join('+')}`).join(' ');
    // Parents: the head it follows, then the re-activated version (once, if it is the head itself).
    expect(guarded?.parents[0], seen).toBe(events[events.indexOf(guarded as (typeof events)[number]) - 1]?.version);
    expect(guarded?.parents, seen).toContain(reactivated);

    const store = new S3Store({ ...s3, prefix: `it/${model}` });
    const [manifest, parent] = [await readManifest(store, model, guarded?.version as string), await readManifest(store, model, reactivated)];
    expect(manifest.parents).toContain(reactivated);
    expect(manifest.trigger.reason).toBe('guard');
    // The re-activated version is a model of A: published before B had been learned for long.
    expect(parent.samples.total).toBeLessThanOrEqual(A + 1500);
    const decision = service.status().decisions.find((d) => d.event === 'guard-reactivated');
    expect(decision?.detail).toContain(reactivated);
    expect(service.status().metrics.guard_reactivations).toBe(1);
    expect(service.status().metrics.guard_scored_samples).toBeGreaterThan(0);
    await store.close();
  });
});
