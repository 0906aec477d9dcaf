import { z } from 'zod';
import { describeValue } from '../../errors.js';
import { always, bool, int, num, numberOr, oneOf, optionalSection, section, str } from '../fields.js';

export const deadLetterSchema = optionalSection({
  topic: str().default('streamtrain.dead-letter').describe('Topic of the records that cannot become a training example, with the reason.'),
  includePayload: bool().default(false).describe('Copy the raw record into the dead-letter entry. Off by default: raw data leaves memory only on opt-in.'),
}).describe('Where rejected records go.');

const folderStore = section({
  type: z.literal('folder', { error: 'to be one of `folder`, `s3`' }).optional().describe('A folder on a local or mounted disk (the default).'),
  path: str().default('.streamtrain/checkpoints').describe('The folder, relative to the config file.'),
}).transform((s) => ({ type: 'folder' as const, path: s.path }));

const s3Store = section({
  type: z
    .literal('s3', { error: 'to be one of `folder`, `s3`' })
    .describe('An S3 bucket (or MinIO). Credentials come from env S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY or the AWS chain.'),
  bucket: str('name the bucket (or set env S3_BUCKET) for the s3 store').describe('Bucket (env S3_BUCKET).'),
  prefix: z.string({ error: 'to be a string' }).default('').describe('Key prefix inside the bucket.'),
  endpoint: str().optional().describe('Endpoint URL, e.g. MinIO (env S3_ENDPOINT).'),
  region: str().default('us-east-1').describe('Region (env S3_REGION or AWS_REGION).'),
  forcePathStyle: bool()
    .optional()
    .meta({ description: 'Path-style addressing, as MinIO needs (env S3_FORCE_PATH_STYLE).', defaultText: 'true when `endpoint` is set' }),
});

/** Where checkpoints and versions are stored. */
export const storeSchema = z
  .discriminatedUnion('type', [folderStore, s3Store.transform((s) => ({ ...s, forcePathStyle: s.forcePathStyle ?? s.endpoint !== undefined }))], {
    error: (iss) =>
      iss.code === 'invalid_union'
        ? `Expected \`{path}\` to be one of \`folder\`, \`s3\`, got \`${describeValue((iss.input as { type?: unknown }).type)}\``
        : 'to be an object',
  })
  .prefault({ type: 'folder' })
  .describe('Where checkpoints and versions are stored: a folder or an S3 bucket (`s3` is the default when env S3_ENDPOINT is set).');

export const checkpointsSchema = optionalSection({
  store: storeSchema,
  keep: int(0).default(0).describe('Minor versions to keep per major (older ones are pruned after a publication); 0 keeps all.'),
  regressionErrors: bool()
    .default(false)
    .describe(
      'Regression models only: checkpoint the per-sample errors the drift machinery holds (close to the labels), so that a restart resumes detection exactly.',
    ),
}).describe('Checkpoints: the model, its optimizer and the consumed offsets, written together.');

export const performanceSchema = section({
  metric: str().default('accuracy_window').describe('A key of the live metrics, e.g. `accuracy_window` or `mae_window`.'),
  better: oneOf(['higher', 'lower']).optional().meta({
    description: '`higher` is better (accuracy, auc) or `lower` (log loss, mae, rmse).',
    defaultText: '`lower` when the name has loss, mae, rmse or error, else `higher`',
  }),
  threshold: num().optional().describe('Fire when the metric is worse than this value.'),
  dropBy: num(0, undefined, true).optional().describe('Fire when the metric is worse than its best since the last version by this much.'),
  minSamples: int(1).default(1_000).describe('Samples since the last version before the rule may fire (the window must refill).'),
})
  .superRefine((p, ctx) => {
    if (p.threshold === undefined && p.dropBy === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['threshold'],
        message: '`triggers.performance` needs `threshold` (fire below/above a value) or `dropBy` (fire on a drop from the best), or both',
      });
    }
  }, always)
  .transform((p) => ({ ...p, better: p.better ?? (/loss|mae|rmse|error/.test(p.metric) ? ('lower' as const) : ('higher' as const)) }))
  .describe('Publish when a live metric crosses a threshold or drops by a margin from its best since the last version.');

export const triggersSchema = optionalSection({
  everySamples: int(0).default(10_000).describe('Publish after this many new samples; 0 disables.'),
  everySeconds: num(0).default(60).describe('Publish after this many seconds if anything was learned; 0 disables.'),
  volumeRatio: num(0, 100).default(0).describe('Publish when new samples reach this fraction of all samples seen (e.g. 0.1 = 10%); 0 disables.'),
  performance: performanceSchema.optional(),
  onDrift: bool().default(true).describe('Publish when a drift detector fires.'),
  minGapSeconds: num(0, 86_400)
    .default(1)
    .describe('No trigger fires sooner than this after the last version (one that fires meanwhile publishes when the gap has passed); 0 disables.'),
})
  .superRefine((t, ctx) => {
    if (
      numberOr(t.everySamples) === 0 &&
      numberOr(t.everySeconds) === 0 &&
      numberOr(t.volumeRatio) === 0 &&
      t.performance === undefined &&
      t.onDrift === false
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['everySamples'],
        message: 'Every trigger in `triggers` is off: no version would ever be published; set `everySamples` or `everySeconds`',
      });
    }
  }, always)
  .describe('When a new model version is published.');

export const publishSchema = optionalSection({
  versionsTopic: str().default('streamtrain.versions').describe('Topic of the version events (Avro, schemas/model-version.avsc).'),
}).describe('Where new versions are announced.');
