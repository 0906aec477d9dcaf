import { afterAll, describe, expect, it } from 'vitest';
import { createLogger, decodeDriftEvent, decodeVersionEvent, parseConfig } from '../../src/core/index.js';
import { S3Store, readCheckpoint } from '../../src/checkpoints/index.js';
import { OnlineLearner } from '../../src/learner/index.js';
import { StreamtrainService } from '../../src/pipeline/index.js';
import { consumeUntil, createTopic, produceValues, testKafka, uniqueName } from '../support/kafka-helpers.js';
import { testConfigTree } from '../support/pipeline-config.js';
import { kafkaBrokers, s3Settings } from './services.js';

const logger = createLogger({ level: process.env.IT_LOG === '1' ? 'info' : 'silent' });
const CHANGE_AT = 4000;

/** x1, x2 uniform in [-1, 1); concept A: y = 1 iff x1 + 0.5 x2 > 0; concept B (after the change): the opposite. */
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

/**
 * A topic, a model name and the service config of these tests: logistic regression with plain SGD (the trained
 * champion has to walk its weights all the way back after the flip, a fresh challenger half as far), batches of
 * 50, a version every 2,000 samples, ADWIN, alert + challenger with the given race settings (or `drift`'s).
 */
async function driftSetup(name: string, challenger: { minSamples: number; maxSamples: number }, drift: Record<string, unknown> = {}) {
  const brokers = await kafkaBrokers();
  const s3 = await s3Settings();
  const kafka = testKafka(brokers);
  const topic = uniqueName(`it-${name}`);
  const model = uniqueName(name);
  await createTopic(kafka, topic, 1);
  const tree = testConfigTree({
    brokers,
    topic,
    model,
    s3,
    extra: {
      model: { name: model, type: 'logistic', optimizer: { type: 'sgd', learningRate: 0.5 } },
      input: { features: [{ field: 'x1' }, { field: 'x2' }, { field: 'x3' }], label: { field: 'y' } },
      // Fixed batches: the whole stream is produced at once, and batches grown under that backlog (with steps of a
      // whole batch) would leave the challenger too few steps within its race.
      batch: { size: 50, maxSize: 50, maxWaitMs: 200 },
      triggers: { everySamples: 2000, everySeconds: 0 },
      drift: {
        detectors: [{ kind: 'adwin' }],
        responses: ['alert', 'challenger'],
        topic: `${topic}.drift`,
        challenger: { ...challenger, margin: 0.05, alpha: 0.01 },
        ...drift,
      },
    },
  });
  const config = parseConfig(tree, { env: { S3_ACCESS_KEY_ID: s3.accessKeyId, S3_SECRET_ACCESS_KEY: s3.secretAccessKey } });
  return { kafka, topic, model, s3, config };
}

/** Polls `ok` every 100 ms, for at most a minute. */
async function waitFor(what: string, ok: () => boolean): Promise<void> {
  for (const t0 = Date.now(); !ok(); await new Promise((r) => setTimeout(r, 100)))
    if (Date.now() - t0 > 60_000) throw new Error(`timed out waiting for ${what}`);
}

