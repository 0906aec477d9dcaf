import { readFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../errors.js';
import { FieldReader, throwIfProblems, type ConfigProblem } from './field-reader.js';
import type { DetectorKind, DriftConfig, DriftResponse, FeatureSpec, ModelType, PerformanceTriggerConfig, StoreConfig, StreamtrainConfig } from './schema.js';

/** Environment variables that override the file: addresses and secrets belong to the deployment, not the repo. */
export type ConfigEnv = Readonly<Record<string, string | undefined>>;

const MODEL_TYPES: readonly ModelType[] = ['logistic', 'softmax', 'mlp', 'linear', 'custom'];
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** `model.averaging.holdoff` when the config does not say: see its doc in schema.ts. */
export function defaultAveragingHoldoff(horizon: number): number {
  return Math.round(horizon * 0.06);
}

/** `model.averaging.horizon` when the config does not say: see its doc in schema.ts. */
export const DEFAULT_AVERAGING_HORIZON = 1000;

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
  const problems: ConfigProblem[] = [];
  const root = new FieldReader(tree, '', problems);
  root.rejectUnknown(['model', 'cluster', 'kafka', 'input', 'deadLetter', 'batch', 'learner', 'checkpoints', 'triggers', 'publish', 'server', 'drift', 'logLevel']);
  const path = (p: string | undefined): string | undefined => (p === undefined ? undefined : isAbsolute(p) ? p : resolve(baseDir, p));

  // model
  const m = root.child('model');
  m.rejectUnknown(['name', 'type', 'hiddenUnits', 'classes', 'task', 'modelPath', 'optimizer', 'l2', 'seed', 'averaging', 'standardize']);
  const name = m.requiredString('name', 'give the model a name, e.g. `model: { name: fraud-scorer }`');
  if (name && !NAME.test(name)) m.problem('name', `Expected \`model.name\` to use only letters, digits, \`.\`, \`_\` and \`-\` (at most 128), got \`${name}\``);
  const type = m.oneOf('type', MODEL_TYPES, 'logistic');
  const hiddenUnits = m.has('hiddenUnits') ? readHidden(m) : [64];
  const classes = m.int('classes', 2, 2, 100_000);
  const defaultTask = type === 'linear' ? 'regression' : 'classification';
  const task = m.oneOf('task', ['classification', 'regression'] as const, defaultTask);
  if (type !== 'custom' && m.has('task') && task !== defaultTask) m.problem('task', `\`model.task\` is fixed by \`model.type: ${type}\`; remove it or use \`type: custom\``);
  const modelPath = path(m.string('modelPath'));
  if (type === 'custom' && !modelPath) m.problem('modelPath', 'Missing `model.modelPath`: a `custom` model needs the path of its tfjs `model.json`');
  const o = m.child('optimizer');
  o.rejectUnknown(['type', 'learningRate', 'clipNorm']);
  const optimizer = {
    type: o.oneOf('type', ['sgd', 'momentum', 'adam', 'adagrad', 'rmsprop'] as const, 'adam'),
    learningRate: o.number('learningRate', 0.01, 0, 10, true),
    clipNorm: o.number('clipNorm', 10, 0, Infinity, true),
  };
  const av = m.child('averaging');
  av.rejectUnknown(['horizon', 'holdoff', 'warmup', 'restartOnDrift', 'restartOnLag', 'select']);
  const horizon = av.int('horizon', DEFAULT_AVERAGING_HORIZON, 0, 100_000_000);
  const holdoff = av.int('holdoff', defaultAveragingHoldoff(horizon), 0, 100_000_000);
  const averaging = { horizon, holdoff, warmup: av.int('warmup', holdoff, 0, 100_000_000), restartOnDrift: av.bool('restartOnDrift', true), restartOnLag: av.bool('restartOnLag', false), select: av.bool('select', true) };
  const standardize = m.bool('standardize', false);
  if (standardize && type === 'custom') m.problem('standardize', '`model.standardize` works with the built-in model types, whose first layer it folds into the published weights; for a `custom` model scale the features with `input.features[].scale`');
  const model = { name, type, hiddenUnits, classes, task, modelPath, optimizer, l2: m.number('l2', 0, 0, 1), seed: m.int('seed', 42, 0), averaging, standardize };

  // kafka
  const k = root.child('kafka');
  k.rejectUnknown(['brokers', 'clientId', 'groupId', 'topics', 'fromBeginning', 'sessionTimeoutMs', 'heartbeatIntervalMs', 'sasl', 'ssl']);
  const brokers = env.KAFKA_BROKERS ? env.KAFKA_BROKERS.split(',').map((b) => b.trim()).filter(Boolean) : k.stringList('brokers', ['127.0.0.1:9092']);
  const topics = k.stringList('topics', []);
  if (topics.length === 0 && !k.has('topics')) k.problem('topics', 'Missing `kafka.topics`: list the source topics, e.g. `topics: [events]`');
  const sessionTimeoutMs = k.int('sessionTimeoutMs', 6_000, 6_000, 300_000);
  const heartbeatIntervalMs = k.int('heartbeatIntervalMs', 1_000, 100, 60_000);
  if (heartbeatIntervalMs * 3 > sessionTimeoutMs) k.problem('heartbeatIntervalMs', `Expected \`kafka.heartbeatIntervalMs\` to be at most a third of \`kafka.sessionTimeoutMs\` (${Math.floor(sessionTimeoutMs / 3)}), got \`${heartbeatIntervalMs}\``);
  let sasl: StreamtrainConfig['kafka']['sasl'];
  if (k.has('sasl') || env.KAFKA_SASL_USERNAME) {
    const s = k.child('sasl');
    s.rejectUnknown(['mechanism', 'username', 'password']);
    const username = env.KAFKA_SASL_USERNAME ?? s.string('username');
    const password = env.KAFKA_SASL_PASSWORD ?? s.string('password');
    if (!username || !password) s.problem('username', 'SASL needs a username and a password: set KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD');
    sasl = { mechanism: s.oneOf('mechanism', ['plain', 'scram-sha-256', 'scram-sha-512'] as const, (env.KAFKA_SASL_MECHANISM as 'plain') ?? 'plain'), username: username ?? '', password: password ?? '' };
  }
  const kafka = {
    brokers,
    clientId: k.string('clientId', 'streamtrain'),
    groupId: k.string('groupId', `streamtrain-${name || 'model'}`),
    topics,
    fromBeginning: k.bool('fromBeginning', true),
    sessionTimeoutMs,
    heartbeatIntervalMs,
    sasl,
    ssl: k.bool('ssl', false),
  };

  // input
  const i = root.child('input');
  i.rejectUnknown(['format', 'avroSchemaFile', 'schemaRegistryUrl', 'features', 'label', 'missing']);
  const format = i.oneOf('format', ['json', 'avro'] as const, 'json');
  const avroSchemaFile = path(i.string('avroSchemaFile'));
  const schemaRegistryUrl = env.SCHEMA_REGISTRY_URL ?? i.string('schemaRegistryUrl');
  if (format === 'avro' && !avroSchemaFile && !schemaRegistryUrl) i.problem('format', '`input.format: avro` needs `input.avroSchemaFile` or `input.schemaRegistryUrl` (env SCHEMA_REGISTRY_URL)');
  const features = i.list('features').map(readFeature);
  if (features.length === 0) i.problem('features', 'Missing `input.features`: list the record fields that make the input vector, e.g. `- { field: amount, type: numeric }`');
  const seen = new Set<string>();
  for (const f of features) {
    if (seen.has(f.field)) i.problem('features', `Feature field \`${f.field}\` is listed twice in \`input.features\``);
    seen.add(f.field);
  }
  const l = i.child('label');
  l.rejectUnknown(['field', 'classes']);
  const labelClasses = l.has('classes') ? l.stringList('classes', []) : undefined;
  const label = { field: l.requiredString('field', 'name the record field that holds the label, e.g. `label: { field: y }`'), classes: labelClasses };
  if (labelClasses && task === 'classification' && type !== 'custom' && type !== 'logistic' && labelClasses.length !== classes) {
    l.problem('classes', `\`input.label.classes\` lists ${labelClasses.length} classes but \`model.classes\` is ${classes}; make them agree`);
  }
  const input = { format, avroSchemaFile, schemaRegistryUrl, features, label, missing: i.oneOf('missing', ['reject', 'zero'] as const, 'reject') };

  const d = root.child('deadLetter');
  d.rejectUnknown(['topic', 'includePayload']);
  const deadLetter = { topic: d.string('topic', 'streamtrain.dead-letter'), includePayload: d.bool('includePayload', false) };

  const b = root.child('batch');
  b.rejectUnknown(['size', 'maxWaitMs', 'maxBuffered']);
  const size = b.int('size', 256, 1, 1_000_000);
  const maxBuffered = b.int('maxBuffered', 8 * size, 1, 100_000_000);
  if (maxBuffered < size) b.problem('maxBuffered', `Expected \`batch.maxBuffered\` to be >= \`batch.size\` (${size}), got \`${maxBuffered}\``);
  const batch = { size, maxWaitMs: b.int('maxWaitMs', 1_000, 1, 3_600_000), maxBuffered };

  const le = root.child('learner');
  le.rejectUnknown(['backend', 'metricsWindow', 'updateBatchSize', 'thread']);
  const learner = {
    backend: le.oneOf('backend', ['auto', 'tensorflow', 'wasm', 'cpu'] as const, 'auto'),
    metricsWindow: le.int('metricsWindow', 1_000, 10, 1_000_000),
    updateBatchSize: le.int('updateBatchSize', 0, 0, 1_000_000),
    thread: le.oneOf('thread', ['worker', 'main'] as const, 'worker'),
  };

  const c = root.child('checkpoints');
  c.rejectUnknown(['store', 'keep', 'regressionErrors']);
  const checkpoints = { store: readStore(c.child('store'), env, path), keep: c.int('keep', 0, 0), regressionErrors: c.bool('regressionErrors', false) };

  const t = root.child('triggers');
  t.rejectUnknown(['everySamples', 'everySeconds', 'volumeRatio', 'performance', 'onDrift', 'minGapSeconds']);
  const triggers = {
    everySamples: t.int('everySamples', 10_000, 0),
    everySeconds: t.number('everySeconds', 60, 0),
    volumeRatio: t.number('volumeRatio', 0, 0, 100),
    performance: t.has('performance') ? readPerformance(t.child('performance')) : undefined,
    onDrift: t.bool('onDrift', true),
    minGapSeconds: t.number('minGapSeconds', 1, 0, 86_400),
  };
  if (triggers.everySamples === 0 && triggers.everySeconds === 0 && triggers.volumeRatio === 0 && !triggers.performance && !triggers.onDrift) {
    t.problem('everySamples', 'Every trigger in `triggers` is off: no version would ever be published; set `everySamples` or `everySeconds`');
  }

  const p = root.child('publish');
  p.rejectUnknown(['versionsTopic']);
  const publish = { versionsTopic: p.string('versionsTopic', 'streamtrain.versions') };

  const cl = root.child('cluster');
  cl.rejectUnknown(['leaseTopic', 'sessionTimeoutMs', 'heartbeatIntervalMs', 'standbyPollMs', 'instanceId']);
  const cluster = {
    leaseTopic: cl.string('leaseTopic', 'streamtrain-leases'),
    sessionTimeoutMs: cl.int('sessionTimeoutMs', 6_000, 1_000, 300_000),
    heartbeatIntervalMs: cl.int('heartbeatIntervalMs', 250, 100, 60_000),
    standbyPollMs: cl.int('standbyPollMs', 1_000, 100, 600_000),
    instanceId: env.STREAMTRAIN_INSTANCE_ID ?? cl.string('instanceId'),
  };
  if (cluster.heartbeatIntervalMs * 3 > cluster.sessionTimeoutMs) cl.problem('heartbeatIntervalMs', `Expected \`cluster.heartbeatIntervalMs\` to be at most a third of \`cluster.sessionTimeoutMs\` (${Math.floor(cluster.sessionTimeoutMs / 3)}), got \`${cluster.heartbeatIntervalMs}\``);

  const sv = root.child('server');
  sv.rejectUnknown(['port', 'host']);
  const server = { port: sv.int('port', 0, 0, 65_535), host: sv.string('host', '127.0.0.1') };

  const drift = readDrift(root.child('drift'));
  const watched = drift.data.features;
  if (watched) {
    const dd = root.child('drift').child('data');
    const fields = new Set(features.map((f) => f.field));
    const unknown = watched.filter((f) => !fields.has(f));
    if (unknown.length) dd.problem('features', `Expected \`drift.data.features\` to name fields of \`input.features\` (${[...fields].map((f) => `\`${f}\``).join(', ')}), got ${unknown.map((f) => `\`${f}\``).join(', ')}`);
  }

  const logLevel = (env.STREAMTRAIN_LOG_LEVEL as StreamtrainConfig['logLevel'] | undefined) ?? root.oneOf('logLevel', ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const, 'info');

  throwIfProblems(problems, options.source ?? 'config');
  return { model, cluster, kafka, input, deadLetter, batch, learner, checkpoints, triggers, publish, server, drift, logLevel };
}

function readHidden(m: FieldReader): number[] {
  const raw = m.raw('hiddenUnits');
  if (Array.isArray(raw) && raw.length > 0 && raw.every((u) => Number.isInteger(u) && u >= 1 && u <= 65_536)) return raw as number[];
  m.problem('hiddenUnits', `Expected \`model.hiddenUnits\` to be a non-empty list of integers >= 1, e.g. \`[64]\`, got \`${JSON.stringify(raw)}\``);
  return [64];
}

