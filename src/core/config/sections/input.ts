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
  format: oneOf(['json', 'avro']).default('json').describe('Record format: JSON, or Avro (with `avroSchemaFile` or `schemaRegistryUrl`).'),
  avroSchemaFile: str().optional().describe('Avro writer schema file (`.avsc`) when no registry is configured, relative to the config file.'),
  schemaRegistryUrl: str().optional().describe('Confluent Schema Registry URL (env SCHEMA_REGISTRY_URL): records carry the wire-format header.'),
  features: z
    .array(featureSchema, {
      error: (iss) =>
        iss.input === undefined
          ? 'Missing `{path}`: list the record fields that make the input vector, e.g. `- { field: amount, type: numeric }`'
          : 'to be a list',
    })
    .min(1, { error: 'Missing `{path}`: list the record fields that make the input vector, e.g. `- { field: amount, type: numeric }`' })
    .describe('The record fields that make the input vector, in order.'),
  label: optionalSection({
    field: str('name the record field that holds the label, e.g. `label: { field: y }`').describe('The record field that holds the label.'),
    classes: strList().optional().describe('Class names, when the label is one of them (the class index is the position in this list).'),
  }).describe('Label field. For classifiers: a class index (number), a boolean, or one of `classes`.'),
  missing: oneOf(['reject', 'zero']).default('reject').describe('A missing or null numeric feature: `reject` (dead-letter the record) or `zero`.'),
  labels: labelsSchema.optional(),
})
  .superRefine((i, ctx) => {
    if (i.format === 'avro' && i.avroSchemaFile === undefined && i.schemaRegistryUrl === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['format'],
        message: '`input.format: avro` needs `input.avroSchemaFile` or `input.schemaRegistryUrl` (env SCHEMA_REGISTRY_URL)',
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
  .describe('How a record becomes an input vector and a label.');
