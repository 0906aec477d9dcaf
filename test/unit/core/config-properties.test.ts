import { Ajv } from 'ajv';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, type StreamtrainConfig } from '../../../src/core/index.js';

const editorCheck = new Ajv({ allErrors: true, allowUnionTypes: true }).compile(
  JSON.parse(readFileSync(new URL('../../../schemas/streamtrain.config.schema.json', import.meta.url), 'utf8')) as object,
);

const name = fc.stringMatching(/^[a-z][a-z0-9._-]{0,15}$/);
const optional = { requiredKeys: [] as never[] };
/** A finite double in [min, max], never -0 (which JSON writes as 0). */
const dbl = (min: number, max: number) => fc.double({ min, max, noNaN: true }).map((x) => (x === 0 ? 0 : x));

/** Config trees a user could write: the required fields, and any valid subset of the others. */
const configTree = fc.record(
  {
    model: fc.record(
      {
        name,
        type: fc.constantFrom('logistic', 'softmax', 'mlp', 'linear'),
        hiddenUnits: fc.array(fc.integer({ min: 1, max: 512 }), { minLength: 1, maxLength: 3 }),
        classes: fc.integer({ min: 2, max: 20 }),
        optimizer: fc.record({ type: fc.constantFrom('sgd', 'adam', 'rmsprop'), learningRate: dbl(1e-4, 1) }, optional),
        l2: dbl(0, 1),
        seed: fc.nat(),
        averaging: fc.record(
          {
            horizon: fc.integer({ min: 0, max: 10_000 }),
            holdoff: fc.integer({ min: 0, max: 500 }),
            warmup: fc.nat(1000),
            restartOnLag: fc.boolean(),
            select: fc.boolean(),
          },
          optional,
        ),
        standardize: fc.boolean(),
      },
      { requiredKeys: ['name'] },
    ),
    kafka: fc.record(
      {
        brokers: fc.array(fc.constantFrom('127.0.0.1:9092', 'kafka:9092'), { minLength: 1, maxLength: 2 }),
        topics: fc.array(name, { minLength: 1, maxLength: 3 }),
        fromBeginning: fc.boolean(),
        sessionTimeoutMs: fc.integer({ min: 9_000, max: 300_000 }),
        heartbeatIntervalMs: fc.integer({ min: 100, max: 2_000 }),
      },
      { requiredKeys: ['topics'] },
    ),
    input: fc.record(
      {
        features: fc
          .uniqueArray(name, { minLength: 1, maxLength: 4 })
          .chain((fields) =>
            fc.tuple(
              ...fields.map((field) =>
                fc.oneof(
                  fc.constant({ field }),
                  fc.record({ field: fc.constant(field), scale: fc.record({ mean: dbl(-10, 10), std: dbl(0.1, 10) }) }),
                  fc.record({ field: fc.constant(field), type: fc.constant('categorical'), values: fc.uniqueArray(name, { minLength: 1, maxLength: 3 }) }),
                  fc.record({ field: fc.constant(field), type: fc.constant('categorical'), buckets: fc.integer({ min: 1, max: 64 }) }),
                  fc.record({ field: fc.constant(field), type: fc.constant('vector'), size: fc.integer({ min: 1, max: 16 }) }),
                ),
              ),
            ),
          ),
        label: fc.record({ field: fc.constant('label') }),
        missing: fc.constantFrom('reject', 'zero'),
      },
      { requiredKeys: ['features', 'label'] },
    ),
    batch: fc.record(
      { size: fc.integer({ min: 1, max: 1_000 }), maxWaitMs: fc.integer({ min: 1, max: 10_000 }), maxBuffered: fc.integer({ min: 1_000, max: 100_000 }) },
      optional,
    ),
    triggers: fc.record(
      {
        everySamples: fc.integer({ min: 1, max: 100_000 }),
        everySeconds: fc.nat(600),
        performance: fc.record({ metric: fc.constantFrom('accuracy_window', 'mae_window'), dropBy: dbl(0.01, 0.5) }),
      },
      optional,
    ),
    checkpoints: fc.record(
      {
        store: fc.oneof(
          fc.record({ path: fc.constant('./ckpt') }),
          fc.record({ type: fc.constant('s3'), bucket: name, endpoint: fc.constant('http://127.0.0.1:9000') }),
        ),
        keep: fc.nat(100),
      },
      optional,
    ),
    drift: fc.record(
      {
        detectors: fc.array(fc.record({ kind: fc.constantFrom('adwin', 'ddm', 'page-hinkley') }), { maxLength: 2 }),
        responses: fc.subarray(['alert', 'adapt', 'challenger']),
        challenger: fc.record(
          {
            minSamples: fc.integer({ min: 10, max: 1_000 }),
            maxSamples: fc.integer({ min: 1_000, max: 50_000 }),
            test: fc.constantFrom('independent', 'batch-means'),
          },
          optional,
        ),
      },
      optional,
    ),
    server: fc.record({ port: fc.integer({ min: 0, max: 65_535 }) }, optional),
    logLevel: fc.constantFrom('info', 'warn', 'silent'),
  },
  { requiredKeys: ['model', 'kafka', 'input'] },
);

