import type { ConsumedRecord, InputConfig, RejectedRecord } from '../core/index.js';
import { DecodeError } from '../core/index.js';
import type { ChunkBuilder } from './chunk-builder.js';
import { FeatureExtractor, type LabelSpec } from './feature-extractor.js';
import { compileJsonRowScanner, type JsonRowScanner } from './json-row-scanner.js';
import { recordParser, type RecordParser } from './record-parser.js';

export interface RawRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly timestamp: number;
  readonly value: Buffer | null;
}

export interface RecordDecoderOptions {
  readonly input: InputConfig;
  readonly label: LabelSpec;
  /** Keep the raw value on rejected records (dead-letter payload opt-in). @default false */
  readonly keepRejectedPayload?: boolean;
}

/**
 * Turns a Kafka record into a training example or a rejection with a reason. Only DecodeError becomes a
 * rejection; anything retriable (a registry outage) propagates so the consumer retries instead of dropping data.
 */
export class RecordDecoder {
  readonly extractor: FeatureExtractor;
  private readonly parse: RecordParser;
  readonly isAsync: boolean;
  /** JSON with an all-numeric spec: rows written straight from the bytes, `parse` only for the rest. */
  private readonly scan?: JsonRowScanner;

  constructor(private readonly options: RecordDecoderOptions) {
    const { input } = options;
    this.extractor = new FeatureExtractor(input, options.label);
    ({ parse: this.parse, isAsync: this.isAsync } = recordParser(
      input.format === 'avro' ? 'avro' : 'json',
      input.avroSchemaFile,
      input.schemaRegistryUrl,
      'input.avroSchemaFile',
    ));
    if (input.format === 'json') this.scan = compileJsonRowScanner(input.features, input.label.field);
  }

  async decode(raw: RawRecord): Promise<ConsumedRecord> {
    try {
      if (raw.value === null) throw new DecodeError('undecodable', 'record has no value (tombstone)');
      const obj = await this.parse(raw.value);
      return this.toExample(raw, obj);
    } catch (err) {
      return this.rejectOrThrow(raw, err);
    }
  }

  /** Synchronous path for JSON and fixed-schema Avro: no promise per record on the hot path. */
  decodeSync(raw: RawRecord): ConsumedRecord {
    try {
      if (raw.value === null) throw new DecodeError('undecodable', 'record has no value (tombstone)');
      return this.toExample(raw, this.parse(raw.value) as Record<string, unknown>);
    } catch (err) {
      return this.rejectOrThrow(raw, err);
    }
  }

  /**
   * Decodes one record of the builder's partition into its next row, or adds it to the builder's rejected
   * records. Takes the record's fields rather than an object (the timestamp as kafkajs gives it, parsed only for
   * a rejection), so the hot path allocates nothing per record.
   */
  decodeInto(out: ChunkBuilder, value: Buffer | null, offset: string, timestamp: string): void {
    try {
      if (value === null) throw new DecodeError('undecodable', 'record has no value (tombstone)');
      if (this.scan) {
        const at = out.size * out.width;
        const raw = this.scan(value, out.features, at);
        // A row the scanner wrote, fully or in part, for a record that is then rejected must not stay behind.
        if (raw !== raw) out.features.fill(0, at, at + out.width);
        else {
          let label: number;
          try {
            label = this.extractor.labelOf(raw);
          } catch (err) {
            out.features.fill(0, at, at + out.width);
            throw err;
          }
          out.accept(label, offset);
          return;
        }
      }
      const obj = this.parse(value) as Record<string, unknown>;
      out.accept(this.extractor.extractInto(obj, out.features, out.size * out.width), offset);
    } catch (err) {
      out.reject(this.rejectOrThrow({ topic: out.topic, partition: out.partition, offset, timestamp: Number(timestamp), value }, err));
    }
  }

  /** As `decodeInto`, for decoders that may wait (the schema registry). */
  async decodeIntoAsync(out: ChunkBuilder, value: Buffer | null, offset: string, timestamp: string): Promise<void> {
    try {
      if (value === null) throw new DecodeError('undecodable', 'record has no value (tombstone)');
      const obj = await this.parse(value);
      out.accept(this.extractor.extractInto(obj, out.features, out.size * out.width), offset);
    } catch (err) {
      out.reject(this.rejectOrThrow({ topic: out.topic, partition: out.partition, offset, timestamp: Number(timestamp), value }, err));
    }
  }

  /**
   * Decodes a record of a keyed model and reads its key from `field` (a string, or a finite number written in
   * decimal). A record without a usable key is rejected with reason `missing-key`.
   */
  async decodeKeyed(raw: RawRecord, field: string): Promise<{ readonly record: ConsumedRecord; readonly key?: string }> {
    try {
      if (raw.value === null) throw new DecodeError('undecodable', 'record has no value (tombstone)');
      const obj = await this.parse(raw.value);
      const k = obj[field];
      const key = typeof k === 'string' && k.length > 0 ? k : typeof k === 'number' && Number.isFinite(k) ? String(k) : undefined;
      if (key === undefined) throw new DecodeError('missing-key', `field \`${field}\` (model.partitionBy) is missing or not a non-empty string or number`);
      return { record: this.toExample(raw, obj), key };
    } catch (err) {
      return { record: this.rejectOrThrow(raw, err) };
    }
  }

  /** Turns a record into a rejection with its reason (for checks made after decoding, e.g. a keyed record's partition). */
  reject(raw: RawRecord, err: DecodeError): RejectedRecord {
    return this.rejectOrThrow(raw, err);
  }

  private toExample(raw: RawRecord, obj: Record<string, unknown>): ConsumedRecord {
    const { features, label } = this.extractor.extract(obj);
    return { kind: 'example', example: { features, label, topic: raw.topic, partition: raw.partition, offset: raw.offset, timestamp: raw.timestamp } };
  }

  private rejectOrThrow(raw: RawRecord, err: unknown): RejectedRecord {
    if (!(err instanceof DecodeError)) throw err;
    return {
      kind: 'rejected',
      topic: raw.topic,
      partition: raw.partition,
      offset: raw.offset,
      timestamp: raw.timestamp,
      reason: err.reason,
      message: err.message,
      ...(this.options.keepRejectedPayload && raw.value ? { payload: raw.value } : {}),
    };
  }
}
