import { existsSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { fileURLToPath } from 'node:url';
import { ConfigError, DecodeError } from '../core/index.js';
import { AvroDecoder, decodeJson, loadAvroType, SchemaRegistryDecoder } from '../consumers/index.js';
import { inferSpec, sampleLabelClasses, type InferredSpec } from './infer-spec.js';
import { initYaml, type InitFormat } from './init-yaml.js';
import { sampleTopic } from './sample-topic.js';

export interface InitCommandOptions {
  readonly topic: string;
  readonly brokers: string[];
  /** Records to sample at most. @default 2000 */
  readonly sample: number;
  /** Time bound of the read. @default 15 */
  readonly maxSeconds: number;
  readonly avroSchema?: string;
  readonly schemaRegistry?: string;
  readonly label?: string;
  /** Write the label's class names seen in the sample (`input.label.classes`) for a string label. */
  readonly labelClassesFromSample: boolean;
  readonly out: string;
  readonly force: boolean;
}

export interface InitIo {
  /** Where the summary goes. @default process.stdout */
  readonly write?: (text: string) => void;
  /** Asks for the label when no field decides it; default: on stdin when it is a TTY, else no question. */
  readonly ask?: (candidates: string[]) => Promise<string | undefined>;
}

/** The package's config schema, as a path from the folder of the written file (for the YAML language server). */
function schemaRef(outDir: string): string {
  const file = fileURLToPath(new URL('../../schemas/streamtrain.config.schema.json', import.meta.url));
  const rel = relative(outDir, file).split('\\').join('/');
  // Inside the project (./node_modules/streamtrain/...) a relative path; a package elsewhere (global) by its absolute path.
  return rel.startsWith('..') || isAbsolute(rel) ? file : `./${rel}`;
}

function pathFrom(dir: string, file: string): string {
  const rel = relative(dir, resolve(file)).split('\\').join('/');
  return rel.startsWith('.') || isAbsolute(rel) ? rel : `./${rel}`;
}

async function askOnTty(candidates: string[]): Promise<string | undefined> {
  if (!process.stdin.isTTY) return undefined;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`No field looks like the label. Candidates: ${candidates.join(', ') || 'none'}\nLabel field: `);
    return answer.trim() || undefined;
  } finally {
    rl.close();
  }
}

/** Decodes the sampled values with the decoder `run` will use; undecodable ones are counted, not fatal. */
async function decodeAll(
  values: readonly (Buffer | null)[],
  o: InitCommandOptions,
): Promise<{ records: Record<string, unknown>[]; undecodable: number; format: InitFormat }> {
  let decode: (b: Buffer) => Record<string, unknown> | Promise<Record<string, unknown>>;
  let format: InitFormat;
  const outDir = dirname(resolve(o.out));
  if (o.schemaRegistry) {
    const registry = new SchemaRegistryDecoder(o.schemaRegistry, o.avroSchema ? loadAvroType(o.avroSchema, '--avro-schema') : undefined);
    decode = (b) => registry.decode(b);
    format = { kind: 'registry', url: o.schemaRegistry, ...(o.avroSchema ? { schemaFile: pathFrom(outDir, o.avroSchema) } : {}) };
  } else if (o.avroSchema) {
    const avro = new AvroDecoder(loadAvroType(o.avroSchema, '--avro-schema'));
    decode = (b) => avro.decode(b);
    format = { kind: 'avro', schemaFile: pathFrom(outDir, o.avroSchema) };
  } else {
    decode = decodeJson;
    format = { kind: 'json' };
  }
  const records: Record<string, unknown>[] = [];
  let undecodable = 0;
  for (const v of values) {
    try {
      if (v === null) throw new DecodeError('undecodable', 'tombstone');
      // A plain copy: Avro decoders give class instances, the inference wants own enumerable fields.
      records.push({ ...(await decode(v)) });
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      undecodable++;
    }
  }
  return { records, undecodable, format };
}

function describeTask(spec: InferredSpec): string {
  const t = spec.task;
  return t.task === 'regression' ? 'regression (model linear)' : `classification, ${t.classes} classes (model ${t.model})`;
}