function readFeature(f: FieldReader): FeatureSpec {
  f.rejectUnknown(['field', 'type', 'encoding', 'values', 'buckets', 'scale', 'size']);
  const field = f.requiredString('field', 'name the record field, e.g. `field: amount`');
  const type = f.oneOf('type', ['numeric', 'categorical', 'vector'] as const, 'numeric');
  if (type === 'vector') {
    if (!f.has('size')) f.problem('size', `Missing \`${f.at('size')}\`: a vector feature needs its fixed length, e.g. \`size: 16\``);
    return { field, type, size: f.int('size', 1, 1, 1 << 20) };
  }
  if (type === 'numeric') {
    if (!f.has('scale')) return { field, type };
    const s = f.child('scale');
    s.rejectUnknown(['mean', 'std']);
    return { field, type, scale: { mean: s.number('mean', 0), std: s.number('std', 1, 0, Infinity, true) } };
  }
  const encoding = f.oneOf('encoding', ['one-hot', 'hash'] as const, f.has('values') ? 'one-hot' : 'hash');
  if (encoding === 'one-hot') {
    const values = f.stringList('values', []);
    if (values.length === 0) f.problem('values', `Missing \`${f.at('values')}\`: one-hot encoding needs the list of category values (unknown values map to all zeros), or use \`encoding: hash\``);
    return { field, type, encoding, values };
  }
  return { field, type, encoding, buckets: f.int('buckets', 16, 1, 1 << 20) };
}

