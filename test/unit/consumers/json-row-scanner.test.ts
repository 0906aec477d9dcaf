import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError, type FeatureSpec } from '../../../src/core/index.js';
import { FeatureExtractor } from '../../../src/consumers/index.js';
import { compileJsonRowScanner } from '../../../src/consumers/json-row-scanner.js';

const features: FeatureSpec[] = [
  { field: 'a', type: 'numeric' },
  { field: 'b', type: 'numeric', scale: { mean: 2, std: 0.5 } },
  { field: 'ü-c', type: 'numeric' },
];
const label = { task: 'classification' as const, classes: 3 };
const extractor = new FeatureExtractor({ features, label: { field: 'y' }, missing: 'reject' }, label);
const scan = compileJsonRowScanner(features, 'y')!;

/** What the general path (JSON.parse + the feature extractor) makes of the bytes: a row and label, or a reason. */
function general(bytes: Buffer): { row?: number[]; label?: number; reason?: string } {
  const out = new Float32Array(3);
  try {
    let obj: unknown;
    try {
      obj = JSON.parse(bytes.toString('utf8'));
    } catch {
      return { reason: 'undecodable' };
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return { reason: 'undecodable' };
    const l = extractor.extractInto(obj as Record<string, unknown>, out, 0);
    return { row: Array.from(out), label: l };
  } catch (err) {
    if (err instanceof DecodeError) return { reason: err.reason };
    throw err;
  }
}

/** The scanner's answer, or undefined when it hands the record to the general path. */
function scanned(bytes: Buffer): { row: number[]; label: number } | { reason: string } | undefined {
  const out = new Float32Array(5).fill(7);
  const raw = scan(bytes, out, 1);
  if (Number.isNaN(raw)) return undefined;
  expect(out[0]).toBe(7);
  expect(out[4]).toBe(7);
  try {
    return { row: Array.from(out.subarray(1, 4)), label: extractor.labelOf(raw) };
  } catch (err) {
    if (err instanceof DecodeError) return { reason: err.reason };
    throw err;
  }
}

const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
const other = fc.oneof(fc.string(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 2 }), fc.object({ maxDepth: 1 }));
const spaced = (o: Record<string, unknown>, pad: string) =>
  `${pad}{${pad}${Object.entries(o)
    .map(([k, v]) => `${JSON.stringify(k)}${pad}:${pad}${JSON.stringify(v)}`)
    .join(`${pad},${pad}`)}${pad}}${pad}`;

