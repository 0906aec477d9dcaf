/**
 * Writes what the config declaration (src/core/config/sections/*.ts) generates: the JSON Schema that editors use
 * to complete and check streamtrain.yaml, and docs/configuration.md. `npm run config:docs`; a unit test
 * (test/unit/core/config-docs.test.ts) fails when the committed files are out of date.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { configSchema } from '../src/core/config/schema.js';

type Json = Record<string, unknown>;

export const SCHEMA_FILE = 'schemas/streamtrain.config.schema.json';
export const DOCS_FILE = 'docs/configuration.md';

function schemaTree(): Json {
  return z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any', target: 'draft-7' }) as Json;
}

/** A copy of the tree with each `defaultText` (a default computed from other fields) folded into the description. */
function foldDefaultText(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(foldDefaultText);
  if (typeof node !== 'object' || node === null) return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) if (key !== 'defaultText') out[key] = foldDefaultText(value);
  const text = (node as Json).defaultText;
  if (typeof text === 'string') out.description = `${String(out.description ?? '')} Default: ${text}.`.trim();
  return out;
}

/** The JSON Schema file's text. */
export function renderJsonSchema(): string {
  const { $schema, ...rest } = foldDefaultText(schemaTree()) as Json;
  const tree = { $schema, title: 'streamtrain configuration', ...rest };
  return `${JSON.stringify(tree, null, 2)}\n`;
}

