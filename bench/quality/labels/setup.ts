/**
 * The configuration the labels benchmark runs with: the config's defaults read from the schema (so the bench
 * follows a changed default), the model the dev suite calls "st defaults", and the join's options from
 * `input.labels` with its defaults and the setting's `maxDelayMs` and `onMissing`.
 */
import { createLogger, parseConfig } from '../../../src/core/index.js';
import { ModelManager } from '../../../src/adaptation/index.js';
import { labelJoinOptions, type LabelJoinOptions } from '../../../src/labels/index.js';
import { selectBackend } from '../../../src/learner/index.js';
import { modelSpec } from '../streamtrain-learners.js';
import type { ServingModel } from './replay.js';

const logger = createLogger({ level: 'silent' });

/** The feature records' topic and the labels' (names only: nothing is read from Kafka). */
export const FEATURE_TOPIC = 'features';
export const LABEL_TOPIC = 'labels';

function parse(labels?: { maxDelayMs: number; onMissing: 'default' | 'drop' }) {
  return parseConfig(
    {
      model: { name: 'labels-bench' },
      kafka: { topics: [FEATURE_TOPIC] },
      input: {
        features: [{ field: 'x' }],
        label: { field: 'y' },
        ...(labels ? { labels: { topic: LABEL_TOPIC, idField: 'id', labelField: 'y', ...labels } } : {}),
      },
    },
    { env: {} },
  );
}

/** The config's defaults the bench's streamtrain runs use (as bench:dev-suite's "st defaults"). */
export function configDefaults() {
  const c = parse();
  return {
    learningRate: c.model.optimizer.learningRate,
    optimizer: c.model.optimizer.type,
    batchSize: c.batch.size,
    // `auto` takes a step per sample unless batches queue up for the learner, which never happens in-process.
    updateBatchSize: c.learner.updateBatchSize === 'auto' ? 1 : c.learner.updateBatchSize,
    modelType: c.model.type,
    pool: c.model.pool,
    standardize: c.model.standardize,
  };
}

/** The model section of the runs: the default type and pool, `standardize: true` as in the dev suite. */
export function modelOverrides(classes: number): Record<string, unknown> {
  const d = configDefaults();
  return { type: d.modelType, pool: d.pool, classes, standardize: true };
}

/** The join's options: `input.labels` with its defaults, this `maxDelayMs` and `onMissing` (default label: 0). */
export function joinOptions(maxDelayMs: number, onMissing: 'default' | 'drop'): LabelJoinOptions {
  const labels = parse({ maxDelayMs, onMissing }).input.labels;
  if (!labels) throw new RangeError('input.labels did not parse');
  return labelJoinOptions(labels, FEATURE_TOPIC);
}

/**
 * A ModelManager as runStateful builds it (the config's defaults, no drift response) behind the replay's
 * interface: the champion serves (`Learner.predict`: the weights that predict and are published), `step` learns.
 */
export async function servingManager(width: number, classes: number): Promise<{ model: ServingModel; dispose: () => void }> {
  await selectBackend('auto', logger);
  const d = configDefaults();
  const { spec, drift } = modelSpec(d.learningRate, width, d.optimizer, {}, modelOverrides(classes));
  const manager = await ModelManager.create({ spec, drift: drift([]), inputWidth: width, metricsWindow: 1000, updateBatchSize: d.updateBatchSize, logger });
  return {
    model: {
      predict: (raw, size) => manager.learner.predict(raw, size),
      learn: async (batch) => {
        await manager.step(batch);
      },
    },
    dispose: () => manager.dispose(),
  };
}
