import avro from 'avsc';
import { DecodeError, ServiceUnavailableError } from '../core/index.js';
import { decodeWith } from './avro-decoder.js';

/**
 * Confluent Schema Registry wire format: byte 0 is the magic 0, bytes 1-4 the big-endian schema id, then the
 * Avro binary. The writer schema is fetched once per id (GET /schemas/ids/{id}) and cached; when a reader
 * schema is configured, values are resolved into it (Avro schema evolution).
 * @see https://docs.confluent.io/platform/current/schema-registry/fundamentals/serdes-develop/index.html#wire-format
 */
export class SchemaRegistryDecoder {
  private readonly writers = new Map<number, Promise<avro.Type>>();
  private readonly resolvers = new Map<number, avro.Resolver>();

  constructor(
    private readonly url: string,
    private readonly reader?: avro.Type,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  async decode(bytes: Buffer): Promise<Record<string, unknown>> {
    if (bytes.length < 5 || bytes[0] !== 0)
      throw new DecodeError('undecodable', 'value does not start with the schema registry magic byte 0 and a 4-byte schema id');
    const id = bytes.readUInt32BE(1);
    const writer = await this.writerType(id);
    const body = bytes.subarray(5);
    if (!this.reader) return decodeWith(writer, body);
    let resolver = this.resolvers.get(id);
    if (!resolver) {
      try {
        resolver = this.reader.createResolver(writer);
      } catch {
        throw new DecodeError('schema-mismatch', `writer schema ${id} cannot be resolved into the configured reader schema`);
      }
      this.resolvers.set(id, resolver);
    }
    return decodeWith(resolver, body, this.reader);
  }

  private writerType(id: number): Promise<avro.Type> {
    let p = this.writers.get(id);
    if (!p) {
      p = this.fetchSchema(id);
      this.writers.set(id, p);
      // A failed lookup must not be cached: the registry may be back on the next record.
      p.catch(() => this.writers.delete(id));
    }
    return p;
  }

  private async fetchSchema(id: number): Promise<avro.Type> {
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.url.replace(/\/+$/, '')}/schemas/ids/${id}`, { headers: { accept: 'application/vnd.schemaregistry.v1+json' } });
    } catch (cause) {
      throw new ServiceUnavailableError(`schema registry ${this.url} is unreachable`, { cause });
    }
    if (res.status === 404) throw new DecodeError('unknown-schema', `schema id ${id} is not in the registry`);
    if (!res.ok) throw new ServiceUnavailableError(`schema registry answered ${res.status} for schema id ${id}`);
    const body = (await res.json()) as { schema?: string; schemaType?: string };
    if (body.schemaType && body.schemaType !== 'AVRO') throw new DecodeError('unknown-schema', `schema id ${id} is ${body.schemaType}, not AVRO`);
    try {
      return avro.Type.forSchema(JSON.parse(body.schema ?? ''), { wrapUnions: false });
    } catch {
      throw new DecodeError('unknown-schema', `schema id ${id} is not a valid Avro schema`);
    }
  }
}
