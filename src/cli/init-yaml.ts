import { Document, isScalar, type Pair, type Scalar, type YAMLMap, type YAMLSeq } from 'yaml';
import { ConfigError, parseConfig } from '../core/index.js';
import { hashBuckets, scaleOf, type FieldSummary, type InferredSpec } from './infer-spec.js';

/** How the topic's records are encoded, as `init` read them. */
export type InitFormat =
  | { readonly kind: 'json' }
  | { readonly kind: 'avro'; readonly schemaFile: string }
  | { readonly kind: 'registry'; readonly url: string; readonly schemaFile?: string };

export interface InitYamlOptions {
  readonly spec: InferredSpec;
  readonly topic: string;
  readonly brokers: readonly string[];
  readonly format: InitFormat;
  /** Where the editor finds schemas/streamtrain.config.schema.json, relative to the written file. */
  readonly schemaRef: string;
  /** Class names of a string label, only with `--label-classes-from-sample`. */
  readonly labelClasses?: readonly string[];
  /** Folder of the file to be written: `parseConfig` checks the file as `run` will read it. */
  readonly baseDir: string;
}

/** One line of the summary `init` prints: a field, what it is, and what the config does with it. */
export interface FieldLine {
  readonly field: string;
  readonly kind: string;
  readonly becomes: string;
}

const NAME_CHARS = /[^A-Za-z0-9._-]+/g;

/** A model name from the topic: letters, digits, `.`, `_`, `-`, at most 128, starting with a letter or digit. */
export function modelName(topic: string): string {
  const name = topic
    .replace(NAME_CHARS, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 128);
  return name || 'model';
}

interface Feature {
  readonly tree: Record<string, unknown>;
  readonly comment: string;
  readonly line: FieldLine;
}

function featureOf(f: FieldSummary): Feature | undefined {
  const k = f.kind;
  const missing = f.missing > 0 ? `; absent or null in ${f.missing} sampled records` : '';
  if (k.kind === 'numeric') {
    const range = `[${k.lo}, ${k.hi}]`;
    return {
      tree: { field: f.name, type: 'numeric', scale: scaleOf(k.lo, k.hi) },
      comment: ` ${k.integer ? 'integer' : 'numeric'}, observed within ${range} (bounds rounded outward); scale maps it to about [-1, 1]${missing}`,
      line: { field: f.name, kind: k.integer ? 'integer' : 'numeric', becomes: `numeric, scaled from ${range}` },
    };
  }
  if (k.kind === 'boolean') {
    return {
      tree: { field: f.name, type: 'categorical', encoding: 'one-hot', values: ['false', 'true'] },
      comment: ` boolean: one-hot false/true (a numeric feature reads numbers only, not booleans)${missing}`,
      line: { field: f.name, kind: 'boolean', becomes: 'one-hot false/true' },
    };
  }
  if (k.kind === 'categorical') {
    const buckets = hashBuckets(k.cardinality);
    return {
      tree: { field: f.name, type: 'categorical', encoding: 'hash', buckets },
      comment: ` categorical, ${k.cardinality} distinct values in the sample, hashed into ${buckets} buckets (no value is written here); \`encoding: one-hot\` with \`values: [...]\` listing the category names is possible${missing}`,
      line: { field: f.name, kind: `categorical (${k.cardinality} values)`, becomes: `hashed, ${buckets} buckets` },
    };
  }
  if (k.kind === 'vector') {
    return {
      tree: { field: f.name, type: 'vector', size: k.size },
      comment: ` numeric array of ${k.size}: another length is dead-lettered (wrong-size)${missing}`,
      line: { field: f.name, kind: `array of ${k.size} numbers`, becomes: `vector, size ${k.size}` },
    };
  }
  return undefined;
}

/** The `input` section's format fields. */
function formatTree(format: InitFormat): Record<string, unknown> {
  if (format.kind === 'json') return { format: 'json' };
  if (format.kind === 'avro') return { format: 'avro', avroSchemaFile: format.schemaFile };
  return { format: 'avro', schemaRegistryUrl: format.url, ...(format.schemaFile ? { avroSchemaFile: format.schemaFile } : {}) };
}

/** The pair of `key` in a map, to comment on it. */
function pairOf(map: unknown, key: string): Pair | undefined {
  return (map as YAMLMap).items.find((p) => isScalar(p.key) && p.key.value === key);
}

function commentBefore(map: unknown, key: string, text: string): void {
  const pair = pairOf(map, key);
  if (pair && isScalar(pair.key)) pair.key.commentBefore = text;
}

function commentAfter(doc: Document, path: string[], text: string): void {
  const node = doc.getIn(path, true) as Scalar | undefined;
  if (node) node.comment = text;
}

/**
 * The commented streamtrain.yaml for an inferred spec, checked with `parseConfig` before it is returned: a file
 * `init` writes is one `run` accepts. Returns its text and the summary lines of the fields.
 */