function code(value: unknown): string {
  return `\`${typeof value === 'string' && value !== '' ? value : JSON.stringify(value)}\``;
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function bounds(node: Json): string {
  const parts: string[] = [];
  if (typeof node.exclusiveMinimum === 'number') parts.push(`> ${node.exclusiveMinimum}`);
  if (typeof node.minimum === 'number' && node.minimum > Number.MIN_SAFE_INTEGER) parts.push(`>= ${node.minimum}`);
  if (typeof node.maximum === 'number' && node.maximum < Number.MAX_SAFE_INTEGER) parts.push(`<= ${node.maximum}`);
  return parts.join(', ');
}

function typeOf(node: Json): string {
  if (Array.isArray(node.enum)) return node.enum.map(code).join(' | ');
  if (node.const !== undefined) return code(node.const);
  const variants = (node.oneOf ?? node.anyOf) as Json[] | undefined;
  if (variants?.every((v) => !v.properties)) return variants.map(typeOf).join(' | ');
  if (variants) return 'object, one of below';
  const type = node.type;
  if (Array.isArray(type)) return type.join(' | ');
  if (type === 'array') {
    const items = (node.items ?? {}) as Json;
    const alternatives = (items.oneOf ?? items.anyOf) as Json[] | undefined;
    const item = alternatives
      ? `(${alternatives.map((v) => (v.type === 'object' ? 'object' : typeOf(v))).join(' | ')})`
      : items.type === 'object'
        ? 'objects'
        : Array.isArray(items.enum)
          ? `(${typeOf(items)})`
          : `${String(items.type)}s`;
    return `list of ${item}${node.minItems ? ', not empty' : ''}`;
  }
  if (type === 'integer' || type === 'number') {
    const range = bounds(node);
    return range ? `${type}, ${range}` : String(type);
  }
  return String(type ?? 'any');
}

function defaultOf(node: Json, required: boolean): string {
  if (node.default !== undefined) {
    const d = node.default;
    if (typeof d === 'object' && d !== null && !Array.isArray(d) && Object.keys(d).length === 0) return '';
    return code(d);
  }
  if (typeof node.defaultText === 'string') return node.defaultText;
  return required ? '**required**' : '';
}

interface Row {
  readonly field: string;
  readonly type: string;
  readonly default: string;
  readonly description: string;
}

function rows(node: Json, path: string, required: boolean, out: Row[], note = ''): void {
  out.push({ field: path, type: typeOf(node), default: defaultOf(node, required), description: `${note}${String(node.description ?? '')}` });
  const variants = (node.oneOf ?? node.anyOf) as Json[] | undefined;
  if (variants?.some((v) => v.properties)) {
    for (const variant of variants) {
      const type = ((variant.properties as Json | undefined)?.type as Json | undefined)?.const;
      fields(variant, path, out, type === undefined ? '' : `(type \`${String(type)}\`) `);
    }
    return;
  }
  if (node.type === 'object' && node.properties) fields(node, path, out, note);
  const items = node.items as Json | undefined;
  if (node.type === 'array' && items?.type === 'object' && items.properties) fields(items, `${path}[]`, out, note);
}

function fields(node: Json, path: string, out: Row[], note: string): void {
  const required = new Set((node.required as string[] | undefined) ?? []);
  for (const [key, child] of Object.entries(node.properties as Json)) rows(child as Json, `${path}.${key}`, required.has(key), out, note);
}

const INTRO = `# Configuration

<!-- Generated by \`npm run config:docs\` from src/core/config/sections/*.ts: edit those, not this file. -->

streamtrain reads one YAML (or JSON) file: \`streamtrain run --config streamtrain.yaml\`. Every field has a default
except the few marked **required**, so a working file can be as short as this one
([examples/streamtrain.yaml](../examples/streamtrain.yaml) is a complete one):

\`\`\`yaml
model: { name: fraud-scorer }
kafka: { brokers: [127.0.0.1:9092], topics: [payments] }
input:
  features:
    - { field: amount, scale: { mean: 50, std: 20 } }
    - { field: country, type: categorical, values: [DE, FR, US] }
  label: { field: fraud }
\`\`\`

Unknown fields are rejected (most often a typo), and every problem in a file is reported at once, each naming the
field and the fix:

\`\`\`text
Invalid configuration in streamtrain.yaml:
  - Expected \`batch.size\` to be an integer >= 1 and <= 1000000, got \`0\`
  - Unknown field \`model.averaging.window\`; expected one of \`horizon\`, \`holdoff\`, \`warmup\`, ...
\`\`\`

Relative paths (\`model.modelPath\`, \`input.avroSchemaFile\`, \`checkpoints.store.path\`) are taken from the config
file's folder. Addresses and secrets belong to the deployment and may come from the environment, which wins over
the file: \`KAFKA_BROKERS\` (comma separated), \`KAFKA_SASL_USERNAME\`, \`KAFKA_SASL_PASSWORD\`,
\`KAFKA_SASL_MECHANISM\`, \`SCHEMA_REGISTRY_URL\`, \`S3_ENDPOINT\`, \`S3_BUCKET\`, \`S3_REGION\` (or \`AWS_REGION\`),
\`S3_FORCE_PATH_STYLE\`, \`S3_ACCESS_KEY_ID\`, \`S3_SECRET_ACCESS_KEY\` and \`STREAMTRAIN_LOG_LEVEL\`.

Editors that speak the YAML language server (VS Code's YAML extension, IntelliJ, Neovim) complete and check the file
against the JSON Schema shipped with the package, [schemas/streamtrain.config.schema.json](../${SCHEMA_FILE}),
when its first line says where it is:

\`\`\`text
# yaml-language-server: $schema=./node_modules/streamtrain/schemas/streamtrain.config.schema.json
\`\`\`

A description that ends in "See docs/decisions/" marks a default that a study decided; its decision record there
gives the options and the evidence.
`;

/** docs/configuration.md's text. */
export function renderMarkdown(): string {
  const tree = schemaTree();
  const sections: string[] = [INTRO];
  for (const [key, node] of Object.entries(tree.properties as Json)) {
    const section = node as Json;
    const all: Row[] = [];
    rows(section, key, false, all);
    const [head, ...body] = all as [Row, ...Row[]];
    const lines = [`## \`${key}\``, '', String(section.description ?? '')];
    if (body.length === 0) body.push(head);
    lines.push('', '| Field | Type | Default | Description |', '| --- | --- | --- | --- |');
    for (const r of body) lines.push(`| \`${r.field}\` | ${cell(r.type)} | ${cell(r.default)} | ${cell(r.description)} |`);
    sections.push(lines.join('\n'));
  }
  return `${sections.join('\n\n')}\n`;
}

/** Every generated file, by its path from the repository root. */
export function renderConfigFiles(): Record<string, string> {
  return { [SCHEMA_FILE]: renderJsonSchema(), [DOCS_FILE]: renderMarkdown() };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const [file, text] of Object.entries(renderConfigFiles())) {
    writeFileSync(fileURLToPath(new URL(`../${file}`, import.meta.url)), text);
    console.log(`wrote ${file}`);
  }
}