/**
 * `streamtrain init --topic T`: samples the topic, infers a feature spec, a label and a task, and writes a
 * commented config that `parseConfig` accepts. Only the inferred spec is written, never a record value.
 */
export async function initCommand(o: InitCommandOptions, io: InitIo = {}): Promise<number> {
  const write = io.write ?? ((text: string) => void process.stdout.write(text));
  const out = resolve(o.out);
  if (existsSync(out) && !o.force) throw new ConfigError('--out', `${o.out} already exists: pass --force to overwrite it, or --out another file`);
  if (o.avroSchema) loadAvroType(o.avroSchema, '--avro-schema');

  const started = performance.now();
  const sample = await sampleTopic({ brokers: o.brokers, topic: o.topic, sample: o.sample, maxSeconds: o.maxSeconds });
  // The read alone: a question on the terminal later is not part of it.
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (sample.values.length === 0) {
    throw new ConfigError(
      '--topic',
      sample.available === 0
        ? `Topic \`${o.topic}\` is empty: produce some records first (or wait for them)`
        : `No record of \`${o.topic}\` arrived within ${o.maxSeconds} s: raise --max-seconds`,
    );
  }
  const { records, undecodable, format } = await decodeAll(sample.values, o);
  if (records.length === 0) {
    const hint =
      format.kind === 'json'
        ? 'they are not JSON objects: for Avro pass --avro-schema FILE or --schema-registry URL'
        : 'check the schema (--avro-schema / --schema-registry)';
    throw new ConfigError('--topic', `None of the ${sample.values.length} sampled records of \`${o.topic}\` could be decoded: ${hint}`);
  }
  const spec = await inferSpec(records, { label: o.label, chooseLabel: io.ask ?? askOnTty });
  const stringLabels = spec.task.task === 'classification' && spec.task.stringLabels;
  const labelClasses = stringLabels && o.labelClassesFromSample ? sampleLabelClasses(records, spec.label) : undefined;
  const outDir = dirname(out);
  const yaml = initYaml({ spec, topic: o.topic, brokers: o.brokers, format, schemaRef: schemaRef(outDir), labelClasses, baseDir: outDir });
  writeFileSync(out, yaml.text, { flag: o.force ? 'w' : 'wx' });

  const width = Math.max(5, ...yaml.lines.map((l) => l.field.length), ...yaml.skipped.map((f) => f.name.length)) + 2;
  const kindWidth = Math.max(4, ...yaml.lines.map((l) => l.kind.length)) + 2;
  const text = [
    `Sampled ${sample.values.length} of ${sample.available} records of \`${o.topic}\` (${sample.partitions} partition${sample.partitions === 1 ? '' : 's'}, from the beginning) in ${seconds} s${sample.timedOut ? ', stopped by the time bound' : ''}; ${records.length} decoded${undecodable ? `, ${undecodable} undecodable` : ''}.`,
    '',
    `${'field'.padEnd(width)}${'kind'.padEnd(kindWidth)}in the config`,
    ...yaml.lines.map((l) => `${l.field.padEnd(width)}${l.kind.padEnd(kindWidth)}${l.becomes}`),
    ...yaml.skipped.map((f) => `${f.name.padEnd(width)}${'-'.padEnd(kindWidth)}left out: ${f.kind.kind === 'skipped' ? f.kind.why : ''}`),
    '',
    `label: \`${spec.label}\` -> ${describeTask(spec)}`,
    ...(stringLabels && !labelClasses
      ? [
          `The label holds names: list its ${spec.task.task === 'classification' ? spec.task.classes : ''} classes under input.label.classes in ${o.out} (or rerun with --label-classes-from-sample); until then every record is dead-lettered.`,
        ]
      : []),
    '',
    `Wrote ${o.out}: only the inferred spec, no record values (numeric ranges are bounds rounded outward to 2 significant digits${labelClasses ? '; the label class names, as asked' : ''}).`,
    'Next:',
    `  streamtrain check --config ${o.out}`,
    `  streamtrain run --config ${o.out}`,
    '',
  ];
  write(text.join('\n'));
  return 0;
}
