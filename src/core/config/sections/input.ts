import { z } from 'zod';
import { always, int, num, oneOf, optionalSection, section, str, strList } from '../fields.js';
import { labelsSchema } from './labels.js';

/** One record field as it is written in the config; `toFeatureSpec` gives it its final shape. */
const featureFields = section({
  field: str('name the record field, e.g. `field: amount`').describe('The record field.'),
  type: oneOf(['numeric', 'categorical', 'vector'])
    .default('numeric')
    .describe('`numeric`, `categorical` (one-hot or hashed) or `vector` (a fixed-length numeric array).'),
  encoding: oneOf(['one-hot', 'hash'])
    .optional()
    .meta({ description: 'Encoding of a categorical field.', defaultText: '`one-hot` when `values` is given, else `hash`' }),
  values: strList().optional().describe('Category values of a one-hot field; unknown values map to all zeros.'),
  buckets: int(1, 1 << 20)
    .optional()
    .meta({ description: 'Hash buckets of a hashed categorical field.', defaultText: '`16`' }),
  scale: section({
    mean: num().default(0).describe('Subtracted from the value.'),
    std: num(0, undefined, true).default(1).describe('The centred value is divided by this.'),
  })
    .optional()
    .describe('Fixed standardization of a numeric field: (value - mean) / std.'),
  size: int(1, 1 << 20)
    .optional()
    .describe('Length of a vector field; a record with another length is dead-lettered (`wrong-size`).'),
});

export const featureSchema = featureFields
  .superRefine((f, ctx) => {
    if (f.type === 'vector' && f.size === undefined)
      ctx.addIssue({ code: 'custom', path: ['size'], message: 'Missing `{path}`: a vector feature needs its fixed length, e.g. `size: 16`' });
    const oneHot = f.type === 'categorical' && (f.encoding ?? (f.values !== undefined ? 'one-hot' : 'hash')) === 'one-hot';
    if (oneHot && f.values === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['values'],
        message: 'Missing `{path}`: one-hot encoding needs the list of category values (unknown values map to all zeros), or use `encoding: hash`',
      });
    }
  }, always)
  .transform(toFeatureSpec)
  .describe('One record field of the input vector.');

type FeatureInput = z.output<typeof featureFields>;

/** The input vector's part for one field, by type. */
export type FeatureSpec =
  | { readonly field: string; readonly type: 'numeric'; readonly scale?: { readonly mean: number; readonly std: number } }
  | { readonly field: string; readonly type: 'categorical'; readonly encoding: 'one-hot'; readonly values: readonly string[] }
  | { readonly field: string; readonly type: 'categorical'; readonly encoding: 'hash'; readonly buckets: number }
  /** A fixed-length numeric array field, e.g. an embedding; another length is a `wrong-size` record. */
  | { readonly field: string; readonly type: 'vector'; readonly size: number };

function toFeatureSpec(f: FeatureInput): FeatureSpec {
  const { field } = f;
  if (f.type === 'vector') return { field, type: 'vector', size: f.size ?? 1 };
  if (f.type === 'numeric') return f.scale ? { field, type: 'numeric', scale: f.scale } : { field, type: 'numeric' };
  const encoding = f.encoding ?? (f.values !== undefined ? 'one-hot' : 'hash');
  return encoding === 'one-hot'
    ? { field, type: 'categorical', encoding, values: f.values ?? [] }
    : { field, type: 'categorical', encoding, buckets: f.buckets ?? 16 };
}

