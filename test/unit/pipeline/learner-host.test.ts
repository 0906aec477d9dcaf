import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, createLogger, inputColumns, parseConfig, ServiceUnavailableError } from '../../../src/core/index.js';
import { LocalLearnerHost, type LearnerHost, type LearnerHostOptions } from '../../../src/pipeline/learner-host.js';
import { WorkerLearnerHost } from '../../../src/pipeline/worker-learner-host.js';

const logger = createLogger({ level: 'silent' });
const config = parseConfig({
  model: { name: 'host', type: 'mlp', hiddenUnits: [8], optimizer: { type: 'adam', learningRate: 0.05 } },
  kafka: { topics: ['t'] },
  input: { features: [{ field: 'a' }, { field: 'b' }, { field: 'c' }], label: { field: 'y' } },
});
const options: LearnerHostOptions = {
  spec: config.model,
  drift: config.drift,
  inputWidth: 3,
  inputColumns: inputColumns(config.input.features),
  metricsWindow: 200,
  updateBatchSize: 0,
  backend: 'wasm',
  regressionErrors: false,
};

/** y = 1 iff a + b > 1; seeded, so both hosts see the same stream. */
function batch(seed: number, size = 128) {
  let s = seed;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const features = new Float32Array(size * 3).map(rnd);
  const labels = new Float32Array(size).map((_, i) => ((features[i * 3] as number) + (features[i * 3 + 1] as number) > 1 ? 1 : 0));
  return { size, width: 3, features, labels };
}

describe('learner hosts', () => {
  const hosts: LearnerHost[] = [];
  afterAll(async () => {
    await Promise.all(hosts.map((h) => h.dispose().catch(() => undefined)));
  });

  it('a worker-thread host learns exactly like the in-process host: same metrics, same weights, same predictions', async () => {
    const local = await LocalLearnerHost.create(options, logger);
    const worker = await WorkerLearnerHost.create(options, logger);
    hosts.push(local, worker);
    expect(worker.backend).toBe(local.backend);
    for (let i = 1; i <= 30; i++) {
      const [a, b] = await Promise.all([local.step(batch(i), true), worker.step(batch(i), true)]);
      expect(b.loss).toBe(a.loss);
      expect(b.metrics).toEqual(a.metrics);
      // Each host times the step where it runs (on the worker for the worker host).
      expect(a.seconds).toBeGreaterThan(0);
      expect(b.seconds).toBeGreaterThan(0);
    }
    expect(worker.metrics().accuracy_window).toBeGreaterThan(0.8);
    const [ca, cb] = [await local.capture(), await worker.capture()];
    expect(new Float32Array(cb.snapshot.weightData)).toEqual(new Float32Array(ca.snapshot.weightData));
    expect(cb.metricsState).toEqual(ca.metricsState);
    const probe = batch(99, 16).features;
    expect(await worker.predict(probe, 16)).toEqual(await local.predict(probe, 16));
    // The worker's batch buffers were transferred, not copied: the caller's copy is gone.
    const sent = batch(100);
    await worker.step(sent);
    expect(sent.features.length).toBe(0);
  });

  it('with updateBatchSize auto, learns a step per sample while idle and coarser steps while batches queue up', async () => {
    const auto = await LocalLearnerHost.create({ ...options, updateBatchSize: 'auto' }, logger);
    const fixed = await LocalLearnerHost.create({ ...options, updateBatchSize: 1 }, logger);
    hosts.push(auto, fixed);
    for (let i = 1; i <= 5; i++) {
      const [a, f] = [await auto.step(batch(i), true, 0), await fixed.step(batch(i), true, 0)];
      expect(a.stepSamples).toBe(1);
      // While idle, auto is exactly a step per sample.
      expect(a.loss).toBe(f.loss);
      expect(a.metrics).toEqual(f.metrics);
    }
    const under: number[] = [];
    for (let i = 6; i <= 30; i++) under.push((await auto.step(batch(i), false, 3)).stepSamples);
    expect(under.at(-1)).toBe(128);
    expect(under[0]).toBe(1);
    const whole = await LocalLearnerHost.create(options, logger);
    hosts.push(whole);
    expect((await whole.step(batch(1))).stepSamples).toBe(128);
  });

  it('scores the logged outputs of a prediction log on either thread, and keeps their counts in the capture', async () => {
    const local = await LocalLearnerHost.create(options, logger);
    const worker = await WorkerLearnerHost.create(options, logger);
    hosts.push(local, worker);
    const withLog = (seed: number) => {
      const b = batch(seed, 64);
      // A served model that is right on even rows only; row 5 has no logged output.
      const values = Float32Array.from(b.labels, (y, i) => (i % 2 === 0 ? y : 1 - y));
      values[5] = Number.NaN;
      return { ...b, logged: { width: 1, values } };
    };
    for (let i = 1; i <= 3; i++) await Promise.all([local.step(withLog(i), true), worker.step(withLog(i), true)]);
    expect(worker.metrics()).toEqual(local.metrics());
    expect(local.metrics()).toMatchObject({ logged_samples: 189 });
    expect(local.metrics().logged_accuracy).toBeCloseTo(96 / 189, 9);
    expect(local.metrics().accuracy).toBeDefined();
    expect((await worker.capture()).state.logged).toEqual({ samples: 189, errors: 93 });
  });

  it('restores from a capture in the worker and continues identically', async () => {
    const a = await LocalLearnerHost.create(options, logger);
    hosts.push(a);
    for (let i = 1; i <= 5; i++) await a.step(batch(i));
    const cap = await a.capture();
    const b = await WorkerLearnerHost.create(options, logger, { snapshot: cap.snapshot, state: cap.state, metrics: cap.metricsState, version: '1.3' });
    hosts.push(b);
    const [ra, rb] = [await a.step(batch(6), true), await b.step(batch(6), true)];
    expect(rb.loss).toBe(ra.loss);
    expect(rb.metrics?.samples).toBe(ra.metrics?.samples);
  });

  it('brings errors back as the same classes: a width mismatch is a ConfigError', async () => {
    const wide = await LocalLearnerHost.create({ ...options, inputWidth: 5 }, logger);
    hosts.push(wide);
    const err = await WorkerLearnerHost.create(options, logger, { snapshot: (await wide.capture()).snapshot, version: '1.0' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).field).toBe('input.features');
  });

  it('fails every later call with ServiceUnavailableError once disposed', async () => {
    const w = await WorkerLearnerHost.create(options, logger);
    await w.dispose();
    await expect(w.step(batch(1))).rejects.toBeInstanceOf(ServiceUnavailableError);
  });
});
