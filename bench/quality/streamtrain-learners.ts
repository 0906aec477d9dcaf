import { createLogger, parseConfig, type DriftConfig, type ModelConfig, type OptimizerType, type TriggerConfig } from '../../src/core/index.js';
import { OnlineLearner, selectBackend } from '../../src/learner/index.js';
import { ModelManager, type ModelManagerOptions } from '../../src/adaptation/index.js';
import { Prequential, timed, timedAsync } from './prequential.js';
import { slice, type QualityStream } from './streams.js';

const logger = createLogger({ level: 'silent' });

export interface LearnerResult {
  readonly dataset: string;
  readonly learner: string;
  readonly family: string;
  readonly params: Record<string, unknown>;
  readonly batchSize: number;
  readonly samples: number;
  readonly accuracy: number;
  readonly curve: [number, number][];
  readonly trainSamples: number;
  readonly cpuSeconds: number;
  readonly wallSeconds: number;
  bestOfFamily?: boolean;
  /** A diagnostic run (explains a difference between learners); never a headline number nor a target. */
  readonly diagnostic?: boolean;
  readonly extra?: Record<string, unknown>;
}

/**
 * The model every TypeScript learner uses: logistic regression with streamtrain's defaults (Adam, zero initial
 * weights, no L2), the grid's learning rate. `optimizer` is changed only by the diagnostic SGD runs.
 */
export function modelSpec(
  lr: number,
  width: number,
  optimizer: OptimizerType = 'adam',
  driftOverrides: Record<string, unknown> = {},
  modelOverrides: Record<string, unknown> = {},
): { spec: ModelConfig; drift: (responses: string[]) => DriftConfig; triggers: TriggerConfig } {
  const tree = (responses: string[]) => ({
    model: { name: 'quality', type: 'logistic', optimizer: { type: optimizer, learningRate: lr }, seed: 42, ...modelOverrides },
    kafka: { topics: ['unused'] },
    input: { features: Array.from({ length: width }, (_, i) => ({ field: `f${i}` })), label: { field: 'y' } },
    drift: { ...driftOverrides, responses },
  });
  const base = parseConfig(tree([]), { env: {} });
  return { spec: base.model, drift: (responses) => parseConfig(tree(responses), { env: {} }).drift, triggers: base.triggers };
}

/**
 * streamtrain as the service runs it: one live model, test-then-train on each batch, optionally with the drift
 * responses (`adapt`, `challenger`). Returns the per-sample error stream too, for the detector evaluation.
 * Versions are "published" (the manager takes note of them, as the service does after each publication, so a
 * `last-version` challenger has a version to start from) on the service's default sample-based triggers: every
 * `triggers.everySamples` samples, after a batch where a detector fired (`onDrift`), and at a promotion. The
 * time-based trigger (every 60 s) is left out: a replay's clock says nothing about a live stream's. `managerOptions`:
 * public options of the manager beyond the config (the studies' knobs, such as the rise check's rule).
 */
