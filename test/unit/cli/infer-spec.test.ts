import { Ajv } from 'ajv';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { hashBuckets, inferFields, inferSpec, roundOut, sampleLabelClasses, taskOf } from '../../../src/cli/infer-spec.js';
import { initYaml, modelName, type InitFormat } from '../../../src/cli/init-yaml.js';
import { quotas } from '../../../src/cli/sample-topic.js';
import { ConfigError, parseConfig } from '../../../src/core/index.js';

/** The shipped JSON Schema, as an editor checks the file with it. */
const editorCheck = new Ajv({ allErrors: true, allowUnionTypes: true }).compile(
  JSON.parse(readFileSync(new URL('../../../schemas/streamtrain.config.schema.json', import.meta.url), 'utf8')) as object,
);

type Kind = 'numeric' | 'integer' | 'boolean' | 'categorical' | 'vector' | 'iso' | 'epoch' | 'nested' | 'id';
type LabelKind = 'binary' | 'bool' | 'classes' | 'continuous' | 'names';

/** A field the generator knows the kind of, with what it needs to make values. */
interface FieldGen {
  readonly kind: Kind;
  readonly lo: number;
  readonly width: number;
  readonly k: number;
  readonly names: readonly string[];
}

/** Distinctive strings: they cannot appear in a config by chance. */
const token = fc.stringMatching(/^Zq[0-9a-f]{8}$/);
const fieldGen: fc.Arbitrary<FieldGen> = fc.record({
  kind: fc.constantFrom<Kind>('numeric', 'integer', 'boolean', 'categorical', 'vector', 'iso', 'epoch', 'nested', 'id'),
  lo: fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  width: fc.double({ min: 1e-3, max: 1e6, noNaN: true }),
  k: fc.integer({ min: 2, max: 30 }),
  names: fc.uniqueArray(token, { minLength: 30, maxLength: 30 }),
});

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** Neutral names (`f3`): the time fields must be found by their values. */
const nameOf = (_g: FieldGen, i: number) => `f${i}`;

function value(g: FieldGen, i: number, rnd: () => number): unknown {
  switch (g.kind) {
    case 'numeric':
      return i === 0 ? g.lo : i === 1 ? g.lo + g.width : g.lo + rnd() * g.width;
    case 'integer':
      return Math.round(g.lo) + (i % (g.k + 1));
    case 'boolean':
      return i % 2 === 0;
    case 'categorical':
      return g.names[i % g.k];
    case 'vector':
      return Array.from({ length: g.k }, () => rnd());
    case 'iso':
      return new Date(Date.UTC(2024, 0, 1) + i * 60_000 + Math.floor(rnd() * 1000)).toISOString();
    case 'epoch':
      return 1_700_000_000_000 + i * 1000 + Math.floor(rnd() * 10);
    case 'nested':
      return { inner: rnd() };
    case 'id':
      return `${g.names[0]}-${i}`;
  }
}

function labelValue(kind: LabelKind, i: number, names: readonly string[], rnd: () => number): unknown {
  if (kind === 'binary') return i % 2;
  if (kind === 'bool') return i % 3 === 0;
  if (kind === 'classes') return i % 4;
  if (kind === 'continuous') return rnd() * 100 - 50;
  return names[i % 3];
}

const sampleArb: fc.Arbitrary<Sample> = fc.record({
  fields: fc.array(fieldGen, { minLength: 1, maxLength: 6 }),
  label: fc.constantFrom<LabelKind>('binary', 'bool', 'classes', 'continuous', 'names'),
  labelNames: fc.uniqueArray(token, { minLength: 3, maxLength: 3 }),
  n: fc.integer({ min: 60, max: 250 }),
  seed: fc.integer(),
});

interface Sample {
  fields: FieldGen[];
  label: LabelKind;
  labelNames: string[];
  n: number;
  seed: number;
}

function records(s: Sample): Record<string, unknown>[] {
  const rnd = lcg(s.seed);
  return Array.from({ length: s.n }, (_, i) => {
    const r: Record<string, unknown> = {};
    s.fields.forEach((g, j) => (r[nameOf(g, j)] = value(g, i, rnd)));
    r.y = labelValue(s.label, i, s.labelNames, rnd);
    return r;
  });
}

const expected: Record<Kind, string> = {
  numeric: 'numeric',
  integer: 'numeric',
  boolean: 'boolean',
  categorical: 'categorical',
  vector: 'vector',
  iso: 'skipped',
  epoch: 'skipped',
  nested: 'skipped',
  id: 'skipped',
};