export function initYaml(o: InitYamlOptions): { text: string; lines: FieldLine[]; skipped: FieldSummary[] } {
  const { spec } = o;
  const others = spec.fields.filter((f) => f.name !== spec.label);
  const features = others.flatMap((f) => featureOf(f) ?? []);
  const skipped = others.filter((f) => f.kind.kind === 'skipped');
  if (features.length === 0) {
    throw new ConfigError(
      '--topic',
      `No field of the sampled records can be a feature (besides the label \`${spec.label}\`): ${skipped.map((f) => `\`${f.name}\``).join(', ') || 'none'} were left out`,
    );
  }
  const t = spec.task;
  const stringClasses = t.task === 'classification' && t.stringLabels;
  const withMissing = features.some((f) => others.find((o2) => o2.name === f.line.field)?.missing);
  const tree = {
    model: { name: modelName(o.topic), type: t.model, ...(t.task === 'classification' && t.model === 'softmax' ? { classes: t.classes } : {}) },
    kafka: { brokers: [...o.brokers], topics: [o.topic], fromBeginning: true },
    input: {
      ...formatTree(o.format),
      features: features.map((f) => f.tree),
      label: { field: spec.label, ...(stringClasses && o.labelClasses ? { classes: [...o.labelClasses] } : {}) },
      missing: withMissing ? 'zero' : 'reject',
    },
    checkpoints: { store: { type: 'folder', path: './.streamtrain/checkpoints' } },
    triggers: { everySamples: 10_000, everySeconds: 30 },
  };
  parseConfig(tree, { env: {}, baseDir: o.baseDir, source: 'the generated config' });

  const doc = new Document(tree);
  doc.commentBefore = [
    ` yaml-language-server: $schema=${o.schemaRef}`,
    ` Written by \`streamtrain init\` from ${spec.records} records sampled from the start of topic \`${o.topic}\`.`,
    ' Only the inferred spec is here: no record values; numeric ranges are bounds rounded outward to 2 significant digits.',
    ' Every option: docs/configuration.md. Addresses and secrets may come from the environment instead (KAFKA_BROKERS, S3_*, ...).',
  ].join('\n');
  const root = doc.contents;
  const taskText =
    t.task === 'regression' ? `regression: label \`${spec.label}\` is continuous` : `${t.classes}-class classification on label \`${spec.label}\``;
  commentAfter(doc, ['model', 'type'], ` ${taskText}; also mlp (hiddenUnits) or custom`);
  if (t.task === 'classification' && t.model === 'softmax')
    commentAfter(doc, ['model', 'classes'], t.stringLabels ? ' distinct label values in the sample' : ' largest class index in the sample + 1');
  commentAfter(doc, ['kafka', 'brokers'], ' env KAFKA_BROKERS wins');
  commentBefore(root, 'input', ' How a record becomes an input vector: one line per field, in order.');
  const seq = doc.getIn(['input', 'features']) as YAMLSeq;
  seq.items.forEach((item, i) => {
    (item as YAMLMap).flow = true;
    (item as YAMLMap).comment = (features[i] as Feature).comment;
  });
  if (skipped.length) seq.comment = [' Left out:', ...skipped.map((f) => `   ${f.name}: ${f.kind.kind === 'skipped' ? f.kind.why : ''}`)].join('\n');
  if (stringClasses && !o.labelClasses) {
    commentAfter(
      doc,
      ['input', 'label', 'field'],
      ` string label: list its ${t.classes} class names as \`classes: [...]\` (the class index is the position); until then every record is dead-lettered. \`init --label-classes-from-sample\` writes them`,
    );
  } else if (stringClasses) commentAfter(doc, ['input', 'label', 'field'], ' classes: the label names seen in the sample (--label-classes-from-sample)');
  commentAfter(
    doc,
    ['input', 'missing'],
    withMissing
      ? ' some sampled records miss a feature: zero fills it (reject dead-letters the record)'
      : ' a record missing a feature is dead-lettered (or zero)',
  );
  commentAfter(doc, ['checkpoints', 'store'], ' relative to this file; or { type: s3, bucket, endpoint } (env S3_*)');
  commentAfter(doc, ['triggers', 'everySeconds'], ' a new model version after this many samples or seconds');
  (doc.getIn(['kafka', 'brokers']) as YAMLSeq).flow = true;
  (doc.getIn(['kafka', 'topics']) as YAMLSeq).flow = true;
  (doc.getIn(['checkpoints', 'store']) as YAMLMap).flow = true;
  if (stringClasses && o.labelClasses) (doc.getIn(['input', 'label', 'classes']) as YAMLSeq).flow = true;
  return { text: doc.toString({ lineWidth: 0 }), lines: features.map((f) => f.line), skipped };
}