describe('drift response (real Kafka, real MinIO)', () => {
  let service: StreamtrainService | undefined;
  afterAll(async () => {
    await service?.stop();
  });

  it('an abrupt concept change yields a drift event and a challenger promoted as 2.0 that beats its champion on the new concept', async () => {
    // No detection while the model first learns A (its error falling from chance): a challenger started then would
    // still be racing when the change comes, and whether it wins depends on the machine's timing.
    const { kafka, topic, model, s3, config } = await driftSetup(
      'drift',
      { minSamples: 500, maxSamples: 6000 },
      { detectors: [{ kind: 'adwin', params: { gracePeriod: 2000 } }] },
    );
    service = new StreamtrainService({ config, logger });
    await service.start();
    const records = [...concept(CHANGE_AT, false, 1), ...concept(6000, true, 2)];
    await produceValues(
      kafka,
      topic,
      records.map((r) => JSON.stringify(r)),
      1,
    );

    const versions = (
      await consumeUntil(kafka, config.publish.versionsTopic, (seen) => seen.some((m) => decodeVersionEvent(m.value as Buffer).version === '2.0'), 120_000)
    ).map((m) => decodeVersionEvent(m.value as Buffer));
    const promoted = versions.find((v) => v.version === '2.0');
    expect(promoted, `versions seen: ${versions.map((v) => `${v.version}:${v.trigger}`).join(' ')}`).toBeDefined();
    expect(promoted?.trigger).toBe('challenger');
    // Parents: the champion's last version and the challenger's branch point (the last version published before
    // the race), once each: here the race ends before the next publication, so both are the same version.
    const before = versions[versions.indexOf(promoted as (typeof versions)[number]) - 1];
    expect(promoted?.parents[0]).toBe(before?.version);
    expect(new Set(promoted?.parents).size).toBe(promoted?.parents.length);

    const afterChange = (m: { value: Buffer | null }) => Number(decodeDriftEvent(m.value as Buffer).offsets[0]?.to) > CHANGE_AT;
    const drifts = (await consumeUntil(kafka, `${topic}.drift`, (seen) => seen.some(afterChange), 30_000)).map((m) => decodeDriftEvent(m.value as Buffer));
    const first = drifts.find((d) => Number(d.offsets[0]?.to) > CHANGE_AT);
    expect(first?.detector).toBe('adwin');
    expect(first?.signal).toBe('error');
    expect(first?.response).toContain('challenger');
    // Detected after the change, within a bounded delay: in the batch holding the change or later.
    expect(Number(first?.offsets[0]?.from)).toBeGreaterThanOrEqual(CHANGE_AT - config.batch.maxSize);
    expect(Number(first?.offsets[0]?.to)).toBeLessThan(CHANGE_AT + 1500);

    // On fresh samples of the new concept, 2.0 beats the champion it replaced.
    const store = new S3Store({ ...s3, prefix: `it/${model}` });
    const accuracy = async (version: string) => {
      const learner = await OnlineLearner.create(
        { spec: config.model, inputWidth: 3, metricsWindow: 100, logger },
        (await readCheckpoint(store, model, version)).snapshot,
      );
      const test = concept(2000, true, 3);
      const p = learner.predict(Float32Array.from(test.flatMap((r) => [r.x1, r.x2, r.x3])), test.length);
      learner.dispose();
      return test.filter((r, i) => ((p[i] as number) >= 0.5 ? 1 : 0) === r.y).length / test.length;
    };
    const champion = promoted?.parents[0] as string;
    const [accNew, accOld] = [await accuracy('2.0'), await accuracy(champion)];
    expect(accNew).toBeGreaterThan(accOld + 0.05);
    // 2.0 is published at promotion, a few hundred samples into the new concept: well above chance, still learning.
    expect(accNew).toBeGreaterThan(0.7);
    await store.close();
  });

  it('a restart in the middle of a race resumes it: the challenger keeps its branch point and is promoted after the restart', async () => {
    // The service stops 400 samples after the change: the race has started (ADWIN detects the flip within a few
    // hundred samples) and has not reached its first look at 500 pairs. Races end by 1,000 pairs, so a detection on
    // the learning curve (a few hundred samples in) does not hold the slot until the change.
    const { kafka, topic, model, s3, config } = await driftSetup('drift-restart', { minSamples: 500, maxSamples: 1000 });

    service = new StreamtrainService({ config, logger });
    await service.start();
    await produceValues(
      kafka,
      topic,
      [...concept(CHANGE_AT, false, 11), ...concept(400, true, 12)].map((r) => JSON.stringify(r)),
      1,
    );
    const first = service;
    await waitFor('4,400 samples', () => first.status().samplesTotal >= CHANGE_AT + 400);
    const events = first.status().decisions.map((d) => d.event);
    expect(events).toContain('challenger-started');
    expect(events).not.toContain('challenger-promoted');
    await first.stop();
    const stoppedAt = first.status().version as string;
    service = undefined;

    const store = new S3Store({ ...s3, prefix: `it/${model}` });
    const manifest = (await readCheckpoint(store, model, stoppedAt)).manifest;
    expect((manifest.drift as { challengerRunning?: boolean }).challengerRunning).toBe(true);
    await store.close();

    await produceValues(
      kafka,
      topic,
      concept(5000, true, 13).map((r) => JSON.stringify(r)),
      1,
    );
    service = new StreamtrainService({ config, logger });
    await service.start();
    const versions = (
      await consumeUntil(kafka, config.publish.versionsTopic, (seen) => seen.some((m) => decodeVersionEvent(m.value as Buffer).version === '2.0'), 120_000)
    ).map((m) => decodeVersionEvent(m.value as Buffer));
    const promoted = versions.find((v) => v.version === '2.0');
    expect(promoted?.trigger).toBe('challenger');
    // The second parent is where the challenger branched off, before the restart, not the shutdown checkpoint a
    // challenger started after the restart would branch from.
    const beforeRestart = versions.slice(0, versions.findIndex((v) => v.version === stoppedAt) + 1).map((v) => v.version);
    expect(beforeRestart).toContain(promoted?.parents[1]);
    expect(promoted?.parents[1]).not.toBe(stoppedAt);
    // After the restart, the first challenger decision is the promotion: no new race was started.
    const second = service
      .status()
      .decisions.map((d) => d.event)
      .filter((e) => e.startsWith('challenger'));
    expect(second[0]).toBe('challenger-promoted');
  });

  it('a restart in the middle of a hedged adapt period resumes it: both models go on, and the period ends once', async () => {
    // The period (2,000 samples) starts at the detection of the flip, a few hundred samples after it; the service
    // stops 400 samples after the flip, inside it.
    const { kafka, topic, model, s3, config } = await driftSetup(
      'adapt-restart',
      { minSamples: 500, maxSamples: 1000 },
      { responses: ['alert', 'adapt'], adapt: { forSamples: 2000 } },
    );
    expect(config.drift.adapt.hedge).toBe(true);
    service = new StreamtrainService({ config, logger });
    await service.start();
    await produceValues(
      kafka,
      topic,
      [...concept(CHANGE_AT, false, 21), ...concept(400, true, 22)].map((r) => JSON.stringify(r)),
      1,
    );
    const first = service;
    await waitFor('4,400 samples', () => first.status().samplesTotal >= CHANGE_AT + 400);
    const decisions = first.status().decisions;
    // A hedged period runs: the last adapt decision started it.
    const lastAdapt = decisions.filter((d) => d.event.startsWith('adapt')).at(-1);
    expect(lastAdapt?.event).toBe('adapt-started');
    expect(lastAdapt?.detail).toContain('hedged');
    await first.stop();
    const stoppedAt = first.status().version as string;
    service = undefined;

    // The shutdown checkpoint holds the running period: its metrics say so, and its state holds the other model.
    const store = new S3Store({ ...s3, prefix: `it/${model}` });
    const checkpoint = await readCheckpoint(store, model, stoppedAt);
    expect(checkpoint.manifest.metrics.adapt_remaining).toBeGreaterThan(0);
    expect([0, 1]).toContain(checkpoint.manifest.metrics.adapt_boosted_leads);
    await store.close();

    await produceValues(
      kafka,
      topic,
      concept(3000, true, 23).map((r) => JSON.stringify(r)),
      1,
    );
    service = new StreamtrainService({ config, logger });
    await service.start();
    const second = service;
    await waitFor('the period to end', () => second.status().decisions.some((d) => d.event === 'adapt-ended'));
    // After the restart the first adapt decision ends the resumed period, and names the model it kept.
    const adapt = second.status().decisions.filter((d) => d.event.startsWith('adapt'));
    expect(adapt[0]?.event).toBe('adapt-ended');
    expect(adapt[0]?.detail).toMatch(/^(boosted|unchanged) model kept/);
  });
});
