import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { ConfigError, DecodeError } from '../core/index.js';

/** Loads an Avro schema file (`.avsc`), with an error that names the config field. */
export function loadAvroType(path: string, field = 'input.avroSchemaFile'): avro.Type {
  let schema: unknown;
  try {
    schema = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new ConfigError(field, `Cannot read the Avro schema ${path}: expected a JSON .avsc file`, { cause });
  }
  try {
    return avro.Type.forSchema(schema as avro.Schema, { wrapUnions: false });
  } catch (cause) {
    throw new ConfigError(field, `${path} is not a valid Avro schema: ${(cause as Error).message}`, { cause });
  }
}

/** Decodes raw Avro binary (no container, no header) with one fixed writer schema. */
export class AvroDecoder {
  constructor(private readonly type: avro.Type) {}

  decode(bytes: Buffer): Record<string, unknown> {
    return decodeWith(this.type, bytes);
  }
}

export function decodeWith(type: avro.Type | avro.Resolver, bytes: Buffer, reader?: avro.Type): Record<string, unknown> {
  let value: unknown;
  try {
    if (reader) {
      const res = reader.decode(bytes, 0, type as avro.Resolver);
      if (res.offset !== bytes.length)
        throw new DecodeError('schema-mismatch', `Avro value has ${bytes.length - Math.max(res.offset, 0)} trailing or missing bytes for its schema`);
      value = res.value;
    } else {
      const t = type as avro.Type;
      const res = t.decode(bytes, 0);
      if (res.offset !== bytes.length)
        throw new DecodeError('schema-mismatch', `Avro value has ${bytes.length - Math.max(res.offset, 0)} trailing or missing bytes for its schema`);
      value = res.value;
    }
  } catch (err) {
    if (err instanceof DecodeError) throw err;
    throw new DecodeError('undecodable', 'value is not valid Avro for the configured schema');
  }
  if (value === null || typeof value !== 'object') throw new DecodeError('schema-mismatch', 'Avro schema does not describe a record');
  return value as Record<string, unknown>;
}