export async function runStateful(
  s: QualityStream,
  lr: number,
  batch: number,
  responses: string[],
  updateBatchSize = batch,
  optimizer: OptimizerType = 'adam',
  driftOverrides: Record<string, unknown> = {},
  modelOverrides: Record<string, unknown> = {},
  managerOptions: Pick<ModelManagerOptions, 'errorTrend' | 'restartDuringHoldoff'> = {},
): Promise<{ result: LearnerResult; errors: Float32Array; events: string[]; metrics: Record<string, number> }> {
  await selectBackend('auto', logger);
  const { spec, drift, triggers } = modelSpec(lr, s.width, optimizer, driftOverrides, modelOverrides);
  const manager = await ModelManager.create({
    spec,
    drift: drift(responses),
    inputWidth: s.width,
    metricsWindow: 1000,
    updateBatchSize,
    logger,
    ...managerOptions,
  });
  const pq = new Prequential();
  const acc = { cpu: 0 };
  const errors = new Float32Array(s.size);
  const events: string[] = [];
  let sinceVersion = 0;
  let published = 0;
  const t0 = performance.now();
  for (let i = 0; i < s.size; i += batch) {
    const b = slice(s, i, Math.min(s.size, i + batch));
    const out = await timedAsync(acc, () => manager.step(b));
    pq.add(out.result.errors);
    errors.set(out.result.errors, i);
    for (const e of out.events)
      events.push(`${i}:${e.kind}${e.kind === 'challenger-dropped' ? `(${e.reason})` : ''}${'rollback' in e && e.rollback ? '(rollback)' : ''}`);
    sinceVersion += b.size;
    const publish =
      out.events.some((e) => e.kind === 'challenger-promoted' || (triggers.onDrift && e.kind === 'drift')) ||
      (triggers.everySamples > 0 && sinceVersion >= triggers.everySamples);
    if (publish && responses.length) {
      // Not timed: a checkpoint, not training. Only runs with a response can use it.
      manager.notePublished(await manager.learner.snapshot(), `v${++published}`);
      sinceVersion = 0;
    }
  }
  const trainSamples = manager.trainedSamples;
  const metrics = manager.metrics();
  manager.dispose();
  const perSample = updateBatchSize === 1;
  const noAveraging = spec.averaging.horizon === 0;
  const standardized = spec.standardize === true;
  const diagnostic = optimizer !== 'adam' || noAveraging;
  const family =
    (responses.length ? 'streamtrain-drift' : 'streamtrain-stateful') +
    (perSample ? '' : '-batchstep') +
    (optimizer !== 'adam' ? `-${optimizer}` : '') +
    (noAveraging ? '-noavg' : '') +
    (standardized ? '-std' : '');
  return {
    result: {
      dataset: s.name,
      learner:
        (responses.length ? `streamtrain stateful + ${responses.join('+')}` : 'streamtrain stateful') +
        (perSample ? ', a step per sample' : ', a step per batch') +
        (optimizer !== 'adam' ? `, ${optimizer}` : '') +
        (noAveraging ? ', no weight averaging' : '') +
        (standardized ? ', standardized inputs' : ''),
      family,
      ...(diagnostic ? { diagnostic } : {}),
      params: {
        model: 'logistic',
        optimizer,
        learningRate: lr,
        responses,
        updateBatchSize,
        averagingHorizon: spec.averaging.horizon,
        standardize: standardized,
      },
      batchSize: batch,
      samples: pq.samples,
      accuracy: pq.accuracy,
      curve: pq.curve,
      trainSamples,
      cpuSeconds: acc.cpu,
      wallSeconds: (performance.now() - t0) / 1000,
      extra: { driftEvents: events.length, firstEvents: events.slice(0, 20), responseEvents: countEvents(events), published },
    },
    errors,
    events,
    metrics,
  };
}

/**
 * The usual baseline: every K samples, a new model is trained from scratch for E epochs on the last W samples
 * (a sliding window); in between, the last trained model predicts. Same model, optimizer and batch size.
 */
