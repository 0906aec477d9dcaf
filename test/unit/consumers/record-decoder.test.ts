import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type InputConfig } from '../../../src/core/index.js';
import { ChunkBuilder, RecordDecoder, SchemaRegistryDecoder, loadAvroType } from '../../../src/consumers/index.js';

const schemaPath = fileURLToPath(new URL('../../fixtures/avro/sensor.avsc', import.meta.url));

function input(overrides: Record<string, unknown> = {}): InputConfig {
  return parseConfig({
    model: { name: 't' },
    kafka: { topics: ['t'] },
    input: {
      features: [
        { field: 'x1', type: 'numeric' },
        { field: 'x2', type: 'numeric', scale: { mean: 1, std: 2 } },
        { field: 'color', type: 'categorical', values: ['red', 'green'] },
        { field: 'city', type: 'categorical', encoding: 'hash', buckets: 4 },
        { field: 'emb', type: 'vector', size: 2 },
      ],
      label: { field: 'y' },
      ...overrides,
    },
  }).input;
}

const raw = (value: Buffer | null) => ({ topic: 't', partition: 0, offset: '7', timestamp: 1, value });
const json = (o: unknown) => raw(Buffer.from(JSON.stringify(o)));
const good = { x1: 1.5, x2: 3, color: 'green', city: 'Oslo', emb: [0.25, -1], y: 1 };

