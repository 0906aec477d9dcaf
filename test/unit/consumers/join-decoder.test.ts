import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { JoinRecordDecoder } from '../../../src/consumers/index.js';
import { parseConfig } from '../../../src/core/index.js';

const outcomeSchema = fileURLToPath(new URL('../../fixtures/avro/outcome.avsc', import.meta.url));
const outcome = avro.Type.forSchema(
  JSON.parse(`{"type":"record","name":"Outcome","namespace":"io.example","fields":[{"name":"request_id","type":"string"},{"name":"clicked","type":"int"}]}`),
);

function tree(labels: Record<string, unknown>, input: Record<string, unknown> = {}) {
  return {
    model: { name: 'm' },
    kafka: { topics: ['served'] },
    input: {
      features: [{ field: 'x' }],
      label: { field: 'clicked' },
      labels: { topic: 'outcomes', idField: 'request_id', labelField: 'clicked', maxDelayMs: 1000, ...labels },
      ...input,
    },
  };
}

describe('JoinRecordDecoder: label records', () => {
  it('reads JSON label records by default', async () => {
    const config = parseConfig(tree({}), { env: {} });
    expect(config.input.labels?.format).toBe('json');
    const d = new JoinRecordDecoder({ input: config.input, label: { task: 'classification', classes: 2 } });
    expect(await d.label(Buffer.from(JSON.stringify({ request_id: 'r-9', clicked: 1 })))).toEqual({ id: 'r-9', label: 1 });
  });

  it('reads Avro label records with the schema file, and sends an unreadable one to the dead-letter topic with a reason', async () => {
    const config = parseConfig(tree({ format: 'avro', avroSchemaFile: outcomeSchema }), { env: {} });
    const d = new JoinRecordDecoder({ input: config.input, label: { task: 'classification', classes: 2 } });
    expect(await d.label(outcome.toBuffer({ request_id: 'r-1', clicked: 1 }))).toEqual({ id: 'r-1', label: 1 });
    expect(await d.label(outcome.toBuffer({ request_id: 'r-2', clicked: 0 }))).toEqual({ id: 'r-2', label: 0 });
    // A JSON record on an Avro topic is not a label record: a DecodeError, which becomes a dead-letter entry.
    const err = await d.label(Buffer.from(JSON.stringify({ request_id: 'r-3', clicked: 1 }))).catch((e: unknown) => e);
    const at = { topic: 'outcomes', partition: 0, offset: '4', timestamp: 1 };
    expect(d.rejection(at, err)).toMatchObject({ kind: 'rejected', ...at, reason: 'schema-mismatch' });
    // The feature records stay JSON (input.format).
    expect(await d.feature(Buffer.from(JSON.stringify({ request_id: 'r-1', x: 2 })))).toMatchObject({ id: 'r-1' });
  });

  it('refuses an Avro label topic without a schema or a registry, and a schema file without format avro, naming the fix', () => {
    expect(() => parseConfig(tree({ format: 'avro' }), { env: {} })).toThrow(/input\.labels\.format.*avroSchemaFile.*schemaRegistryUrl/s);
    expect(() => parseConfig(tree({ avroSchemaFile: outcomeSchema }), { env: {} })).toThrow(/input\.labels\.avroSchemaFile.*format: avro/s);
    expect(parseConfig(tree({ format: 'avro' }, { schemaRegistryUrl: 'http://127.0.0.1:8081' }), { env: {} }).input.labels?.format).toBe('avro');
    // A schema file that cannot be read is named by its field when the decoder is built (at start-up).
    const missing = parseConfig(tree({ format: 'avro', avroSchemaFile: '/nonexistent/outcome.avsc' }), { env: {} });
    expect(() => new JoinRecordDecoder({ input: missing.input, label: { task: 'classification', classes: 2 } })).toThrow(
      expect.objectContaining({ field: 'input.labels.avroSchemaFile' }),
    );
  });
});
