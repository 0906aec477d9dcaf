import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLogger, parseConfig } from '../../../src/core/index.js';
import { selectBackend } from '../../../src/learner/index.js';
import { ForgettingGuard, PublishedSnapshots, type GuardState, type ManagerEvent } from '../../../src/adaptation/index.js';
import { LiveModels } from '../../../src/adaptation/live-models.js';
import { twoFeatureBatch as batch } from '../../support/manager-scenario.js';

const logger = createLogger({ level: 'silent' });

function options(guard: Record<string, unknown> = {}, learningRate = 0.5) {
  const c = parseConfig(
    {
      model: { name: 'g', type: 'logistic', optimizer: { type: 'sgd', learningRate }, averaging: { horizon: 0 } },
      kafka: { topics: ['t'] },
      input: { features: [{ field: 'a' }, { field: 'b' }], label: { field: 'y' } },
      drift: { guard: { enabled: true, versions: 3, window: 1000, look: 200, margin: 0.05, alpha: 0.01, ...guard } },
    },
    { env: {} },
  );
  return { spec: c.model, drift: c.drift, inputWidth: 2, metricsWindow: 500, logger };
}

type Kind = 'concept' | 'flipped' | 'noise';
let seed = 1;

/** Live models whose champion learned `kind` for `batches` batches of 50. */
async function trained(guard: Record<string, unknown>, kind: Kind, batches = 40, learningRate = 0.5): Promise<LiveModels> {
  const models = await LiveModels.create(options(guard, learningRate));
  for (let i = 0; i < batches; i++) models.champion.step(batch(seed++, kind));
  return models;
}

/** Publishes the champion's current weights as `version`, after a rise (so it joins the pool). */
async function publishAfterRise(guard: ForgettingGuard, models: LiveModels, version: string): Promise<void> {
  await guard.onRise();
  guard.published(version, await models.champion.snapshot());
}

/** The live model learns `batches` batches of `kind`, the guard scoring next to it; returns the events. */
function stream(guard: ForgettingGuard, models: LiveModels, kind: Kind, batches: number): ManagerEvent[] {
  const events: ManagerEvent[] = [];
  for (let i = 0; i < batches; i++) {
    const b = batch(seed++, kind);
    guard.step(b, models.champion.step(b), events);
  }
  return events;
}