export const inputSchema = optionalSection({
  format: oneOf(['json', 'avro', 'prediction-log'])
    .default('json')
    .describe(
      'Record format: JSON, Avro (with `avroSchemaFile` or `schemaRegistryUrl`), or `prediction-log`: the records `ModelSubscriber.serve()` logs (schemas/prediction.avsc, with `logFeatures: true`), joined with `input.labels` (docs/labels.md).',
    ),
  avroSchemaFile: str().optional().describe('Avro writer schema file (`.avsc`) when no registry is configured, relative to the config file.'),
  schemaRegistryUrl: str().optional().describe('Confluent Schema Registry URL (env SCHEMA_REGISTRY_URL): records carry the wire-format header.'),
  width: int(1, 1 << 20)
    .optional()
    .describe('With `input.format: prediction-log` and no `input.features`: the length of the logged feature vectors (the input width).'),
  features: z
    .array(featureSchema, {
      error: (iss) =>
        iss.input === undefined
          ? 'Missing `{path}`: list the record fields that make the input vector, e.g. `- { field: amount, type: numeric }`'
          : 'to be a list',
    })
    .min(1, { error: 'Missing `{path}`: list the record fields that make the input vector, e.g. `- { field: amount, type: numeric }`' })
    .optional()
    .meta({
      description: 'The record fields that make the input vector, in order.',
      defaultText: 'required, except with `input.format: prediction-log`: one vector field `features` of `input.width`',
    }),
  label: optionalSection({
    field: str().optional().meta({
      description: 'The record field that holds the label.',
      defaultText: 'required, except with `input.labels`: `input.labels.labelField`',
    }),
    classes: strList().optional().describe('Class names, when the label is one of them (the class index is the position in this list).'),
  }).describe('Label field. For classifiers: a class index (number), a boolean, or one of `classes`.'),
  missing: oneOf(['reject', 'zero']).default('reject').describe('A missing or null numeric feature: `reject` (dead-letter the record) or `zero`.'),
  labels: labelsSchema.optional(),
})
  .superRefine((i, ctx) => {
    if (i.labels === undefined && i.label?.field === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['label', 'field'],
        message: 'Missing `{path}`: name the record field that holds the label, e.g. `label: { field: y }`',
      });
    if (i.format === 'prediction-log') checkPredictionLog(i, ctx);
    else {
      if (i.features === undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['features'],
          message: 'Missing `{path}`: list the record fields that make the input vector, e.g. `- { field: amount, type: numeric }`',
        });
      if (i.width !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['width'],
          message: '`{path}` is read with `input.format: prediction-log` only; remove it (the width comes from `input.features`)',
        });
      if (i.labels && i.labels.idField === undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['labels', 'idField'],
          message: 'Missing `{path}`: name the field of the feature records that the labels refer to, e.g. `idField: request_id`',
        });
    }
    if (i.format === 'avro' && i.avroSchemaFile === undefined && i.schemaRegistryUrl === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['format'],
        message: '`input.format: avro` needs `input.avroSchemaFile` or `input.schemaRegistryUrl` (env SCHEMA_REGISTRY_URL)',
      });
    }
    if (i.labels?.format === 'avro' && i.labels.avroSchemaFile === undefined && i.schemaRegistryUrl === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['labels', 'format'],
        message: '`{path}: avro` needs `input.labels.avroSchemaFile` or `input.schemaRegistryUrl` (env SCHEMA_REGISTRY_URL)',
      });
    }
    const seen = new Set<string>();
    for (const f of Array.isArray(i.features) ? i.features : []) {
      const field = (f as { field?: unknown } | undefined)?.field;
      if (typeof field !== 'string') continue;
      if (seen.has(field)) ctx.addIssue({ code: 'custom', path: ['features'], message: `Feature field \`${field}\` is listed twice in \`input.features\`` });
      seen.add(field);
    }
  }, always)
  .transform(({ labels, features, label, ...rest }) => {
    // prediction-log: the id is the logged `requestId`, the row the logged vector `features`.
    const idField = labels?.idField ?? PREDICTION_ID_FIELD;
    return {
      ...rest,
      // Without `input.labels` the field is required (checked above); with them, the label records' field.
      label: { ...label, field: label.field ?? (labels?.labelField as string) },
      features: features ?? [{ field: PREDICTION_FEATURES_FIELD, type: 'vector' as const, size: rest.width ?? 1 }],
      ...(labels ? { labels: { ...labels, idField, labelIdField: labels.labelIdField ?? idField } } : {}),
    };
  })
  .describe('How a record becomes an input vector and a label.');

/** The prediction log's id field (schemas/prediction.avsc): the labels refer to it. */
export const PREDICTION_ID_FIELD = 'requestId';
/** The prediction log's field holding the logged input vector. */
export const PREDICTION_FEATURES_FIELD = 'features';

type InputFields = {
  readonly width?: unknown;
  readonly features?: unknown;
  readonly avroSchemaFile?: unknown;
  readonly labels?: { readonly idField?: unknown } | undefined;
};

/**
 * Rules of `input.format: prediction-log`: it needs `input.labels` (the log holds what was served, the outcomes come
 * on their own topic); the width is `input.width` or that of `input.features` (which then says how the serving side
 * builds the vector), and they agree when both are given; the record schema is built in (no `avroSchemaFile`); the
 * feature records' id is `requestId`.
 */
function checkPredictionLog(i: InputFields, ctx: z.core.$RefinementCtx): void {
  if (i.labels === undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['labels'],
      message:
        'Missing `{path}`: `input.format: prediction-log` learns from served predictions joined with their outcomes; add `input.labels` (topic, labelField, maxDelayMs)',
    });
  const features = Array.isArray(i.features) ? (i.features as unknown[]) : undefined;
  if (i.features === undefined && i.width === undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['width'],
      message:
        'Missing `{path}`: with `input.format: prediction-log` give the length of the logged feature vectors, e.g. `width: 3` (or list `input.features`)',
    });
  if (features && typeof i.width === 'number' && features.every((f) => typeof f === 'object' && f !== null)) {
    const fromFields = features.reduce((w: number, f) => w + specWidth(f as Record<string, unknown>), 0);
    if (Number.isFinite(fromFields) && fromFields !== i.width)
      ctx.addIssue({
        code: 'custom',
        path: ['width'],
        message: `\`{path}\` is ${i.width} but \`input.features\` make ${fromFields} inputs; make them agree, or remove \`{path}\``,
      });
  }
  if (i.avroSchemaFile !== undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['avroSchemaFile'],
      message: '`input.format: prediction-log` reads the built-in schema (schemas/prediction.avsc); remove `{path}`',
    });
  const id = i.labels?.idField;
  if (id !== undefined && id !== PREDICTION_ID_FIELD)
    ctx.addIssue({
      code: 'custom',
      path: ['labels', 'idField'],
      message: `\`{path}\` is \`${String(id)}\`, but a prediction log's id is \`${PREDICTION_ID_FIELD}\`; remove \`{path}\` (name the label records' id field in \`input.labels.labelIdField\`)`,
    });
}

/** The inputs one feature spec makes (as `inputWidth`); NaN when it did not parse (another issue reports it). */
function specWidth(f: Record<string, unknown>): number {
  const n = (v: unknown) => (typeof v === 'number' ? v : Number.NaN);
  if (f.type === 'numeric') return 1;
  if (f.type === 'vector') return n(f.size);
  if (f.type === 'categorical') return f.encoding === 'one-hot' ? (Array.isArray(f.values) ? f.values.length : Number.NaN) : n(f.buckets);
  return Number.NaN;
}
