import { z } from 'zod';
import { always, bool, int, num, numberOr, oneOf, optionalSection, section, str, strList } from '../fields.js';

export const DETECTOR_KINDS = ['adwin', 'ddm', 'eddm', 'hddm-a', 'hddm-w', 'page-hinkley', 'kswin'] as const;
export const DRIFT_RESPONSES = ['alert', 'adapt', 'challenger'] as const;

export const detectorSchema = section({
  kind: oneOf(DETECTOR_KINDS).default('adwin').describe('The detector.'),
  params: z
    .record(z.string(), z.union([z.number(), z.string(), z.boolean()]), { error: 'to be an object of detector parameters' })
    .default({})
    .describe("Parameters of the detector, River's names and defaults when absent."),
}).describe('A concept-drift detector.');

export const driftDataSchema = optionalSection({
  inputs: bool().default(false).describe('Watch the input fields for data drift.'),
  features: strList()
    .optional()
    .meta({ description: 'The input fields `inputs` watches (names from `input.features`), e.g. to leave out a timestamp.', defaultText: 'every field' }),
  predictions: bool().default(false).describe('Watch the predictions for drift.'),
  referenceSize: int(50).default(5_000).describe('Samples in the reference window.'),
  windowSize: int(50).default(2_000).describe('Samples in each compared window.'),
  bins: int(2, 1_000).default(10).describe('Bins of the PSI histograms.'),
  psiThreshold: num(0, undefined, true).default(0.25).describe('PSI above which a window has drifted.'),
  ksAlpha: num(0, 1, true).default(0.001).describe('Significance of the Kolmogorov-Smirnov test.'),
}).describe('Data drift (PSI and KS against a reference sketch) on the inputs and on the predictions.');

export const adaptSchema = optionalSection({
  learningRateFactor: num(0, 1_000, true).default(2).describe('Learning-rate multiplier during the period. See docs/decisions/.'),
  forSamples: int(1).default(500).describe('Length of the period in samples; detections inside it are not acted on by `adapt` again.'),
  resetOptimizer: bool().default(false).describe("Forget the optimizer's moments (Adam's m and v) at the start of the period."),
  hedge: bool()
    .default(true)
    .describe(
      'Give the raised rate to a copy of the model that learns next to the unchanged one; the one with fewer errors predicts, and wins at the end. See docs/decisions/.',
    ),
}).describe('The `adapt` response: a higher learning rate for a while after a detection.');

export const challengerSchema = optionalSection({
  from: oneOf(['scratch', 'last-version'])
    .default('scratch')
    .describe('`scratch`: a new model; `last-version`: the last version published before the drift. See docs/decisions/.'),
  minSamples: int(10).default(1_000).describe('Paired samples between two looks at the test, each on the last `minSamples` pairs.'),
  maxSamples: int(10).default(20_000).describe('Give up (keep the champion) after this many samples.'),
  margin: num(0, 1)
    .default(0.01)
    .describe('The challenger must be better by at least this much (accuracy points, or relative MAE); one behind by as much is dropped early.'),
  alpha: num(0, 0.5, true).default(0.01).describe('Significance of the whole race, split over its looks.'),
  rollback: bool().default(false).describe('After a promotion, the displaced champion races the new one under the same rules and is reinstated when it wins.'),
  test: oneOf(['independent', 'batch-means'])
    .default('batch-means')
    .describe(
      'The paired test: `batch-means` (valid when errors come in runs) or `independent` (McNemar, or a paired t-test on |error|). See docs/decisions/.',
    ),
})
  .superRefine((c, ctx) => {
    const min = numberOr(c.minSamples);
    const max = numberOr(c.maxSamples);
    if (min !== undefined && max !== undefined && max < min)
      ctx.addIssue({ code: 'custom', path: ['maxSamples'], message: `Expected \`{path}\` to be >= \`minSamples\` (${min}), got \`${max}\`` });
  }, always)
  .describe('The `challenger` response: a second model races the champion and replaces it when a paired test says it is better.');

export const guardSchema = optionalSection({
  enabled: bool()
    .default(false)
    .describe(
      'Keep a pool of past versions (weights from the checkpoint store, never records); after a detection on the error, score them next to the live model and re-activate one that is better on the current samples. See docs/decisions/.',
    ),
  versions: int(1, 32).default(4).describe('Past versions in the pool: the cost bound (each is scored during a window).'),
  window: int(10).default(2_000).describe('Samples after a detection on the error during which the pool is scored; then it rests until the next one.'),
  look: int(10).default(250).describe('Paired samples between two looks at the test, each on the last `look` pairs.'),
  margin: num(0, 1).default(0.02).describe('A past version must be better by at least this much (accuracy points, or relative MAE).'),
  alpha: num(0, 0.5, true).default(0.01).describe('Significance of a window, split over its looks and the versions scored.'),
  scoreEvery: int(1).default(1).describe('Score the pool on one micro-batch in this many (1: every batch); the test pairs only the batches scored.'),
})
  .superRefine((c, ctx) => {
    const look = numberOr(c.look);
    const window = numberOr(c.window);
    if (look !== undefined && window !== undefined && window < look)
      ctx.addIssue({ code: 'custom', path: ['window'], message: `Expected \`{path}\` to be >= \`look\` (${look}), got \`${window}\`` });
  }, always)
  .describe('The forgetting guard: past versions re-activated when a concept returns.');

export const driftSchema = optionalSection({
  detectors: z
    .array(detectorSchema, { error: 'to be a list' })
    .default([{ kind: 'adwin', params: {} }])
    .describe('Concept-drift detectors on the error stream (1 = error, 0 = correct; |error| for regression).'),
  data: driftDataSchema,
  responses: z
    .array(z.enum(DRIFT_RESPONSES, { error: 'Expected `drift.responses` to list only `alert`, `adapt` or `challenger`, got `{got}`' }), {
      error: 'to be a list',
    })
    .default(['alert'])
    .describe('What to do when a detector fires: any of `alert` (a drift event), `adapt`, `challenger`. An empty list only logs.'),
  topic: str().default('streamtrain.drift').describe('Drift events go here (Avro, schemas/drift-event.avsc).'),
  adapt: adaptSchema,
  challenger: challengerSchema,
  guard: guardSchema,
}).describe('Drift detection and what to do about it.');