function readStore(s: FieldReader, env: ConfigEnv, path: (p: string | undefined) => string | undefined): StoreConfig {
  s.rejectUnknown(['type', 'path', 'bucket', 'prefix', 'endpoint', 'region', 'forcePathStyle']);
  const type = s.oneOf('type', ['folder', 's3'] as const, env.S3_ENDPOINT && !s.has('type') && !s.has('path') ? 's3' : 'folder');
  if (type === 'folder') return { type, path: path(s.string('path', '.streamtrain/checkpoints')) as string };
  const bucket = env.S3_BUCKET ?? s.string('bucket');
  if (!bucket) s.problem('bucket', 'Missing `checkpoints.store.bucket` (or env S3_BUCKET) for the s3 store');
  return {
    type,
    bucket: bucket ?? '',
    prefix: s.string('prefix', ''),
    endpoint: env.S3_ENDPOINT ?? s.string('endpoint'),
    region: env.S3_REGION ?? env.AWS_REGION ?? s.string('region', 'us-east-1'),
    forcePathStyle: env.S3_FORCE_PATH_STYLE ? env.S3_FORCE_PATH_STYLE === 'true' : s.bool('forcePathStyle', Boolean(env.S3_ENDPOINT ?? s.has('endpoint'))),
    accessKeyId: env.S3_ACCESS_KEY_ID,
    secretAccessKey: env.S3_SECRET_ACCESS_KEY,
  };
}

