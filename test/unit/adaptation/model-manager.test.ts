import { twoFeatureBatch as batch } from '../../support/manager-scenario.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLogger, parseConfig } from '../../../src/core/index.js';
import { selectBackend } from '../../../src/learner/index.js';
import { ModelManager, type ManagerEvent, type ManagerState } from '../../../src/adaptation/index.js';

const logger = createLogger({ level: 'silent' });

function config(responses: string[], adapt?: Record<string, unknown>, challenger: Record<string, unknown> = {}) {
  return parseConfig(
    {
      // The scenarios need a first concept without a false alarm. With the default hold-off (60 samples) this short
      // stream's detector fires once as averaging starts in the first concept, which starts a challenger before
      // the change; a longer hold-off keeps these tests about what they test.
      model: { name: 'mm', type: 'logistic', standardize: false, optimizer: { type: 'sgd', learningRate: 0.5 }, averaging: { holdoff: 250 } },
      kafka: { topics: ['t'] },
      input: { features: [{ field: 'a' }, { field: 'b' }], label: { field: 'y' } },
      drift: {
        detectors: [{ kind: 'adwin' }],
        responses,
        challenger: { minSamples: 300, maxSamples: 3000, margin: 0.05, alpha: 0.01, ...challenger },
        ...(adapt ? { adapt } : {}),
      },
    },
    { env: {} },
  );
}

/** Runs the phases; returns the events of the batches from `from` on (the batch index is the seed - 1). */
async function run(
  responses: string[],
  phases: ['concept' | 'flipped' | 'noise', number][],
  from = 0,
  adapt?: Record<string, unknown>,
  counts = { resets: 0 },
): Promise<ManagerEvent[]> {
  const c = config(responses, adapt);
  const m = await ModelManager.create({ spec: c.model, drift: c.drift, inputWidth: 2, metricsWindow: 500, logger });
  const reset = m.learner.resetOptimizer.bind(m.learner);
  m.learner.resetOptimizer = () => {
    counts.resets++;
    reset();
  };
  const events: ManagerEvent[] = [];
  let index = 0;
  for (const [kind, batches] of phases) {
    for (let i = 0; i < batches; i++, index++) {
      const out = await m.step(batch(index + 1, kind));
      if (index >= from) events.push(...out.events);
    }
  }
  m.dispose();
  return events;
}

