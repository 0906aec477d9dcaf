import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CheckpointIntegrityError, type ModelSnapshot } from '../../../src/core/index.js';
import { LEARNER_STATE_FORMAT, OnlineLearner, readLearnerState, selectBackend, type OnlineLearnerOptions } from '../../../src/learner/index.js';
import { snapshotFromJson, type SnapshotJson } from '../../../src/adaptation/index.js';
import { decodeState, encodeState } from '../../../src/checkpoints/state-blob.js';
import {
  CONTINUE_BATCHES,
  LEARNER_PROBE,
  scenarioLearnBatch,
  scenarioLearnerLogger,
  scenarioLearnerOptions,
  scenarioLearnerSpec,
} from '../../support/learner-scenario.js';

const legacy = JSON.parse(readFileSync(new URL('../../fixtures/learner/legacy-checkpoint.json', import.meta.url), 'utf8')) as { snapshot: SnapshotJson };

/** A snapshot as state.bin and model.json carry it: written by the checkpoint writer's encoder, read back by its decoder. */
function throughStateBin(s: ModelSnapshot): ModelSnapshot {
  const blob = decodeState(encodeState({ optimizer: s.optimizer, ...(s.learner !== undefined ? { learner: s.learner } : {}), state: { manager: {} } }));
  return {
    topology: s.topology,
    weightSpecs: s.weightSpecs,
    weightData: s.weightData.slice(0),
    optimizer: blob.optimizer,
    ...(blob.learner !== undefined ? { learner: blob.learner } : {}),
  };
}

/** Everything of two snapshots, comparable with toEqual (buffers as bytes). */
function contents(s: ModelSnapshot) {
  return { ...s, weightData: new Uint8Array(s.weightData), optimizer: { ...s.optimizer, data: new Uint8Array(s.optimizer.data) } };
}

describe('LearnerState (format 2): the learner state in its own object, next to the optimizer slots', () => {
  beforeAll(async () => {
    await selectBackend('auto', scenarioLearnerLogger);
  });

  it('a snapshot keeps averages, trained weights, selector and standardizer in `learner`, and only slots in `optimizer`', async () => {
    const l = await OnlineLearner.create(scenarioLearnerOptions());
    for (let i = 0; i < 6; i++) l.step(scenarioLearnBatch(i));
    const snap = await l.snapshot();
    l.dispose();
    expect(snap.learner.formatVersion).toBe(LEARNER_STATE_FORMAT);
    expect(Object.keys(snap.learner)).toEqual(['formatVersion', 'trained', 'unfolded', 'average', 'short', 'selector', 'standardizer']);
    expect(snap.optimizer.tensors.filter((t) => t.name.startsWith('streamtrain.'))).toEqual([]);
    expect(Object.keys(snap.optimizer.config as object).sort()).toEqual(['beta1', 'beta2', 'epsilon', 'learningRate']);
  });

  it('round-trips through state.bin: the restored learner predicts and continues exactly as the one that wrote it', async () => {
    const a = await OnlineLearner.create(scenarioLearnerOptions());
    for (let i = 0; i < 20; i++) a.step(scenarioLearnBatch(i));
    const b = await OnlineLearner.create(scenarioLearnerOptions(), throughStateBin(await a.snapshot()));
    const rows = LEARNER_PROBE.length / 3;
    expect(Array.from(b.predict(LEARNER_PROBE, rows))).toEqual(Array.from(a.predict(LEARNER_PROBE, rows)));
    for (let k = 0; k < CONTINUE_BATCHES; k++) {
      const x = scenarioLearnBatch(20 + k);
      expect(Array.from(b.step(x).scores)).toEqual(Array.from(a.step(x).scores));
      expect(Array.from(b.predict(LEARNER_PROBE, rows))).toEqual(Array.from(a.predict(LEARNER_PROBE, rows)));
      expect(b.liveMetrics().average_horizon_selected).toBe(a.liveMetrics().average_horizon_selected);
    }
    expect(contents(await b.snapshot())).toEqual(contents(await a.snapshot()));
    a.dispose();
    b.dispose();
  });

  it('a checkpoint of the format before restores into the same state: its snapshot then holds what the old one held, in format 2', async () => {
    const old = snapshotFromJson(legacy.snapshot);
    const read = readLearnerState(old);
    const l = await OnlineLearner.create(scenarioLearnerOptions(), old);
    const snap = await l.snapshot();
    l.dispose();
    expect(snap.learner).toEqual(read.learner);
    expect(new Uint8Array(snap.weightData)).toEqual(new Uint8Array(old.weightData));
    expect(snap.optimizer.tensors.map((t) => t.name)).toEqual(read.optimizer.tensors.map((t) => t.name));
    const bytes = (o: ModelSnapshot['optimizer']) => o.tensors.map((t) => Array.from(new Uint8Array(o.data, t.byteOffset, t.byteLength)));
    expect(bytes(snap.optimizer)).toEqual(bytes(read.optimizer));
  });

  it('refuses a learner state of a format it does not know', () => {
    const old = snapshotFromJson(legacy.snapshot);
    expect(() => readLearnerState({ ...old, learner: { formatVersion: 3 } })).toThrow(CheckpointIntegrityError);
    expect(() => readLearnerState({ ...old, learner: { formatVersion: 2, trained: [{ shape: [1] }] } })).toThrow(CheckpointIntegrityError);
  });

  it('snapshot -> restore -> snapshot gives the same snapshot, byte for byte (property)', async () => {
    const config = fc.record({
      type: fc.constantFrom('logistic' as const, 'mlp' as const),
      optimizer: fc.constantFrom('sgd' as const, 'adam' as const),
      horizon: fc.constantFrom(0, 24, 64),
      select: fc.boolean(),
      standardize: fc.boolean(),
      updateBatchSize: fc.constantFrom(1, 5, undefined),
      typedSteps: fc.boolean(),
      batches: fc.integer({ min: 0, max: 8 }),
      from: fc.integer({ min: 0, max: 40 }),
    });
    await fc.assert(
      fc.asyncProperty(config, async (c) => {
        const base = scenarioLearnerSpec();
        const spec = {
          ...base,
          type: c.type,
          standardize: c.standardize,
          optimizer: { ...base.optimizer, type: c.optimizer },
          averaging: { horizon: c.horizon, holdoff: 8, select: c.select, restartOnDrift: true, restartOnLag: false },
        };
        const o: OnlineLearnerOptions = {
          spec,
          inputWidth: 3,
          metricsWindow: 100,
          logger: scenarioLearnerLogger,
          typedSteps: c.typedSteps,
          ...(c.updateBatchSize ? { updateBatchSize: c.updateBatchSize } : {}),
        };
        const a = await OnlineLearner.create(o);
        for (let i = 0; i < c.batches; i++) a.step(scenarioLearnBatch(c.from + i, 8));
        const first = await a.snapshot();
        const b = await OnlineLearner.create(o, throughStateBin(first));
        const second = await b.snapshot();
        a.dispose();
        b.dispose();
        expect(contents(second)).toEqual(contents(first));
      }),
      { numRuns: 40 },
    );
  });
});