describe('compileJsonRowScanner', () => {
  it('is only built for all-numeric specs whose label is not also a feature', () => {
    expect(compileJsonRowScanner(features, 'y')).toBeTypeOf('function');
    expect(compileJsonRowScanner([...features, { field: 'k', type: 'categorical', encoding: 'hash', buckets: 4 }], 'y')).toBeUndefined();
    expect(compileJsonRowScanner(features, 'a')).toBeUndefined();
    expect(compileJsonRowScanner([], 'y')).toBeUndefined();
  });

  it('property: reads every JSON number exactly as JSON.parse does', () => {
    const digits = (min: number, max: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: min, maxLength: max }).map((d) => d.join(''));
    const text = fc
      .tuple(
        fc.boolean(),
        fc.oneof(
          fc.constant('0'),
          fc.tuple(fc.integer({ min: 1, max: 9 }), digits(0, 20)).map(([h, t]) => `${h}${t}`),
        ),
        fc.option(digits(1, 25)),
        fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), digits(1, 3))),
      )
      .map(([neg, int, frac, exp]) => `${neg ? '-' : ''}${int}${frac === null ? '' : `.${frac}`}${exp === null ? '' : exp.join('')}`);
    const out = new Float32Array(3);
    fc.assert(
      fc.property(fc.oneof(text, finite.map(String)), (t) => {
        const expected = JSON.parse(t) as number;
        // The label comes back as the raw double: an exact comparison (Object.is tells -0 from 0).
        const got = scan(Buffer.from(`{"a":1,"b":2,"ü-c":3,"y":${t}}`), out, 0);
        expect(Object.is(got, expected)).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it("property: on records of the common shape it takes over, with the general path's row and label", () => {
    fc.assert(
      fc.property(
        finite,
        finite,
        finite,
        fc.constantFrom(0, 1, 2),
        fc.dictionary(
          fc.string().filter((k) => !['a', 'b', 'ü-c', 'y'].includes(k)),
          fc.oneof(
            fc.double(),
            fc.boolean(),
            fc.constant(null),
            fc.string({ unit: 'grapheme-ascii' }).filter((s) => ![...s].some((ch) => ch === '"' || ch === '\\' || ch.charCodeAt(0) < 0x20)),
          ),
        ),
        fc.constantFrom('', ' ', '\n\t'),
        (a, b, c, y, extra, pad) => {
          const bytes = Buffer.from(spaced({ ...extra, y, 'ü-c': c, a, b }, pad));
          const ref = general(bytes);
          const got = scanned(bytes);
          // Keys with escapes, and values beyond float32, are left to the general path.
          if (got === undefined) expect(Object.keys(extra).some((k) => JSON.stringify(k).includes('\\')) || ref.reason === 'non-finite').toBe(true);
          else expect(got).toEqual(ref);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('property: on any record, and on any mangling of one, it agrees with the general path or leaves it the record', () => {
    const value = fc.oneof(finite, fc.constantFrom(1e39, -1e39, 3.4e38, 0.5, -0), fc.string(), fc.boolean(), fc.constant(null), other);
    const record = fc.record(
      { a: value, b: value, 'ü-c': value, y: fc.oneof(fc.constantFrom(0, 1, 2, 3, -1, 1.5, true), value), z: other },
      { requiredKeys: [] },
    );
    const edit = fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('replace', 'insert', 'delete'));
    fc.assert(
      fc.property(record, fc.array(edit, { maxLength: 3 }), (r, edits) => {
        const bytes = [...Buffer.from(JSON.stringify(r))];
        for (const [at, byte, kind] of edits) {
          const i = at % (bytes.length + 1);
          if (kind === 'insert') bytes.splice(i, 0, byte);
          else if (kind === 'delete') bytes.splice(i, 1);
          else bytes[Math.min(i, bytes.length - 1)] = byte;
        }
        const buf = Buffer.from(bytes);
        const got = scanned(buf);
        if (got !== undefined) expect(got).toEqual(general(buf));
      }),
      { numRuns: 5000 },
    );
  });

  it('leaves duplicates, nesting, escapes, missing fields and trailing bytes to the general path', () => {
    const out = new Float32Array(3);
    for (const text of [
      '{"a":1,"b":2,"ü-c":3,"y":1,"a":4}',
      '{"a":1,"b":2,"a":3,"y":1}',
      '{"a":1,"b":2,"ü-c":3,"y":1,"n":{"x":1}}',
      '{"a":1,"b":2,"ü-c":3,"y":1,"s":"\\n"}',
      '{"\\u0061":1,"b":2,"ü-c":3,"y":1}',
      '{"a":1,"b":2,"y":1}',
      '{"a":1,"b":2,"ü-c":3,"y":1} x',
      '{"a":1,"b":2,"ü-c":3,"y":1,}',
      '{"a":01,"b":2,"ü-c":3,"y":1}',
      '{"a":1.,"b":2,"ü-c":3,"y":1}',
      '{"a":"1","b":2,"ü-c":3,"y":1}',
      '{"a":1,"b":2,"ü-c":3,"y":true}',
      '\ufeff{"a":1,"b":2,"ü-c":3,"y":1}',
      '{"a":1e39,"b":2,"ü-c":3,"y":1}',
    ])
      expect(scan(Buffer.from(text), out, 0), text).toBeNaN();
    expect(scan(Buffer.from(' {"y" : 2 , "ü-c":-0.5e1,"a":1E2,"b":3, "t":"x", "u":null, "v":false}\n'), out, 0)).toBe(2);
    expect(Array.from(out)).toEqual([100, 2, -5]);
  });
});
