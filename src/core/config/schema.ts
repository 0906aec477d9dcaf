import { z } from 'zod';
import { always } from './fields.js';
import { driftSchema, type DETECTOR_KINDS, type DRIFT_RESPONSES } from './sections/drift.js';
import { inputSchema, type FeatureSpec } from './sections/input.js';
import { clusterSchema } from './sections/cluster.js';
import { kafkaSchema } from './sections/kafka.js';
import { modelSchema, type MODEL_TYPES, type optimizerSchema, type PoolMemberInput } from './sections/model.js';
import { checkpointsSchema, deadLetterSchema, publishSchema, triggersSchema, type performanceSchema, type storeSchema } from './sections/output.js';
import { batchSchema, learnerSchema, logLevelSchema, serverSchema } from './sections/runtime.js';
import { rolloutSchema } from './sections/rollout.js';

export type { FeatureSpec } from './sections/input.js';

const ROOT_KEYS = [
  'model',
  'cluster',
  'kafka',
  'input',
  'deadLetter',
  'batch',
  'learner',
  'checkpoints',
  'triggers',
  'publish',
  'server',
  'drift',
  'rollout',
  'logLevel',
]
  .map((k) => `\`${k}\``)
  .join(', ');

/**
 * The streamtrain configuration, declared once: each section's file gives its fields, their defaults, their
 * checks and what they do; the types below, docs/configuration.md and schemas/streamtrain.config.schema.json
 * (`npm run config:docs`) all come from it. parse.ts adds the environment and the config file's folder.
 *
 * A new section: a file in sections/ that builds it with `optionalSection` from fields.ts (each field with its
 * default and `.describe()`; a default computed from other fields as `.meta({ description, defaultText })` and a
 * `.transform`), an entry below, a type next to the others, then `npm run config:docs`.
 */