describe('ModelManager', () => {
  beforeAll(async () => {
    await selectBackend('auto', logger);
  });

  it('starts a challenger when the error rises at a concept change, and promotes it when it is better', async () => {
    const events = await run(
      ['alert', 'challenger'],
      [
        ['concept', 60],
        ['flipped', 80],
      ],
      60,
    );
    const drift = events.find((e) => e.kind === 'drift');
    expect(drift?.kind === 'drift' && drift.responses).toContain('challenger');
    expect(drift?.kind === 'drift' && drift.scores.error_rose).toBe(1);
    expect(events.some((e) => e.kind === 'challenger-started')).toBe(true);
    expect(events.some((e) => e.kind === 'challenger-promoted')).toBe(true);
  });

  it('reports a drift to a lower error but does not act on it', async () => {
    // Labels are noise first (error ~50%), then learnable: the error falls, ADWIN flags the change.
    const events = await run(
      ['alert', 'challenger', 'adapt'],
      [
        ['noise', 60],
        ['concept', 60],
      ],
      60,
    );
    const drifts = events.filter((e): e is Extract<ManagerEvent, { kind: 'drift' }> => e.kind === 'drift');
    expect(drifts.length).toBeGreaterThan(0);
    expect(drifts.every((d) => d.scores.error_rose === 0 && !d.responses.includes('challenger') && !d.responses.includes('adapt'))).toBe(true);
    // (Only the learnable phase is checked: during pure noise an upward fluctuation is a real rise.)
    expect(events.some((e) => e.kind === 'challenger-started' || e.kind === 'adapt-started')).toBe(false);
  });

  it('adapt raises the learning rate for a while after a rise, then restores it', async () => {
    const events = await run(
      ['adapt'],
      [
        ['concept', 60],
        ['flipped', 100],
      ],
      0,
      { learningRateFactor: 3 },
    );
    const started = events.findIndex((e) => e.kind === 'adapt-started');
    expect(started).toBeGreaterThanOrEqual(0);
    expect(events[started]).toMatchObject({ kind: 'adapt-started', learningRate: 1.5 });
    expect(events.slice(started).some((e) => e.kind === 'adapt-ended')).toBe(true);
  });

  it('adapt by default doubles the learning rate and keeps the optimizer moments', async () => {
    const counts = { resets: 0 };
    const events = await run(
      ['adapt'],
      [
        ['concept', 60],
        ['flipped', 100],
      ],
      0,
      undefined,
      counts,
    );
    const started = events.find((e) => e.kind === 'adapt-started');
    expect(started).toMatchObject({ kind: 'adapt-started', learningRate: 1 });
    expect(counts.resets).toBe(0);
  });

  it('adapt with resetOptimizer forgets the optimizer moments', async () => {
    const counts = { resets: 0 };
    const events = await run(
      ['adapt'],
      [
        ['concept', 60],
        ['flipped', 100],
      ],
      0,
      { resetOptimizer: true, learningRateFactor: 1, hedge: false },
      counts,
    );
    expect(events.find((e) => e.kind === 'adapt-started')).toMatchObject({ kind: 'adapt-started', learningRate: 0.5 });
    expect(counts.resets).toBeGreaterThan(0);
  });

  it('a hedged adapt resets the copy, never the model that keeps predicting', async () => {
    const counts = { resets: 0 };
    const events = await run(
      ['adapt'],
      [
        ['concept', 60],
        ['flipped', 100],
      ],
      0,
      { resetOptimizer: true, learningRateFactor: 1 },
      counts,
    );
    expect(events.find((e) => e.kind === 'adapt-started')).toMatchObject({ kind: 'adapt-started', learningRate: 0.5, hedged: true });
    // (The spy sits on the model that predicts at the start; SGD has no moments, so the copy's reset changes nothing else.)
    expect(counts.resets).toBe(0);
  });

  it('a drift during an adapt period does not restart it (no second optimizer reset)', async () => {
    // Concept flips every 15 batches (750 samples), well inside one adapt period of 2000 samples.
    const counts = { resets: 0 };
    const events = await run(
      ['alert', 'adapt'],
      [
        ['concept', 60],
        ['flipped', 15],
        ['concept', 15],
        ['flipped', 15],
        ['concept', 40],
      ],
      0,
      { forSamples: 2000, learningRateFactor: 2, resetOptimizer: true, hedge: false },
      counts,
    );
    const kinds = events.map((e) => e.kind).filter((k) => k === 'drift' || k === 'adapt-started' || k === 'adapt-ended');
    expect(kinds.filter((k) => k === 'drift').length).toBeGreaterThan(kinds.filter((k) => k === 'adapt-started').length);
    // One reset per period, none for the detections inside a period.
    expect(counts.resets).toBe(kinds.filter((k) => k === 'adapt-started').length);
    // Started and ended alternate: never two starts without an end between them.
    const periods = kinds.filter((k) => k !== 'drift');
    periods.forEach((k, i) => expect(k).toBe(i % 2 === 0 ? 'adapt-started' : 'adapt-ended'));
  });

  describe('hedged adapt (drift.adapt.hedge)', () => {
    /** Runs concept then flipped batches; returns each batch's served errors, the events, and the final live metrics. */
    async function hedgeRun(responses: string[], adapt: Record<string, unknown> | undefined, phases: ['concept' | 'flipped' | 'noise', number][]) {
      const c = config(responses, adapt);
      const m = await ModelManager.create({ spec: c.model, drift: c.drift, inputWidth: 2, metricsWindow: 500, logger });
      const errors: number[][] = [];
      const events: ManagerEvent[] = [];
      const leads: number[] = [];
      let index = 0;
      for (const [kind, batches] of phases) {
        for (let i = 0; i < batches; i++, index++) {
          const out = await m.step(batch(index + 1, kind));
          errors.push(Array.from(out.result.errors));
          events.push(...out.events);
          const live = m.metrics();
          if (live.adapt_remaining !== undefined) leads.push(live.adapt_boosted_leads as number);
        }
      }
      const probe = batch(9999, 'concept');
      const predicted = Array.from(m.learner.predict(probe.features, probe.size));
      const metrics = m.metrics();
      const trained = m.trainedSamples;
      m.dispose();
      return { errors, events, metrics, predicted, trained, leads };
    }
    const flip: ['concept' | 'flipped', number][] = [
      ['concept', 60],
      ['flipped', 100],
    ];

    it('copies the model exactly: with the learning rate unchanged both make the same errors and the run equals one without adapt', async () => {
      // A period long enough (from the first detection, at batch 3) that both changes come inside it: their average
      // restarts must reach both models.
      const phases: ['concept' | 'flipped', number][] = [
        ['concept', 60],
        ['flipped', 60],
        ['concept', 80],
      ];
      const hedged = await hedgeRun(['alert', 'adapt'], { hedge: true, learningRateFactor: 1, forSamples: 8000 }, phases);
      const plain = await hedgeRun(['alert'], undefined, phases);
      expect(plain.events.filter((e) => e.kind === 'drift' && e.scores.average_restarted === 1).length).toBeGreaterThan(1);
      const started = hedged.events.find((e) => e.kind === 'adapt-started');
      expect(started).toMatchObject({ hedged: true });
      const ended = hedged.events.find((e) => e.kind === 'adapt-ended');
      expect(ended).toMatchObject({ kept: 'unchanged', switches: 0 });
      expect(ended?.kind === 'adapt-ended' && ended.boostedErrors).toBe(ended?.kind === 'adapt-ended' && ended.unchangedErrors);
      expect(ended?.kind === 'adapt-ended' && (ended.unchangedErrors ?? 0) > 0).toBe(true);
      expect(hedged.errors).toEqual(plain.errors);
      expect(hedged.predicted).toEqual(plain.predicted);
      // The copy trained the period's samples on top, in whole batches of 50.
      expect(hedged.events.filter((e) => e.kind === 'adapt-started').length).toBe(1);
      expect(hedged.trained - plain.trained).toBe(8000);
    });

    it('after a flip the boosted copy takes the lead and is kept; the live metrics record what was served', async () => {
      const r = await hedgeRun(['adapt'], { hedge: true, learningRateFactor: 4, forSamples: 1500 }, flip);
      // While the period ran, the metrics said so, and who predicted.
      expect(r.leads).toContain(1);
      expect(r.leads).toContain(0);
      expect(r.metrics.adapt_remaining).toBeUndefined();
      const ended = r.events.find((e): e is Extract<ManagerEvent, { kind: 'adapt-ended' }> => e.kind === 'adapt-ended');
      expect(ended?.kept).toBe('boosted');
      expect(ended?.boostedErrors ?? Infinity).toBeLessThan(ended?.unchangedErrors ?? 0);
      expect(ended?.switches ?? 0).toBeGreaterThan(0);
      const served = r.errors.flat();
      expect(r.metrics.samples).toBe(served.length);
      expect(r.metrics.accuracy).toBeCloseTo(1 - served.reduce((a, b) => a + b, 0) / served.length, 10);
      // The window too: the last 500 served samples.
      expect(r.metrics.accuracy_window).toBeCloseTo(1 - served.slice(-500).reduce((a, b) => a + b, 0) / 500, 10);
    });

    it('keeps the unchanged model when the boosted copy does worse (a learning rate too high to learn)', async () => {
      const r = await hedgeRun(['adapt'], { hedge: true, learningRateFactor: 1000, forSamples: 1500 }, [
        ['concept', 60],
        ['noise', 10],
        ['concept', 60],
      ]);
      const ended = r.events.filter((e): e is Extract<ManagerEvent, { kind: 'adapt-ended' }> => e.kind === 'adapt-ended');
      expect(ended.length).toBeGreaterThan(0);
      for (const e of ended) {
        expect(e.kept).toBe('unchanged');
        expect(e.unchangedErrors ?? Infinity).toBeLessThanOrEqual(e.boostedErrors ?? 0);
      }
    });
  });

  describe('restart', () => {
    const phases = (index: number): 'concept' | 'flipped' => (index < 60 || index >= 130 ? 'concept' : 'flipped');
    const BATCHES = 220;

    async function manager(
      restored?: { snapshot: Awaited<ReturnType<ModelManager['learner']['snapshot']>>; state: unknown; metrics: unknown },
      adapt?: Record<string, unknown>,
    ) {
      const c = config(['alert', 'adapt', 'challenger'], adapt, { rollback: true });
      const spec = { ...c.model, averaging: { ...c.model.averaging, restartOnLag: true } };
      const m = await ModelManager.create(
        { spec, drift: c.drift, inputWidth: 2, metricsWindow: 500, logger },
        restored ? { snapshot: restored.snapshot, state: restored.state as never } : undefined,
      );
      if (restored) m.learner.metrics.restore(restored.metrics as never);
      return m;
    }

    const describeEvent = (e: ManagerEvent) => JSON.stringify(e);
    const cumulative = (m: Record<string, number>) => Object.fromEntries(Object.entries(m).filter(([k]) => !k.endsWith('_window')));

    it.each([
      ['', undefined],
      [', a hedged adapt period', { hedge: true, forSamples: 1000 }],
    ])('continues every decision exactly where it stopped: detectors, error trend, a running race, the lag test%s', async (_, adapt) => {
      const reference = await manager(undefined, adapt);
      const events: string[][] = [];
      for (let i = 0; i < BATCHES; i++) events.push((await reference.step(batch(i + 1, phases(i)))).events.map(describeEvent));
      const probe = batch(9999, 'concept');
      const expected = await reference.learner.predict(probe.features, probe.size);
      const expectedMetrics = reference.metrics();
      reference.dispose();
      expect(events.flat().some((e) => e.includes('challenger-promoted'))).toBe(true);

      let racing = 0;
      let hedging = 0;
      let boostedLeading = 0;
      for (let cut = 62; cut < BATCHES; cut += adapt ? 3 : 6) {
        const first = await manager(undefined, adapt);
        for (let i = 0; i < cut; i++) await first.step(batch(i + 1, phases(i)));
        const wasRacing = first.challengerRunning;
        if (wasRacing) racing++;
        // Through JSON, as in state.bin.
        const state = JSON.parse(JSON.stringify(await first.state())) as ManagerState;
        if (state.hedge) hedging++;
        if (state.hedge?.boostedLeads) boostedLeading++;
        const restored = { snapshot: await first.learner.snapshot(), state, metrics: first.learner.metrics.state() };
        first.dispose();
        const second = await manager(restored, adapt);
        expect(second.challengerRunning).toBe(wasRacing);
        for (let i = cut; i < BATCHES; i++)
          expect([cut, i, (await second.step(batch(i + 1, phases(i)))).events.map(describeEvent)]).toEqual([cut, i, events[i]]);
        expect(Array.from(await second.learner.predict(probe.features, probe.size))).toEqual(Array.from(expected));
        // The cumulative live metrics too, including those a promoted challenger brought with it. (Windowed
        // metrics start over at a restart: their window would hold per-sample labels, which are not persisted.)
        expect(cumulative(second.metrics())).toEqual(cumulative(expectedMetrics));
        second.dispose();
      }
      // Some cuts fell inside a race (and a hedged period), so resuming one was tested.
      expect(racing).toBeGreaterThan(2);
      // ... including one where the boosted copy predicted (the checkpoint's model) and the unchanged one waited.
      if (adapt) expect([hedging > 2, boostedLeading > 0]).toEqual([true, true]);
    });

    it('drops a checkpointed challenger when the config no longer lists the response', async () => {
      const first = await manager();
      for (let i = 0; i < 80 && !first.challengerRunning; i++) await first.step(batch(i + 1, phases(i)));
      expect(first.challengerRunning).toBe(true);
      const state = JSON.parse(JSON.stringify(await first.state())) as ManagerState;
      const c = config(['alert']);
      const second = await ModelManager.create(
        { spec: c.model, drift: c.drift, inputWidth: 2, metricsWindow: 500, logger },
        { snapshot: await first.learner.snapshot(), state },
      );
      expect(second.challengerRunning).toBe(false);
      first.dispose();
      second.dispose();
    });
  });

  describe('regression: per-sample errors in checkpoints (a new model predicts 0, so |error| is the label)', () => {
    function regressionConfig(regressionErrors: boolean) {
      const c = parseConfig(
        {
          model: { name: 'reg', type: 'linear', standardize: false, optimizer: { type: 'sgd', learningRate: 0.05 }, averaging: { restartOnLag: true } },
          kafka: { topics: ['t'] },
          input: { features: [{ field: 'a' }], label: { field: 'y' } },
          checkpoints: { regressionErrors },
          drift: {
            detectors: [{ kind: 'page-hinkley' }, { kind: 'adwin' }, { kind: 'kswin', params: { seed: 42 } }],
            responses: ['adapt', 'challenger'],
            challenger: { minSamples: 300, maxSamples: 3000 },
          },
        },
        { env: {} },
      );
      expect(c.checkpoints.regressionErrors).toBe(regressionErrors);
      return c;
    }

    /** Batch `b` of 50: y = 3a + 0.1 + noise, then y = -3a + 5 from batch 40 on (the error jumps, the detectors fire). */
    function regressionBatch(b: number) {
      let s = 7 + b * 7919;
      const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
      const features = Float32Array.from({ length: 50 }, () => rnd());
      const labels = Float32Array.from(features, (a) => (b < 40 ? 3 * a + 0.1 : -3 * a + 5) + (rnd() - 0.5) * 0.01);
      return { size: 50, width: 1, features, labels };
    }

    async function create(regressionErrors: boolean, restored?: { snapshot: Awaited<ReturnType<ModelManager['learner']['snapshot']>>; state: ManagerState }) {
      const c = regressionConfig(regressionErrors);
      return ModelManager.create({ spec: c.model, drift: c.drift, inputWidth: 1, metricsWindow: 500, regressionErrors, logger }, restored);
    }

    /** Runs until a challenger has raced for 3 batches; returns the manager, the labels and the champion's errors. */
    async function runToRace(regressionErrors: boolean) {
      const m = await create(regressionErrors);
      const labels: number[] = [];
      const errors: number[] = [];
      for (let b = 0, after = 0; b < 120 && after < 3; b++) {
        if (m.challengerRunning) after++;
        const batch = regressionBatch(b);
        labels.push(...batch.labels);
        errors.push(...(await m.step(batch)).result.errors);
      }
      expect(m.challengerRunning).toBe(true);
      return { m, labels, errors };
    }

    /** The checkpoint as written: the manager's state, the learner snapshot's optimizer config and learner state (the selector's window). */
    async function written(m: ModelManager) {
      const state = await m.state();
      const snapshot = await m.learner.snapshot();
      return { state, snapshot, text: JSON.stringify(state) + JSON.stringify(snapshot.optimizer.config) + JSON.stringify(snapshot.learner) };
    }

    it('by default keeps none: no detector state, trend, lag block, race pairs or selector window, and no label or error value', async () => {
      const { m, labels, errors } = await runToRace(false);
      const { state, snapshot, text } = await written(m);
      expect(state.detectors).toBeUndefined();
      expect(state.trend).toBeUndefined();
      expect(state.lag).toBeUndefined();
      expect(state.challenger?.race.comparison.champion).toEqual([]);
      expect(state.challenger?.race.comparison.challenger).toEqual([]);
      expect(state.challenger?.race.comparison.total).toBeGreaterThan(0);
      expect((snapshot.learner as { selector?: unknown }).selector).toBeUndefined();
      // None of the labels or per-sample errors, as float32 values written out, appears (the opt-in test below is
      // the positive control: the same search finds the errors there).
      expect(labels.filter((v) => text.includes(String(v)))).toEqual([]);
      expect(errors.slice(-500).filter((v) => v > 0 && text.includes(String(v)))).toEqual([]);
      // The same state restores: the detectors start fresh, the race goes on with an empty window.
      const again = await create(false, { snapshot, state: JSON.parse(JSON.stringify(state)) as ManagerState });
      expect(again.challengerRunning).toBe(true);
      m.dispose();
      again.dispose();
    });

    it('with checkpoints.regressionErrors keeps them, and a restart continues every decision exactly', async () => {
      const { m, errors } = await runToRace(true);
      const { state, snapshot, text } = await written(m);
      expect(state.detectors).toHaveLength(3);
      expect(state.trend?.length).toBeGreaterThan(0);
      expect(state.challenger?.race.comparison.champion.length).toBeGreaterThan(0);
      expect((snapshot.learner as { selector?: unknown }).selector).toBeDefined();
      expect(errors.slice(-500).filter((v) => v > 0 && text.includes(String(v))).length).toBeGreaterThan(0);
      m.dispose();

      const BATCHES = 110;
      const reference = await create(true);
      const events: string[][] = [];
      for (let b = 0; b < BATCHES; b++) events.push((await reference.step(regressionBatch(b))).events.map((e) => JSON.stringify(e)));
      const probe = regressionBatch(999);
      const expected = Array.from(await reference.learner.predict(probe.features, probe.size));
      reference.dispose();
      expect(events.flat().some((e) => e.includes('"drift"'))).toBe(true);
      expect(events.flat().some((e) => e.includes('challenger-started'))).toBe(true);
      let racing = 0;
      for (const cut of [30, 41, 47, 60, 80]) {
        const first = await create(true);
        for (let b = 0; b < cut; b++) await first.step(regressionBatch(b));
        if (first.challengerRunning) racing++;
        const restored = { snapshot: await first.learner.snapshot(), state: JSON.parse(JSON.stringify(await first.state())) as ManagerState };
        first.dispose();
        const second = await create(true, restored);
        for (let b = cut; b < BATCHES; b++)
          expect([cut, b, (await second.step(regressionBatch(b))).events.map((e) => JSON.stringify(e))]).toEqual([cut, b, events[b]]);
        expect(Array.from(await second.learner.predict(probe.features, probe.size))).toEqual(expected);
        second.dispose();
      }
      expect(racing).toBeGreaterThan(0);
    });
  });

  describe('rollback', () => {
    /**
     * Concept, then flipped labels: the challenger from scratch is promoted. From the promotion on, the new champion
     * is frozen (learning rate 0) and the concept comes back, so the displaced champion, which keeps learning, is
     * better by far at the first look: the rollback race must reinstate it. Returns the events from the change on and the learners.
     */
    async function rollbackRun(rollback: boolean, freeze = true) {
      const c = config(['alert', 'challenger'], undefined, { rollback });
      const m = await ModelManager.create({ spec: c.model, drift: c.drift, inputWidth: 2, metricsWindow: 500, logger });
      const original = m.learner;
      const events: ManagerEvent[] = [];
      let promotedAt = -1;
      let index = 0;
      let runningAfterPromotion: boolean | undefined;
      for (; index < 240; index++) {
        // 60 batches of the concept, the flipped concept until the promotion, then the concept again.
        const kind = index < 60 || promotedAt >= 0 ? 'concept' : 'flipped';
        if (index === 60) m.notePublished(await m.learner.snapshot(), '1.4');
        const out = await m.step(batch(index + 1, kind));
        if (index >= 60) events.push(...out.events);
        // The service publishes a version at the detection (triggers.onDrift), after the challenger branched off.
        if (out.events.some((e) => e.kind === 'challenger-started' && !e.rollback)) m.notePublished(await m.learner.snapshot(), '1.5');
        if (promotedAt < 0 && out.events.some((e) => e.kind === 'challenger-promoted')) {
          promotedAt = index;
          runningAfterPromotion = m.challengerRunning;
          if (freeze) m.learner.boostLearningRate(0);
        }
      }
      const reinstated = m.learner === original;
      const running = m.challengerRunning;
      m.dispose();
      return { events, promotedAt, runningAfterPromotion, reinstated, running };
    }

    it('races the displaced champion against the new one and reinstates it when it wins', async () => {
      const r = await rollbackRun(true);
      expect(r.promotedAt).toBeGreaterThan(60);
      expect(r.runningAfterPromotion).toBe(true);
      const started = r.events.filter((e) => e.kind === 'challenger-started');
      expect(started.slice(0, 2).map((e) => e.kind === 'challenger-started' && e.rollback === true)).toEqual([false, true]);
      // The challenger branched off at 1.4; the displaced champion's last version is 1.5, which the lineage of a
      // reinstatement records as a parent.
      expect(started[0]?.kind === 'challenger-started' && started[0].from).toBe('scratch');
      expect(started[1]?.kind === 'challenger-started' && started[1].from).toBe('1.5');
      const promoted = r.events.filter((e): e is Extract<ManagerEvent, { kind: 'challenger-promoted' }> => e.kind === 'challenger-promoted');
      expect(promoted.slice(0, 2).map((e) => e.rollback === true)).toEqual([false, true]);
      expect(promoted[0]?.branchedFrom).toBe('1.4');
      expect(promoted[1]?.branchedFrom).toBe('1.5');
      expect(r.reinstated).toBe(true);
      // A reinstated champion is not raced again by the model it displaced.
      const afterReinstatement = r.events.slice(r.events.indexOf(promoted[1] as ManagerEvent) + 1);
      expect(afterReinstatement.some((e) => e.kind === 'challenger-started' && e.rollback)).toBe(false);
    });

    it('is off by default: the displaced champion is dropped at the promotion', async () => {
      const r = await rollbackRun(false);
      expect(r.promotedAt).toBeGreaterThan(60);
      expect(r.runningAfterPromotion).toBe(false);
      expect(r.events.some((e) => 'rollback' in e && e.rollback)).toBe(false);
      expect(r.reinstated).toBe(false);
    });

    it('keeps the new champion when the displaced one does not beat it', async () => {
      // Nothing frozen and the flipped concept stays: the new champion learned it first and the race drops the old.
      const c = config(['alert', 'challenger'], undefined, { rollback: true });
      const m = await ModelManager.create({ spec: c.model, drift: c.drift, inputWidth: 2, metricsWindow: 500, logger });
      const original = m.learner;
      const events: ManagerEvent[] = [];
      for (let index = 0; index < 200; index++) {
        const out = await m.step(batch(index + 1, index < 60 ? 'concept' : 'flipped'));
        if (index >= 60) events.push(...out.events);
      }
      const kinds = events.filter((e) => e.kind.startsWith('challenger')).map((e) => `${e.kind}${'rollback' in e && e.rollback ? ' (rollback)' : ''}`);
      expect(kinds).toEqual(['challenger-started', 'challenger-promoted', 'challenger-started (rollback)', 'challenger-dropped']);
      expect(m.learner).not.toBe(original);
      m.dispose();
    });
  });
});