const DETECTORS: readonly DetectorKind[] = ['adwin', 'ddm', 'eddm', 'hddm-a', 'hddm-w', 'page-hinkley', 'kswin'];
const RESPONSES: readonly DriftResponse[] = ['alert', 'adapt', 'challenger'];

function readPerformance(p: FieldReader): PerformanceTriggerConfig {
  p.rejectUnknown(['metric', 'better', 'threshold', 'dropBy', 'minSamples']);
  const metric = p.string('metric', 'accuracy_window');
  const lowerIsBetter = /loss|mae|rmse|error/.test(metric);
  const cfg = {
    metric,
    better: p.oneOf('better', ['higher', 'lower'] as const, lowerIsBetter ? 'lower' : 'higher'),
    threshold: p.optionalNumber('threshold'),
    dropBy: p.optionalNumber('dropBy', 0, Infinity, true),
    minSamples: p.int('minSamples', 1_000, 1),
  };
  if (cfg.threshold === undefined && cfg.dropBy === undefined) p.problem('threshold', `\`${p.path}\` needs \`threshold\` (fire below/above a value) or \`dropBy\` (fire on a drop from the best), or both`);
  return cfg;
}

function readDrift(d: FieldReader): DriftConfig {
  d.rejectUnknown(['detectors', 'data', 'responses', 'topic', 'adapt', 'challenger']);
  const detectors = d.has('detectors')
    ? d.list('detectors').map((r) => {
        r.rejectUnknown(['kind', 'params']);
        const params = r.raw('params');
        if (params !== undefined && (typeof params !== 'object' || params === null || Array.isArray(params))) r.problem('params', `Expected \`${r.at('params')}\` to be an object of detector parameters`);
        return { kind: r.oneOf('kind', DETECTORS, 'adwin'), params: (params ?? {}) as Record<string, number | string | boolean> };
      })
    : [{ kind: 'adwin' as const, params: {} }];
  const dd = d.child('data');
  dd.rejectUnknown(['inputs', 'features', 'predictions', 'referenceSize', 'windowSize', 'bins', 'psiThreshold', 'ksAlpha']);
  const data = {
    inputs: dd.bool('inputs', false),
    ...(dd.has('features') ? { features: dd.stringList('features', []) } : {}),
    predictions: dd.bool('predictions', false),
    referenceSize: dd.int('referenceSize', 5_000, 50),
    windowSize: dd.int('windowSize', 2_000, 50),
    bins: dd.int('bins', 10, 2, 1_000),
    psiThreshold: dd.number('psiThreshold', 0.25, 0, Infinity, true),
    ksAlpha: dd.number('ksAlpha', 0.001, 0, 1, true),
  };
  // An empty list is valid: detectors still run, feed the drift trigger and the logs, and nothing else happens.
  const rawResponses = d.raw('responses');
  const responses = (Array.isArray(rawResponses) && rawResponses.length === 0 ? [] : d.has('responses') ? d.stringList('responses', ['alert']) : ['alert']) as DriftResponse[];
  for (const r of responses) if (!RESPONSES.includes(r)) d.problem('responses', `Expected \`drift.responses\` to list only \`alert\`, \`adapt\` or \`challenger\`, got \`${r}\``);
  const a = d.child('adapt');
  a.rejectUnknown(['learningRateFactor', 'forSamples', 'resetOptimizer', 'hedge']);
  const c = d.child('challenger');
  c.rejectUnknown(['from', 'minSamples', 'maxSamples', 'margin', 'alpha', 'rollback', 'test']);
  const challenger = {
    from: c.oneOf('from', ['scratch', 'last-version'] as const, 'scratch'),
    minSamples: c.int('minSamples', 1_000, 10),
    maxSamples: c.int('maxSamples', 20_000, 10),
    margin: c.number('margin', 0.01, 0, 1),
    alpha: c.number('alpha', 0.01, 0, 0.5, true),
    rollback: c.bool('rollback', false),
    test: c.oneOf('test', ['independent', 'batch-means'] as const, 'batch-means'),
  };
  if (challenger.maxSamples < challenger.minSamples) c.problem('maxSamples', `Expected \`drift.challenger.maxSamples\` to be >= \`minSamples\` (${challenger.minSamples}), got \`${challenger.maxSamples}\``);
  return {
    detectors,
    data,
    responses,
    topic: d.string('topic', 'streamtrain.drift'),
    adapt: { learningRateFactor: a.number('learningRateFactor', 2, 0, 1_000, true), forSamples: a.int('forSamples', 500, 1), resetOptimizer: a.bool('resetOptimizer', false), hedge: a.bool('hedge', true) },
    challenger,
  };
}