export async function runStateless(
  s: QualityStream,
  lr: number,
  batch: number,
  every: number,
  window: number,
  epochs: number,
  modelOverrides: Record<string, unknown> = {},
): Promise<LearnerResult> {
  await selectBackend('auto', logger);
  const { spec } = modelSpec(lr, s.width, 'adam', {}, modelOverrides);
  const standardized = spec.standardize === true;
  let model = await OnlineLearner.create({ spec, inputWidth: s.width, metricsWindow: 100, logger });
  const pq = new Prequential();
  const acc = { cpu: 0 };
  let trainSamples = 0;
  let sinceRetrain = 0;
  const t0 = performance.now();
  for (let i = 0; i < s.size; i += batch) {
    const end = Math.min(s.size, i + batch);
    const b = slice(s, i, end);
    const out = timed(acc, () => model.predict(b.features, b.size));
    const errors = new Float32Array(b.size);
    for (let r = 0; r < b.size; r++) errors[r] = ((out[r] as number) >= 0.5 ? 1 : 0) === (b.labels[r] as number) ? 0 : 1;
    pq.add(errors);
    sinceRetrain += b.size;
    if (sinceRetrain >= every) {
      sinceRetrain = 0;
      const from = Math.max(0, end - window);
      model.dispose();
      model = await OnlineLearner.create({ spec, inputWidth: s.width, metricsWindow: 100, logger });
      const m = model;
      timed(acc, () => {
        for (let e = 0; e < epochs; e++) for (let j = from; j < end; j += batch) m.step(slice(s, j, Math.min(end, j + batch)));
      });
      trainSamples += (end - from) * epochs;
    }
  }
  model.dispose();
  return {
    dataset: s.name,
    learner: `stateless retrain every ${every} on last ${window} x${epochs} epochs${standardized ? ', standardized inputs' : ''}`,
    family: standardized ? 'stateless-std' : 'stateless',
    params: { model: 'logistic', optimizer: 'adam', learningRate: lr, every, window, epochs, standardize: standardized },
    batchSize: batch,
    samples: pq.samples,
    accuracy: pq.accuracy,
    curve: pq.curve,
    trainSamples,
    cpuSeconds: acc.cpu,
    wallSeconds: (performance.now() - t0) / 1000,
  };
}

/**
 * The no-change classifier: it predicts each label to be the previous one (the first, 0), and learns nothing. The
 * reference for temporal dependence (Bifet et al. 2013, "Pitfalls in benchmarking data stream classification and
 * how to avoid them"; Zliobaite et al. 2015, "Evaluation methods and decision theory for classification of
 * streaming data with temporal dependence"): a stream where it scores well rewards following the last labels.
 */
export function runNoChange(s: QualityStream, batch: number): LearnerResult {
  const pq = new Prequential();
  const t0 = performance.now();
  const errors = new Float32Array(s.size);
  for (let i = 0; i < s.size; i++) errors[i] = (s.labels[i] as number) === (i === 0 ? 0 : (s.labels[i - 1] as number)) ? 0 : 1;
  pq.add(errors);
  const seconds = (performance.now() - t0) / 1000;
  return {
    dataset: s.name,
    learner: 'no-change classifier (predicts the previous label)',
    family: 'no-change',
    params: {},
    batchSize: batch,
    samples: pq.samples,
    accuracy: pq.accuracy,
    curve: pq.curve,
    trainSamples: 0,
    cpuSeconds: seconds,
    wallSeconds: seconds,
    diagnostic: true,
  };
}

/**
 * The error stream (1 = error) of a model frozen after learning the first concept: it learns rows [0, `until`)
 * test-then-train (a step per batch), then stops learning and predicts every row of the stream, the first
 * concept included. Its errors change only where the concept does, so a detector's alarms can be told apart
 * from the learner's own adaptation (the MOA/CD-MOA practice of scoring detectors on a known signal).
 */
export async function frozenErrors(s: QualityStream, lr: number, batch: number, until: number): Promise<Float32Array> {
  await selectBackend('auto', logger);
  const { spec } = modelSpec(lr, s.width, 'adam', {}, { standardize: false });
  const model = await OnlineLearner.create({ spec, inputWidth: s.width, metricsWindow: 100, logger });
  for (let i = 0; i < until; i += batch) model.step(slice(s, i, Math.min(until, i + batch)));
  const errors = new Float32Array(s.size);
  for (let i = 0; i < s.size; i += batch) {
    const b = slice(s, i, Math.min(s.size, i + batch));
    const out = model.predict(b.features, b.size);
    for (let r = 0; r < b.size; r++) errors[i + r] = ((out[r] as number) >= 0.5 ? 1 : 0) === (b.labels[r] as number) ? 0 : 1;
  }
  model.dispose();
  return errors;
}

/** How many events of each kind (drops by reason), e.g. { drift: 80, 'challenger-dropped(behind)': 12 }. */
export function countEvents(events: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of events) {
    const kind = e.slice(e.indexOf(':') + 1);
    counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}