export const configSchema = z
  .strictObject(
    {
      model: modelSchema,
      cluster: clusterSchema,
      kafka: kafkaSchema,
      input: inputSchema,
      deadLetter: deadLetterSchema,
      batch: batchSchema,
      learner: learnerSchema,
      checkpoints: checkpointsSchema,
      triggers: triggersSchema,
      publish: publishSchema,
      server: serverSchema,
      drift: driftSchema,
      rollout: rolloutSchema,
      logLevel: logLevelSchema,
    },
    { error: (iss) => (iss.code === 'unrecognized_keys' ? `expected one of ${ROOT_KEYS}` : 'to be an object') },
  )
  .superRefine((c, ctx) => {
    // Rules across sections: each runs when the fields it reads are valid.
    const { model, input, drift } = c as Partial<typeof c>;
    const classes = input?.label?.classes;
    if (
      Array.isArray(classes) &&
      model &&
      model.task === 'classification' &&
      model.type !== 'custom' &&
      model.type !== 'logistic' &&
      classes.length !== model.classes
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['input', 'label', 'classes'],
        message: `\`{path}\` lists ${classes.length} classes but \`model.classes\` is ${model.classes}; make them agree`,
      });
    }
    const { kafka, triggers } = c as Partial<typeof c>;
    if (typeof model?.partitionBy === 'string') {
      if (Array.isArray(kafka?.topics) && kafka.topics.length !== 1)
        ctx.addIssue({
          code: 'custom',
          path: ['kafka', 'topics'],
          message: `\`model.partitionBy\` keeps each key's model with its partition of one topic; list exactly one topic in \`{path}\` (got ${kafka.topics.length})`,
        });
      if (triggers?.performance)
        ctx.addIssue({
          code: 'custom',
          path: ['triggers', 'performance'],
          message: "`{path}` watches one model's live metrics; with `model.partitionBy` use `triggers.everySamples` or `triggers.everySeconds`",
        });
    }
    checkLabelsTopic(c as Partial<typeof c>, ctx);
    const watched = drift?.data?.features;
    if (Array.isArray(watched) && Array.isArray(input?.features)) {
      const fields = new Set(input.features.map((f) => f?.field));
      const unknown = watched.filter((f) => !fields.has(f));
      if (unknown.length) {
        const known = [...fields].map((f) => `\`${f}\``).join(', ');
        ctx.addIssue({
          code: 'custom',
          path: ['drift', 'data', 'features'],
          message: `Expected \`{path}\` to name fields of \`input.features\` (${known}), got ${unknown.map((f) => `\`${f}\``).join(', ')}`,
        });
      }
    }
  }, always)
  .transform((c) => ({ ...c, kafka: { ...c.kafka, groupId: c.kafka.groupId ?? `streamtrain-${c.model.name}` } }))
  .describe('streamtrain configuration (streamtrain.yaml).');

/**
 * Rules of `input.labels` across sections: not with keyed models (`model.partitionBy`), one source topic (the feature records), the label topic is neither it
 * nor the dead-letter topic, and a classifier's `defaultLabel` is one of its class indexes.
 */
function checkLabelsTopic(
  c: {
    model?: z.output<typeof modelSchema>;
    kafka?: z.output<typeof kafkaSchema>;
    input?: z.output<typeof inputSchema>;
    deadLetter?: z.output<typeof deadLetterSchema>;
  },
  ctx: z.core.$RefinementCtx,
): void {
  const labels = c.input?.labels;
  if (!labels) return;
  const path = ['input', 'labels', 'topic'];
  if (typeof c.model?.partitionBy === 'string')
    ctx.addIssue({
      code: 'custom',
      path: ['input', 'labels'],
      message:
        '`{path}` joins labels for one model (a single writer); keyed models (`model.partitionBy`) cannot use it yet: remove `model.partitionBy`, or give each record its label and remove `{path}`',
    });
  if (Array.isArray(c.kafka?.topics) && c.kafka.topics.length !== 1)
    ctx.addIssue({
      code: 'custom',
      path: ['kafka', 'topics'],
      message: `\`input.labels\` joins the labels to the feature records of one topic; list exactly one topic in \`{path}\` (got ${c.kafka.topics.length})`,
    });
  if (Array.isArray(c.kafka?.topics) && c.kafka.topics.includes(labels.topic))
    ctx.addIssue({
      code: 'custom',
      path,
      message: `\`{path}\` is \`${labels.topic}\`, also in \`kafka.topics\`; the labels need a topic of their own (\`kafka.topics\` lists the feature records' topics)`,
    });
  if (c.deadLetter?.topic === labels.topic)
    ctx.addIssue({ code: 'custom', path, message: `\`{path}\` is \`${labels.topic}\`, also \`deadLetter.topic\`; give the labels a topic of their own` });
  const model = c.model;
  const label = labels.defaultLabel;
  if (!model || model.task !== 'classification' || typeof label !== 'number') return;
  const given = c.input?.label?.classes;
  const classes = Array.isArray(given) ? given.length : model.type === 'logistic' ? 2 : model.classes;
  if (!Number.isInteger(label) || label < 0 || label >= classes)
    ctx.addIssue({
      code: 'custom',
      path: ['input', 'labels', 'defaultLabel'],
      message: `Expected \`{path}\` to be a class index, an integer >= 0 and < ${classes} (the number of classes), got \`${label}\``,
    });
}

/** Every field and every nested object readonly: a validated config is never changed. */
type DeepReadonly<T> = T extends (infer E)[] ? readonly DeepReadonly<E>[] : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;
type Out<S extends z.ZodType> = DeepReadonly<z.output<S>>;

/** Secrets the s3 store takes from the environment only (S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY). */
interface StoreSecrets {
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
}

export type ModelType = (typeof MODEL_TYPES)[number];
export type OptimizerType = OptimizerConfig['type'];
export type BackendChoice = LearnerConfig['backend'];
export type DriftSignal = 'error' | 'prediction' | 'input';
export type DetectorKind = (typeof DETECTOR_KINDS)[number];
export type DriftResponse = (typeof DRIFT_RESPONSES)[number];

