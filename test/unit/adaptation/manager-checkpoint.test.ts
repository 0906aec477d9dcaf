import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { readLearnerState, selectBackend } from '../../../src/learner/index.js';
import { ModelManager, snapshotFromJson, snapshotToJson, type ManagerState, type SnapshotJson } from '../../../src/adaptation/index.js';
import { comparable, CONTINUE_BATCHES, PROBE, scenarioBatch, scenarioLogger, scenarioManagerOptions } from '../../support/manager-scenario.js';

/** Written by test/fixtures/adaptation/generate-manager-state.ts on the code before src/adaptation (commit 1202613). */
const fixture = JSON.parse(readFileSync(new URL('../../fixtures/adaptation/manager-state.json', import.meta.url), 'utf8')) as {
  capturedAfterBatch: number;
  snapshot: SnapshotJson;
  state: ManagerState;
  steps: { events: unknown[]; predictions: number[] }[];
};

describe('ModelManager checkpoint state (fixture from the code before the adaptation layer)', () => {
  beforeAll(async () => {
    await selectBackend('auto', scenarioLogger);
  });

  it('the fixture holds a hedged adapt period, a challenger race, a lag block, detectors, data drift and the trend', () => {
    expect(Object.keys(fixture.state)).toEqual(['detectors', 'data', 'adaptRemaining', 'trend', 'challenger', 'lag', 'hedge']);
  });

  it('restores and continues with the same events and predictions as a run that never stopped', async () => {
    // The reference is today's code run from the start: since the fixture was written, an untrained model's p = 0.5
    // reads as class 0 (it was class 1), which changes the race that follows the capture, not the captured state.
    const continuous = await ModelManager.create(scenarioManagerOptions());
    for (let i = 0; i <= fixture.capturedAfterBatch; i++) await continuous.step(scenarioBatch(i));
    const m = await ModelManager.create(scenarioManagerOptions(), { snapshot: snapshotFromJson(fixture.snapshot), state: fixture.state });
    const [steps, reference] = [[] as unknown[], [] as unknown[]];
    for (let k = 0; k < CONTINUE_BATCHES; k++) {
      for (const [manager, out] of [
        [m, steps],
        [continuous, reference],
      ] as const) {
        const { events } = await manager.step(scenarioBatch(fixture.capturedAfterBatch + 1 + k));
        out.push({ events: JSON.parse(JSON.stringify(events)) as unknown[], predictions: Array.from(await manager.learner.predict(PROBE, PROBE.length / 2)) });
      }
    }
    m.dispose();
    continuous.dispose();
    expect(steps.flatMap((s) => (s as { events: unknown[] }).events).length).toBeGreaterThan(0);
    expect(comparable(steps)).toEqual(comparable(reference));
  });

  it('writes the same state, key for key, when run from the start to the same batch (its snapshots in the learner state format of today)', async () => {
    const m = await ModelManager.create(scenarioManagerOptions());
    for (let i = 0; i <= fixture.capturedAfterBatch; i++) await m.step(scenarioBatch(i));
    const { served, ...state } = await m.state();
    m.dispose();
    expect(JSON.stringify(comparable(state))).toBe(JSON.stringify(comparable(inCurrentFormat(fixture.state))));
    // The served metric came later than the fixture: it is the last key, and counts every sample the champion scored.
    expect(served?.samples).toBe((fixture.capturedAfterBatch + 1) * scenarioBatch(0).size);
  });
});

/**
 * The state with every snapshot in it (the race's challenger, the hedge's other model) read as a learner reads it
 * and written in today's format: the fixture's were written before the learner state had its own object.
 */
function inCurrentFormat(state: unknown): unknown {
  return JSON.parse(JSON.stringify(state), (_key, v: unknown) => {
    if (typeof v !== 'object' || v === null || !('weightSpecs' in v) || !('optimizer' in v)) return v;
    const snapshot = snapshotFromJson(v as SnapshotJson);
    const { learner, optimizer } = readLearnerState(snapshot);
    return snapshotToJson({ ...snapshot, optimizer, learner });
  });
}