describe('RecordDecoder (JSON)', () => {
  const decoder = new RecordDecoder({ input: input(), label: { task: 'classification', classes: 2 } });

  it('decodes into chunk rows like decodeSync, and a record rejected halfway leaves nothing in the next row', () => {
    const zeros = new RecordDecoder({ input: input({ missing: 'zero' }), label: { task: 'classification', classes: 2 } });
    const b = new ChunkBuilder('t', 0, decoder.extractor.width, 4);
    const put = (offset: string, o: unknown) => zeros.decodeInto(b, Buffer.from(JSON.stringify(o)), offset, '1');
    put('7', good);
    // Passes x1, x2, color and city, then fails on emb: the row is written halfway and must not leak.
    put('8', { ...good, emb: [1] });
    // Writes nothing but zeros itself: an unseen category, a missing hashed field, a zero vector.
    put('9', { ...good, color: 'blue', city: null, emb: [0, 0], x1: 0, x2: 1 });
    const chunk = b.finish();
    expect(chunk.size).toBe(2);
    expect(chunk.rejected.map((r) => [r.offset, r.reason])).toEqual([['8', 'wrong-size']]);
    expect(chunk.offsets).toEqual(['7', '9']);
    expect([chunk.from, chunk.to]).toEqual([7n, 10n]);
    const one = decoder.decodeSync(json(good));
    expect(one.kind === 'example' && [...one.example.features]).toEqual([...chunk.features.subarray(0, decoder.extractor.width)]);
    expect([...chunk.features.subarray(decoder.extractor.width)].every((v) => v === 0)).toBe(true);
    expect([...chunk.labels]).toEqual([1, 1]);
  });

  it('decodes all-numeric records from their bytes (scanner), leaving nothing of a record it hands back', () => {
    const numeric = new RecordDecoder({
      input: input({
        features: [
          { field: 'x1', type: 'numeric' },
          { field: 'x2', type: 'numeric', scale: { mean: 1, std: 2 } },
        ],
      }),
      label: { task: 'classification', classes: 2 },
    });
    const b = new ChunkBuilder('t', 0, 2, 4);
    const put = (offset: string, text: string) => numeric.decodeInto(b, Buffer.from(text), offset, '1');
    put('1', '{"x1":1.5,"x2":3,"y":1}');
    put('2', '{"x1":"4","x2":5,"y":0}');
    put('3', '{"x2":-1,"x1":0.25,"y":0,"note":"ok"}');
    // Both written whole or in part by the scanner, then rejected (a bad label; not JSON): their row is clear.
    put('4', '{"x1":4,"x2":5,"y":2}');
    put('5', '{"x1":2.5,"x2":7,"y":1');
    const chunk = b.finish();
    expect(chunk.rejected.map((r) => [r.offset, r.reason])).toEqual([
      ['2', 'wrong-type'],
      ['4', 'wrong-type'],
      ['5', 'undecodable'],
    ]);
    expect([...chunk.features]).toEqual([1.5, 1, 0.25, -1]);
    // Each rejected last in its chunk: the whole buffer, as it goes to the learner thread, holds only row 0.
    for (const bad of ['{"x1":4,"x2":5,"y":2}', '{"x1":2.5,"x2":7,"y":1']) {
      const one = new ChunkBuilder('t', 0, 2, 2);
      numeric.decodeInto(one, Buffer.from('{"x1":1.5,"x2":3,"y":1}'), '1', '1');
      numeric.decodeInto(one, Buffer.from(bad), '2', '1');
      expect([...new Float32Array(one.finish().features.buffer)], bad).toEqual([1.5, 1, 0, 0]);
    }
    expect([...chunk.labels.subarray(0, 2)]).toEqual([1, 0]);
  });

  it('builds the input vector: numeric, scaled, one-hot, hashed, vector', () => {
    const r = decoder.decodeSync(json(good));
    expect(r.kind).toBe('example');
    if (r.kind !== 'example') return;
    expect(r.example.features.length).toBe(1 + 1 + 2 + 4 + 2);
    expect(Array.from(r.example.features.slice(0, 4))).toEqual([1.5, 1, 0, 1]);
    expect(r.example.features.slice(4, 8).reduce((a, b) => a + b, 0)).toBe(1);
    expect(Array.from(r.example.features.slice(8))).toEqual([0.25, -1]);
    expect(r.example.label).toBe(1);
    expect(r.example.offset).toBe('7');
  });

  it.each([
    ['undecodable', Buffer.from('{not json')],
    ['undecodable', Buffer.from('[1,2]')],
    ['wrong-type', Buffer.from(JSON.stringify({ ...good, x1: 'abc' }))],
    ['non-finite', Buffer.from(JSON.stringify({ ...good }).replace('1.5', '1e999'))],
    ['non-finite', Buffer.from(JSON.stringify({ ...good, x1: 'NaN' }))],
    ['missing-label', Buffer.from(JSON.stringify({ ...good, y: undefined }))],
    ['wrong-type', Buffer.from(JSON.stringify({ ...good, y: 3 }))],
    ['missing-field', Buffer.from(JSON.stringify({ ...good, x2: undefined }))],
    ['wrong-size', Buffer.from(JSON.stringify({ ...good, emb: [1, 2, 3] }))],
  ])('rejects with reason %s, without echoing the value', (reason, value) => {
    const r = decoder.decodeSync(raw(value));
    expect(r.kind).toBe('rejected');
    if (r.kind !== 'rejected') return;
    expect(r.reason).toBe(reason);
    expect(r.payload).toBeUndefined();
    expect(r.message).not.toContain('abc');
    expect(r.message).not.toContain('Oslo');
  });

  it('rejects a tombstone and keeps the payload only on opt-in', () => {
    expect(decoder.decodeSync(raw(null))).toMatchObject({ kind: 'rejected', reason: 'undecodable' });
    const optIn = new RecordDecoder({ input: input(), label: { task: 'classification', classes: 2 }, keepRejectedPayload: true });
    const r = optIn.decodeSync(raw(Buffer.from('oops')));
    expect(r.kind === 'rejected' && r.payload?.toString()).toBe('oops');
  });

  it('property: any bytes give an example of the right width with finite values, or a rejection; never a throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200, size: 'max' }), (bytes) => {
        const r = decoder.decodeSync(raw(Buffer.from(bytes)));
        if (r.kind === 'example') expect(r.example.features.every(Number.isFinite)).toBe(true);
        else expect(r.reason).toMatch(/undecodable|wrong-type|missing|non-finite|wrong-size/);
      }),
      { numRuns: 500 },
    );
  });

  it('property: any JSON object gives an example or a rejection with a reason; accepted ones are finite', () => {
    const value = fc.oneof(fc.double(), fc.integer(), fc.string(), fc.boolean(), fc.constant(null), fc.array(fc.double(), { maxLength: 3 }));
    fc.assert(
      fc.property(fc.record({ x1: value, x2: value, color: value, city: value, emb: value, y: value }, { requiredKeys: [] }), (obj) => {
        const r = decoder.decodeSync(json(obj));
        if (r.kind === 'example') {
          expect(r.example.features.length).toBe(10);
          expect(r.example.features.every(Number.isFinite)).toBe(true);
          expect([0, 1]).toContain(r.example.label);
        } else {
          expect(r.reason.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('RecordDecoder (Avro)', () => {
  const type = loadAvroType(schemaPath);
  const avroInput = () =>
    parseConfig(
      {
        model: { name: 't' },
        kafka: { topics: ['t'] },
        input: {
          format: 'avro',
          avroSchemaFile: schemaPath,
          features: [{ field: 'x1' }, { field: 'x2' }, { field: 'color', type: 'categorical', values: ['red', 'green'] }],
          label: { field: 'y' },
        },
      },
      { env: {} },
    ).input;

  it('decodes raw Avro and dead-letters a null label and garbage bytes', () => {
    const d = new RecordDecoder({ input: avroInput(), label: { task: 'classification', classes: 2 } });
    const ok = d.decodeSync(raw(type.toBuffer({ x1: 1, x2: 2, color: 'red', y: 0 })));
    expect(ok.kind === 'example' && Array.from(ok.example.features)).toEqual([1, 2, 1, 0]);
    expect(d.decodeSync(raw(type.toBuffer({ x1: 1, x2: 2, color: 'red', y: null })))).toMatchObject({ reason: 'missing-label' });
    expect(d.decodeSync(raw(type.toBuffer({ x1: Number.NaN, x2: 2, color: 'red', y: 1 })))).toMatchObject({ reason: 'non-finite' });
    expect(d.decodeSync(raw(Buffer.from([1, 2, 3])))).toMatchObject({ kind: 'rejected' });
  });

  it('property: any bytes decode or are rejected, never throw', () => {
    const d = new RecordDecoder({ input: avroInput(), label: { task: 'classification', classes: 2 } });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64, size: 'max' }), (bytes) => {
        const r = d.decodeSync(raw(Buffer.from(bytes)));
        if (r.kind === 'example') expect(r.example.features.every(Number.isFinite)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('SchemaRegistryDecoder (Confluent wire format)', () => {
  const writerV1 = avro.Type.forSchema({
    type: 'record',
    name: 'Sensor',
    namespace: 'streamtrain.test',
    fields: [
      { name: 'x1', type: 'double' },
      { name: 'x2', type: 'double' },
      { name: 'color', type: 'string' },
      { name: 'y', type: ['null', 'int'] },
    ],
  });
  let server: Server;
  let url: string;
  let lookups = 0;

  beforeAll(async () => {
    // A minimal registry endpoint on loopback serving GET /schemas/ids/{id}, the one call the decoder makes.
    server = createServer((req, res) => {
      lookups++;
      if (req.url === '/schemas/ids/7') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ schema: JSON.stringify(writerV1.schema()) }));
      } else {
        res.writeHead(404).end('{"error_code":40403}');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const frame = (id: number, body: Buffer) => Buffer.concat([Buffer.from([0]), Buffer.from([id >>> 24, (id >>> 16) & 255, (id >>> 8) & 255, id & 255]), body]);

  it('fetches the writer schema once per id and resolves into the reader schema', async () => {
    const d = new SchemaRegistryDecoder(url, loadAvroType(schemaPath));
    const body = writerV1.toBuffer({ x1: 1, x2: 2, color: 'red', y: 1 });
    expect(await d.decode(frame(7, body))).toEqual({ x1: 1, x2: 2, color: 'red', y: 1 });
    await d.decode(frame(7, body));
    expect(lookups).toBe(1);
  });

  it('rejects an unknown schema id and a frame without the magic byte', async () => {
    const d = new SchemaRegistryDecoder(url);
    await expect(d.decode(frame(99, Buffer.from([0])))).rejects.toMatchObject({ reason: 'unknown-schema' });
    await expect(d.decode(Buffer.from([1, 0, 0, 0, 7, 0]))).rejects.toMatchObject({ reason: 'undecodable' });
  });

  it('treats an unreachable registry as retriable, not as a bad record', async () => {
    const d = new SchemaRegistryDecoder('http://127.0.0.1:1');
    await expect(d.decode(frame(7, Buffer.from([0])))).rejects.toMatchObject({ retriable: true });
  });
});