export type OptimizerConfig = Out<typeof optimizerSchema>;
/** `standardize` is optional, as in a spec built in code (the parsed config always fills it). */
export type ModelConfig = Omit<Out<typeof modelSchema>, 'standardize' | 'standardizeBy' | 'maxLiveModels' | 'maxKeysPerPartition' | 'pool'> & {
  readonly standardize?: boolean;
  /** When absent, `DEFAULT_STANDARDIZE_BY` (`record`). */
  readonly standardizeBy?: 'batch' | 'record';
  /** `type: auto`'s pool; a spec built in code may leave it out (defaultPool) or list members as hidden layer sizes. */
  readonly pool?: Omit<Out<typeof modelSchema>['pool'], 'members'> & { readonly members: readonly PoolMemberInput[] };
  readonly maxLiveModels?: number;
  readonly maxKeysPerPartition?: number;
};
export type KafkaConfig = Out<typeof kafkaSchema> & { readonly groupId: string };
export type InputConfig = Out<typeof inputSchema>;
/** `input.labels`: the join of later labels (src/labels/), with `labelIdField` and `defaultLabel` filled in. */
export type LabelsConfig = NonNullable<InputConfig['labels']>;
export type DeadLetterConfig = Out<typeof deadLetterSchema>;
export type BatchConfig = Out<typeof batchSchema>;
export type LearnerConfig = Out<typeof learnerSchema>;
export type StoreConfig = Out<typeof storeSchema> extends infer S ? (S extends { readonly type: 's3' } ? S & StoreSecrets : S) : never;
export type CheckpointConfig = Omit<Out<typeof checkpointsSchema>, 'store'> & { readonly store: StoreConfig };
export type PerformanceTriggerConfig = Out<typeof performanceSchema>;
export type TriggerConfig = Out<typeof triggersSchema>;
export type DriftConfig = Out<typeof driftSchema>;
export type DetectorConfig = DriftConfig['detectors'][number];
export type PublishConfig = Out<typeof publishSchema>;
export type ServerConfig = Out<typeof serverSchema>;
export type ClusterConfig = Out<typeof clusterSchema>;
export type RolloutConfig = Out<typeof rolloutSchema>;

export interface StreamtrainConfig {
  readonly model: ModelConfig;
  readonly kafka: KafkaConfig;
  readonly input: InputConfig;
  readonly deadLetter: DeadLetterConfig;
  readonly batch: BatchConfig;
  readonly learner: LearnerConfig;
  readonly checkpoints: CheckpointConfig;
  readonly triggers: TriggerConfig;
  readonly publish: PublishConfig;
  readonly server: ServerConfig;
  readonly cluster: ClusterConfig;
  readonly drift: DriftConfig;
  readonly rollout: RolloutConfig;
  readonly logLevel: Out<typeof logLevelSchema>;
}

/** One position of the input vector: its name (in drift scores) and the input field it comes from. */
export interface InputColumn {
  readonly name: string;
  readonly field: string;
}

/**
 * The input vector's positions, named: a numeric field by its name, a vector field as `field[i]`, a one-hot field
 * as `field=value`, a hashed one as `field#bucket`. Same order and length as {@link inputWidth}.
 */
export function inputColumns(features: readonly FeatureSpec[]): InputColumn[] {
  const out: InputColumn[] = [];
  for (const f of features) {
    const field = f.field;
    if (f.type === 'numeric') out.push({ name: field, field });
    else if (f.type === 'vector') for (let i = 0; i < f.size; i++) out.push({ name: `${field}[${i}]`, field });
    else if (f.encoding === 'one-hot') for (const v of f.values) out.push({ name: `${field}=${v}`, field });
    else for (let b = 0; b < f.buckets; b++) out.push({ name: `${field}#${b}`, field });
  }
  return out;
}

/** Width of the input vector a feature spec produces. */
export function inputWidth(features: readonly FeatureSpec[]): number {
  let width = 0;
  for (const f of features) {
    if (f.type === 'numeric') width += 1;
    else if (f.type === 'vector') width += f.size;
    else if (f.encoding === 'one-hot') width += f.values.length;
    else width += f.buckets;
  }
  return width;
}
