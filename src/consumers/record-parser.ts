import { AvroDecoder, loadAvroType } from './avro-decoder.js';
import { decodeJson } from './json-decoder.js';
import { SchemaRegistryDecoder } from './schema-registry.js';

/** Bytes of a record value to the object they hold; a promise when a schema must be fetched from a registry. */
export type RecordParser = (bytes: Buffer) => Record<string, unknown> | Promise<Record<string, unknown>>;

/**
 * How a topic's values become objects: JSON; Avro framed for the Schema Registry at `registryUrl` (the schema
 * file, when given, as the reader schema); or plain Avro of the schema file. `field` names the config field of the
 * schema file in its errors.
 */
export function recordParser(
  format: 'json' | 'avro',
  schemaFile: string | undefined,
  registryUrl: string | undefined,
  field: string,
): { readonly parse: RecordParser; readonly isAsync: boolean } {
  if (format === 'json') return { parse: decodeJson, isAsync: false };
  if (registryUrl) {
    const registry = new SchemaRegistryDecoder(registryUrl, schemaFile ? loadAvroType(schemaFile, field) : undefined);
    return { parse: (b) => registry.decode(b), isAsync: true };
  }
  const avro = new AvroDecoder(loadAvroType(schemaFile as string, field));
  return { parse: (b) => avro.decode(b), isAsync: false };
}