function message(tree: unknown): string {
  try {
    parseConfig(tree, { env: {} });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new ConfigError('test', 'expected a ConfigError');
}

describe('config properties', () => {
  it('a config with its defaults filled in is itself a valid config, and reads back the same', () => {
    fc.assert(
      fc.property(configTree, (tree) => {
        const config: StreamtrainConfig = parseConfig(tree, { env: {} });
        const written = JSON.parse(JSON.stringify(config)) as unknown;
        expect(parseConfig(written, { env: {} })).toEqual(config);
        expect(config.batch.size).toBe(tree.batch?.size ?? 256);
        expect(config.kafka.groupId).toBe(`streamtrain-${tree.model.name}`);
        // The JSON Schema editors use agrees: it accepts what the user wrote and the config with its defaults.
        expect(editorCheck(tree), JSON.stringify(editorCheck.errors)).toBe(true);
        expect(editorCheck(written), JSON.stringify(editorCheck.errors)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  const mistakes: readonly { readonly field: string; readonly apply: (t: Record<string, Record<string, unknown>>) => void }[] = [
    { field: 'Unknown field `extra`', apply: (t) => void (t.extra = { a: 1 }) },
    { field: 'Unknown field `model.layers`', apply: (t) => void ((t.model as Record<string, unknown>).layers = 3) },
    { field: 'Unknown field `drift.adapt.factor`', apply: (t) => void (t.drift = { ...t.drift, adapt: { factor: 2 } }) },
    { field: 'Expected `batch.size`', apply: (t) => void (t.batch = { size: 0 }) },
    { field: 'Expected `model.type`', apply: (t) => void ((t.model as Record<string, unknown>).type = 'tree') },
    { field: 'Expected `kafka.fromBeginning`', apply: (t) => void ((t.kafka as Record<string, unknown>).fromBeginning = 'yes') },
    { field: 'Expected `server.port`', apply: (t) => void (t.server = { port: 70_000 }) },
    { field: 'Expected `drift.challenger.alpha`', apply: (t) => void (t.drift = { ...t.drift, challenger: { alpha: 0 } }) },
    {
      field: 'Expected `input.features[0].size`',
      apply: (t) => void ((t.input as { features: unknown[] }).features = [{ field: 'v', type: 'vector', size: 0 }]),
    },
  ];

  it('reports every unknown key and every bad field at once, one line each', () => {
    fc.assert(
      fc.property(fc.subarray([...mistakes], { minLength: 1 }), (chosen) => {
        const tree: Record<string, Record<string, unknown>> = {
          model: { name: 'm' },
          kafka: { topics: ['t'] },
          input: { features: [{ field: 'a' }], label: { field: 'y' } },
        };
        for (const m of chosen) m.apply(tree);
        const msg = message(tree);
        for (const m of chosen) expect(msg).toContain(m.field);
        expect(msg.split('\n').filter((l) => l.startsWith('  - '))).toHaveLength(chosen.length);
        expect(editorCheck(tree)).toBe(false);
      }),
    );
  });
});
