import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { OnlineLearner, selectBackend } from '../../../src/learner/index.js';
import { snapshotFromJson, type SnapshotJson } from '../../../src/adaptation/index.js';
import { CONTINUE_BATCHES, LEARNER_PROBE, scenarioLearnBatch, scenarioLearnerLogger, scenarioLearnerOptions } from '../../support/learner-scenario.js';

/** Written by test/fixtures/learner/generate-legacy-checkpoint.ts on the code of commit 9a97393. */
const fixture = JSON.parse(readFileSync(new URL('../../fixtures/learner/legacy-checkpoint.json', import.meta.url), 'utf8')) as {
  trainedBatches: number;
  snapshot: SnapshotJson;
  predictions: number[];
  steps: { scores: number[]; predictions: number[]; selected?: number }[];
};

describe('OnlineLearner restores a checkpoint written before the typed learner state', () => {
  beforeAll(async () => {
    await selectBackend('auto', scenarioLearnerLogger);
  });

  it('the fixture keeps the learner state under name prefixes in the optimizer snapshot', () => {
    const names = fixture.snapshot.optimizer.tensors.map((t) => t.name.split('/')[0]);
    expect(new Set(names)).toEqual(
      new Set(['iter', 'output_1', 'hidden_0', 'streamtrain.trained', 'streamtrain.unfolded', 'streamtrain.average', 'streamtrain.short']),
    );
    expect(Object.keys(fixture.snapshot.optimizer.config as object)).toEqual(
      expect.arrayContaining(['averageMass', 'standardizer', 'shortAverageMass', 'selector']),
    );
    expect(new Set(fixture.steps.map((s) => s.selected)).size).toBeGreaterThan(1);
  });

  it('predicts as the learner that wrote it, and continues with the same scores, choices and predictions', async () => {
    const learner = await OnlineLearner.create(scenarioLearnerOptions(), snapshotFromJson(fixture.snapshot));
    const rows = LEARNER_PROBE.length / 3;
    expect(Array.from(learner.predict(LEARNER_PROBE, rows))).toEqual(fixture.predictions);
    for (let k = 0; k < CONTINUE_BATCHES; k++) {
      const r = learner.step(scenarioLearnBatch(fixture.trainedBatches + k));
      const step = {
        scores: Array.from(r.scores),
        predictions: Array.from(learner.predict(LEARNER_PROBE, rows)),
        selected: learner.liveMetrics().average_horizon_selected,
      };
      expect(step).toEqual(fixture.steps[k]);
    }
    learner.dispose();
  });
});
