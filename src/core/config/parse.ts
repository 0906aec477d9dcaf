import { readFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { problemsFromIssues, throwIfProblems } from './issues.js';
import { configSchema, type StreamtrainConfig } from './schema.js';

export {
  DEFAULT_AVERAGING_HORIZON,
  defaultPool,
  DEFAULT_STANDARDIZE_BY,
  DEFAULT_MAX_KEYS_PER_PARTITION,
  DEFAULT_MAX_LIVE_MODELS,
  defaultAveragingHoldoff,
} from './sections/model.js';

/** Environment variables that override the file: addresses and secrets belong to the deployment, not the repo. */
export type ConfigEnv = Readonly<Record<string, string | undefined>>;

/** Reads a YAML or JSON config file and validates it; relative paths in it are taken from the file's folder. */
export function loadConfig(path: string, env: ConfigEnv = process.env): StreamtrainConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ConfigError('config', `Cannot read config file ${path}: check the --config path`, { cause });
  }
  let tree: unknown;
  try {
    tree = extname(path) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (cause) {
    throw new ConfigError('config', `Config file ${path} is not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'}: ${(cause as Error).message}`, { cause });
  }
  return parseConfig(tree, { env, baseDir: dirname(resolve(path)), source: path });
}

export interface ParseOptions {
  readonly env?: ConfigEnv;
  readonly baseDir?: string;
  readonly source?: string;
}

/** Validates a config tree. Throws one ConfigError naming every bad field and the fix. */
export function parseConfig(tree: unknown, options: ParseOptions = {}): StreamtrainConfig {
  const env = options.env ?? process.env;
  const baseDir = options.baseDir ?? process.cwd();
  const given = withEnvironment(withoutNulls(tree), env);
  let result = configSchema.safeParse(given, { reportInput: true });
  // A value YAML left a string where a number, a boolean or a list is expected (`size: "256"`, `topics: a,b`) is
  // read as one, as an environment variable would be. Each pass fixes what the previous one found.
  for (let pass = 0; !result.success && pass < 3 && coerceStrings(given, result.error.issues); pass++) {
    result = configSchema.safeParse(given, { reportInput: true });
  }
  if (!result.success) throwIfProblems(problemsFromIssues(result.error.issues), options.source ?? 'config');
  const config = result.data as StreamtrainConfig;
  const path = (p: string): string => (isAbsolute(p) ? p : resolve(baseDir, p));
  const store = config.checkpoints.store;
  return {
    ...config,
    model: { ...config.model, ...(config.model.modelPath === undefined ? {} : { modelPath: path(config.model.modelPath) }) },
    input: {
      ...config.input,
      ...(config.input.avroSchemaFile === undefined ? {} : { avroSchemaFile: path(config.input.avroSchemaFile) }),
      ...(config.input.labels?.avroSchemaFile === undefined
        ? {}
        : { labels: { ...config.input.labels, avroSchemaFile: path(config.input.labels.avroSchemaFile) } }),
    },
    checkpoints: {
      ...config.checkpoints,
      store:
        store.type === 'folder'
          ? { ...store, path: path(store.path) }
          : { ...store, accessKeyId: env.S3_ACCESS_KEY_ID, secretAccessKey: env.S3_SECRET_ACCESS_KEY },
    },
  };
}

type Tree = Record<string, unknown>;

function isObject(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A copy of the tree without null fields: YAML's `drift:` with nothing under it means "the defaults". */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (!isObject(value)) return value;
  const out: Tree = {};
  for (const [key, v] of Object.entries(value)) if (v !== null && v !== undefined) out[key] = withoutNulls(v);
  return out;
}

/** The object at `key` of `parent`, created when absent; undefined when the user put something else there. */
function sectionOf(parent: unknown, key: string): Tree | undefined {
  if (!isObject(parent)) return undefined;
  if (parent[key] === undefined) parent[key] = {};
  return isObject(parent[key]) ? parent[key] : undefined;
}

/** The environment's addresses and secrets, written into the (copied) tree where they win over the file. */
function withEnvironment(tree: unknown, env: ConfigEnv): unknown {
  if (!isObject(tree)) return tree;
  const kafka = sectionOf(tree, 'kafka');
  if (kafka && env.KAFKA_BROKERS)
    kafka.brokers = env.KAFKA_BROKERS.split(',')
      .map((b) => b.trim())
      .filter(Boolean);
  if (kafka && (kafka.sasl !== undefined || env.KAFKA_SASL_USERNAME)) {
    const sasl = sectionOf(kafka, 'sasl');
    if (sasl) {
      if (env.KAFKA_SASL_USERNAME) sasl.username = env.KAFKA_SASL_USERNAME;
      if (env.KAFKA_SASL_PASSWORD) sasl.password = env.KAFKA_SASL_PASSWORD;
      if (sasl.mechanism === undefined && env.KAFKA_SASL_MECHANISM) sasl.mechanism = env.KAFKA_SASL_MECHANISM;
    }
  }
  const input = sectionOf(tree, 'input');
  if (input && env.SCHEMA_REGISTRY_URL) input.schemaRegistryUrl = env.SCHEMA_REGISTRY_URL;
  const store = sectionOf(sectionOf(tree, 'checkpoints'), 'store');
  if (store) {
    if (store.type === undefined && env.S3_ENDPOINT && store.path === undefined) store.type = 's3';
    if (store.type === 's3') {
      if (env.S3_BUCKET) store.bucket = env.S3_BUCKET;
      if (env.S3_ENDPOINT) store.endpoint = env.S3_ENDPOINT;
      const region = env.S3_REGION ?? env.AWS_REGION;
      if (region) store.region = region;
      if (env.S3_FORCE_PATH_STYLE) store.forcePathStyle = env.S3_FORCE_PATH_STYLE === 'true';
    }
  }
  if (env.STREAMTRAIN_LOG_LEVEL) tree.logLevel = env.STREAMTRAIN_LOG_LEVEL;
  const cluster = env.STREAMTRAIN_INSTANCE_ID ? sectionOf(tree, 'cluster') : undefined;
  if (cluster) cluster.instanceId = env.STREAMTRAIN_INSTANCE_ID;
  return tree;
}

/** Replaces, in the tree, the strings that zod wanted as numbers, booleans or lists; true when it changed any. */
function coerceStrings(tree: unknown, issues: readonly z.core.$ZodIssue[]): boolean {
  let changed = false;
  for (const issue of issues) {
    if (issue.code !== 'invalid_type' || typeof issue.input !== 'string' || issue.path.length === 0) continue;
    const text = issue.input.trim();
    let value: unknown;
    if ((issue.expected === 'number' || issue.expected === 'int') && text !== '' && Number.isFinite(Number(text))) value = Number(text);
    else if (issue.expected === 'boolean' && (text === 'true' || text === 'false')) value = text === 'true';
    else if (issue.expected === 'array')
      value = text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    else continue;
    let parent: unknown = tree;
    for (const key of issue.path.slice(0, -1)) parent = (parent as Record<PropertyKey, unknown> | undefined)?.[key];
    if (typeof parent !== 'object' || parent === null) continue;
    (parent as Record<PropertyKey, unknown>)[issue.path[issue.path.length - 1] as PropertyKey] = value;
    changed = true;
  }
  return changed;
}