describe('ForgettingGuard', () => {
  beforeAll(async () => {
    await selectBackend('auto', logger);
  });

  it('re-activates a past version when its concept returns, and the live model continues from it', async () => {
    const models = await trained({}, 'concept');
    const guard = new ForgettingGuard(models, new PublishedSnapshots());
    await publishAfterRise(guard, models, '1.3'); // the model of concept A, published at the change to B
    stream(guard, models, 'flipped', 60); // B: the live model follows it
    const beforeReturn = models.champion;
    await guard.onRise(); // A returns
    expect(guard.scoring).toBe(true);
    const events = stream(guard, models, 'concept', 20);
    const reactivated = events.find((e) => e.kind === 'guard-reactivated');
    expect(reactivated).toMatchObject({ kind: 'guard-reactivated', version: '1.3' });
    expect(reactivated?.kind === 'guard-reactivated' && reactivated.comparison.lead).toBeGreaterThan(0.5);
    expect(models.champion).not.toBe(beforeReturn);
    expect(guard.scoring).toBe(false);
    // The live metrics carry on across the switch: the samples of the whole stream, not those since the switch.
    expect(models.champion.metrics.values().samples).toBeGreaterThan(100 * 50);
    expect(guard.metrics().guard_reactivations).toBe(1);
    guard.dispose();
    models.champion.dispose();
  });

  it('does not re-activate a past version of another concept, and supersedes one the live model matches', async () => {
    const models = await trained({}, 'concept');
    const guard = new ForgettingGuard(models, new PublishedSnapshots());
    await publishAfterRise(guard, models, '1.1'); // concept A
    stream(guard, models, 'flipped', 60);
    await publishAfterRise(guard, models, '1.2'); // concept B; the window scores 1.1 (A) on B
    const events = stream(guard, models, 'flipped', 30);
    expect(events.filter((e) => e.kind === 'guard-reactivated')).toEqual([]);
    expect(guard.versions).toEqual(['1.1', '1.2']);
    // A false alarm during B: 1.2 is no better than the live model, the newer 1.3 replaces it; 1.1 (A) stays.
    await publishAfterRise(guard, models, '1.3');
    expect(stream(guard, models, 'flipped', 30).filter((e) => e.kind === 'guard-reactivated')).toEqual([]);
    expect(guard.versions).toEqual(['1.1', '1.3']);
    guard.dispose();
    models.champion.dispose();
  });

  it('a concept that returns while an earlier window runs is scored by every past version again', async () => {
    const models = await trained({}, 'concept');
    const guard = new ForgettingGuard(models, new PublishedSnapshots());
    await publishAfterRise(guard, models, '1.1'); // concept A
    stream(guard, models, 'flipped', 60);
    await publishAfterRise(guard, models, '1.2'); // concept B
    stream(guard, models, 'flipped', 30);
    // A false alarm during B: its window drops 1.1 (A) at the second look and races 1.2 (B) to the window's end.
    await publishAfterRise(guard, models, '1.3');
    stream(guard, models, 'flipped', 10);
    expect(guard.scoring).toBe(true);
    await guard.onRise(); // A returns before that window ends
    const events = stream(guard, models, 'concept', 20);
    expect(events.find((e) => e.kind === 'guard-reactivated')).toMatchObject({ version: '1.1' });
    guard.dispose();
    models.champion.dispose();
  });

  it('a burst of detections during windows takes one place in the pool, and the models of earlier concepts stay', async () => {
    const models = await trained({}, 'concept');
    const source = new PublishedSnapshots();
    const guard = new ForgettingGuard(models, source);
    await publishAfterRise(guard, models, '1.1'); // concept A
    stream(guard, models, 'flipped', 60);
    await publishAfterRise(guard, models, '1.2'); // concept B; a window starts over 1.1
    for (const v of ['1.3', '1.4', '1.5']) {
      stream(guard, models, 'noise', 1);
      await publishAfterRise(guard, models, v); // each within a window's length of the last: transitional, replacing the one before
    }
    expect(guard.versions).toEqual(['1.1', '1.2', '1.5']);
    const state = guard.state();
    expect(state).toMatchObject({ transitional: '1.5' });
    // Restored from a checkpoint, the next transitional version replaces the same one.
    const again = new ForgettingGuard(models, source);
    again.restore({ ...(state as GuardState), pending: true, pendingTransitional: true });
    again.published('1.6', await models.champion.snapshot());
    expect(again.versions).toEqual(['1.1', '1.2', '1.6']);
    // The window ends on B: 1.2 and 1.5 model the live concept and leave; 1.7, a window's length after the last
    // detection, is not transitional (the next burst will not replace it).
    stream(guard, models, 'flipped', 40);
    expect(guard.scoring).toBe(false);
    await publishAfterRise(guard, models, '1.7');
    expect(guard.versions).toEqual(['1.1', '1.7']);
    expect(guard.state()?.transitional).toBeUndefined();
    again.dispose();
    guard.dispose();
    models.champion.dispose();
  });

  it('supersedes nothing while the live model has not recovered from the change', async () => {
    // A live model that learns slowly: after the change to B it is still the model of A when the window ends.
    const models = await trained({}, 'concept', 40, 0.001);
    const guard = new ForgettingGuard(models, new PublishedSnapshots());
    stream(guard, models, 'concept', 10);
    await publishAfterRise(guard, models, '1.1'); // concept A
    stream(guard, models, 'concept', 30);
    // On B, 1.1 and the live model are both wrong on nearly every sample: the window cannot tell them apart, but
    // that says nothing about what 1.1 models.
    stream(guard, models, 'flipped', 2);
    await publishAfterRise(guard, models, '1.2');
    stream(guard, models, 'flipped', 25);
    expect(guard.scoring).toBe(false);
    expect(guard.versions).toEqual(['1.1', '1.2']);
    guard.dispose();
    models.champion.dispose();
  });

  it('a version the source no longer has leaves the pool', async () => {
    const models = await trained({}, 'concept', 5);
    const source = new PublishedSnapshots();
    const guard = new ForgettingGuard(models, { load: () => Promise.resolve(undefined), published: (v, s) => source.published(v, s) });
    await publishAfterRise(guard, models, '1.1');
    await guard.onRise();
    expect(guard.scoring).toBe(false);
    expect(guard.versions).toEqual([]);
    models.champion.dispose();
  });

  it('the cost bound holds: at most `versions` past versions, scored only in a window after a detection', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.record({ kind: fc.constantFrom<Kind>('concept', 'flipped', 'noise'), batches: fc.integer({ min: 1, max: 12 }) }), {
          minLength: 1,
          maxLength: 6,
        }),
        async (versions, scoreEvery, phases) => {
          const window = 300;
          const models = await trained({ versions, window, look: 100, scoreEvery }, 'concept', 4);
          const source = new PublishedSnapshots();
          const guard = new ForgettingGuard(models, source);
          let rises = 0;
          let n = 0;
          for (const p of phases) {
            await publishAfterRise(guard, models, `1.${++n}`);
            rises++;
            stream(guard, models, p.kind, p.batches);
            expect(guard.versions.length).toBeLessThanOrEqual(versions);
            // The in-process source holds the pool and the newest version, nothing else.
            expect(source.size).toBeLessThanOrEqual(versions + 1);
          }
          // Outside a window nothing is scored.
          stream(guard, models, 'concept', 8);
          const scored = guard.metrics().guard_scored_samples as number;
          expect(guard.scoring).toBe(false);
          // Each window: at most `versions` candidates, each on at most window + one batch (50) samples.
          expect(scored).toBeLessThanOrEqual(rises * versions * (window + 50));
          guard.dispose();
          models.champion.dispose();
        },
      ),
      { numRuns: 12 },
    );
  }, 60_000);

  it('restores its pool from a checkpoint, and is inert when disabled', async () => {
    const models = await trained({}, 'concept', 5);
    const guard = new ForgettingGuard(models, new PublishedSnapshots());
    await publishAfterRise(guard, models, '2.4');
    const state = guard.state();
    expect(state).toEqual({ pool: ['2.4'], pending: false });
    const again = new ForgettingGuard(models, new PublishedSnapshots());
    again.restore(state);
    expect(again.versions).toEqual(['2.4']);
    const off = new ForgettingGuard(await trained({ enabled: false }, 'concept', 1), new PublishedSnapshots());
    await publishAfterRise(off, models, '2.5');
    expect(off.versions).toEqual([]);
    expect(off.state()).toBeUndefined();
    expect(off.metrics()).toEqual({});
    models.champion.dispose();
  });
});