describe('init: inference from a sample', () => {
  it('property: every generated field gets the kind it was generated with, and numeric bounds enclose the values', () => {
    fc.assert(
      fc.property(sampleArb, (s) => {
        const recs = records(s);
        const fields = inferFields(recs);
        s.fields.forEach((g, j) => {
          const f = fields.find((x) => x.name === nameOf(g, j));
          expect(f?.kind.kind, `${g.kind} field f${j}`).toBe(expected[g.kind]);
          if (f?.kind.kind === 'categorical') expect(f.kind.cardinality).toBe(g.k);
          if (f?.kind.kind === 'vector') expect(f.kind.size).toBe(g.k);
          if (f?.kind.kind === 'numeric') {
            const values = recs.map((r) => r[f.name] as number);
            expect(f.kind.lo).toBeLessThanOrEqual(Math.min(...values));
            expect(f.kind.hi).toBeGreaterThanOrEqual(Math.max(...values));
          }
          if (g.kind === 'iso' || g.kind === 'epoch') expect(f?.kind).toMatchObject({ timestamp: true });
        });
      }),
      { numRuns: 150 },
    );
  });

  it('property: the written YAML validates with parseConfig and the JSON Schema, and holds no string of the sample', async () => {
    const formats: InitFormat[] = [{ kind: 'json' }, { kind: 'avro', schemaFile: './x.avsc' }, { kind: 'registry', url: 'http://127.0.0.1:8081' }];
    await fc.assert(
      fc.asyncProperty(sampleArb, fc.constantFrom(...formats), fc.boolean(), async (s, format, classesFromSample) => {
        const recs = records(s);
        const kinds = new Set(s.fields.map((g) => g.kind));
        if (!['numeric', 'integer', 'boolean', 'categorical', 'vector'].some((k) => kinds.has(k as Kind))) return;
        const spec = await inferSpec(recs);
        expect(spec.label).toBe('y');
        const labelClasses = classesFromSample && s.label === 'names' ? sampleLabelClasses(recs, 'y') : undefined;
        const { text } = initYaml({
          spec,
          topic: 'orders.v1',
          brokers: ['127.0.0.1:9092'],
          format,
          schemaRef: './node_modules/streamtrain/schemas/streamtrain.config.schema.json',
          labelClasses,
          baseDir: '/tmp',
        });
        expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./node_modules/streamtrain/schemas/streamtrain.config.schema.json');
        const config = parseConfig(parse(text), { env: {} });
        expect(editorCheck(parse(text))).toBe(true);
        expect(config.input.label.field).toBe('y');
        expect(config.model.task).toBe(s.label === 'continuous' ? 'regression' : 'classification');
        // No value of the sample: feature strings, ids, dates, and label names unless asked for.
        for (const r of recs) {
          for (const [k, v] of Object.entries(r)) {
            if (typeof v !== 'string') continue;
            if (k === 'y' && labelClasses) continue;
            expect(text.includes(v), `${k} value in the YAML`).toBe(false);
          }
        }
      }),
      { numRuns: 100 },
    );
  });

  it('the task follows the label: {0,1} and booleans are logistic, class indices softmax, floats linear, names need classes', async () => {
    const base = (y: (i: number) => unknown) => Array.from({ length: 100 }, (_, i) => ({ x: i * 0.37, y: y(i) }));
    expect((await inferSpec(base((i) => i % 2))).task).toEqual({ task: 'classification', model: 'logistic', classes: 2, stringLabels: false });
    expect((await inferSpec(base((i) => i % 2 === 0))).task).toMatchObject({ model: 'logistic', classes: 2 });
    expect((await inferSpec(base((i) => i % 5))).task).toMatchObject({ model: 'softmax', classes: 5 });
    expect((await inferSpec(base((i) => i * 1.5))).task).toEqual({ task: 'regression', model: 'linear' });
    expect((await inferSpec(base((i) => ['cat', 'dog', 'eel'][i % 3]))).task).toEqual({
      task: 'classification',
      model: 'softmax',
      classes: 3,
      stringLabels: true,
    });
    expect(() => taskOf({ name: 'y', missing: 0, kind: { kind: 'vector', size: 3 } })).toThrow(ConfigError);
  });

  it('proposes the label by name, takes --label first, and otherwise fails naming the candidates and --label', async () => {
    const recs = Array.from({ length: 80 }, (_, i) => ({ a: i * 0.5, is_fraud: i % 2, target: i % 2, b: i % 3 }));
    expect((await inferSpec(recs)).label).toBe('target');
    expect((await inferSpec(recs, { label: 'b' })).label).toBe('b');
    expect((await inferSpec(recs.map(({ target: _t, ...r }) => r))).label).toBe('is_fraud');
    const plain = recs.map((r) => ({ a: r.a, b: r.b }));
    await expect(inferSpec(plain)).rejects.toThrow(/--label.*`a`, `b`/);
    expect((await inferSpec(plain, { chooseLabel: async () => 'b' })).label).toBe('b');
    await expect(inferSpec(plain, { label: 'nope' })).rejects.toThrow(/`nope` is not in the sampled records/);
  });

  it('rounds bounds outward to 2 significant digits; hash buckets are powers of two >= 2x the cardinality, at most 1024', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e12, max: 1e12, noNaN: true }), (x) => {
        const lo = roundOut(x, -1);
        const hi = roundOut(x, 1);
        expect(lo).toBeLessThanOrEqual(x);
        expect(hi).toBeGreaterThanOrEqual(x);
        for (const b of [lo, hi]) if (b !== 0) expect(Number(b.toPrecision(2))).toBe(b);
      }),
    );
    expect([roundOut(0.01234, -1), roundOut(0.01234, 1), roundOut(-3.14, -1), roundOut(987, 1)]).toEqual([0.012, 0.013, -3.2, 990]);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), (c) => {
        const b = hashBuckets(c);
        expect(Number.isInteger(Math.log2(b))).toBe(true);
        expect(b).toBeGreaterThanOrEqual(Math.min(2 * c, 1024));
        expect(b).toBeLessThanOrEqual(1024);
      }),
    );
  });

  it('spreads the sample over the partitions', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 10_000 }), (sizes, total) => {
        const q = quotas(sizes, total);
        expect(q.reduce((a, b) => a + b, 0)).toBe(
          Math.min(
            total,
            sizes.reduce((a, b) => a + b, 0),
          ),
        );
        q.forEach((n, i) => expect(n).toBeLessThanOrEqual(sizes[i] as number));
      }),
    );
    expect(quotas([10, 1000, 1000], 2000)).toEqual([10, 995, 995]);
  });

  it('names the model after the topic', () => {
    expect(modelName('orders.v1')).toBe('orders.v1');
    expect(modelName('__weird topic/with:chars')).toBe('weird-topic-with-chars');
  });
});
