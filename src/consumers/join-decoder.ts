import type { InputConfig, LabelsConfig, LoggedPrediction, RejectedRecord } from '../core/index.js';
import { DecodeError } from '../core/index.js';
import { FeatureExtractor, type LabelSpec } from './feature-extractor.js';
import { decodeLoggedFeature } from './prediction-log-decoder.js';
import type { RawRecord } from './record-decoder.js';
import { recordParser, type RecordParser } from './record-parser.js';

/** A feature record of the join: the id of the served prediction and its input row; from a prediction log, what was served. */
export interface DecodedFeature {
  readonly id: string;
  readonly row: Float32Array;
  readonly served?: LoggedPrediction;
}

/** A label record of the join: the id of the feature record it labels, and the label. */
export interface DecodedLabel {
  readonly id: string;
  readonly label: number;
}

export interface JoinDecoderOptions {
  /** `input`, with its `labels` section set. */
  readonly input: InputConfig;
  readonly label: LabelSpec;
}

/**
 * Decodes the two topics of the label join (`input.labels`): a feature record into its id (`idField`) and input
 * row (`input.features`, in `input.format`), or with `input.format: prediction-log` a logged prediction into its
 * `requestId`, logged row and served output (decodeLoggedFeature); a label record (JSON) into the id it refers to (`labelIdField`) and
 * its label (`labelField`, read as `input.label` would be). A record unfit for either ends in a DecodeError with
 * its reason, as in `RecordDecoder`; `rejection` turns it into a dead-letter entry, never with the payload.
 */
export class JoinRecordDecoder {
  readonly width: number;
  private readonly extractor: FeatureExtractor;
  private readonly labelExtractor: FeatureExtractor;
  private readonly labels: LabelsConfig;
  private readonly parse?: RecordParser;
  private readonly parseLabel: RecordParser;

  constructor(options: JoinDecoderOptions) {
    const { input } = options;
    if (!input.labels) throw new TypeError('JoinRecordDecoder needs `input.labels`');
    this.labels = input.labels;
    this.extractor = new FeatureExtractor(input, options.label);
    this.labelExtractor = new FeatureExtractor({ ...input, label: { ...input.label, field: input.labels.labelField } }, options.label);
    this.width = this.extractor.width;
    this.parse =
      input.format === 'prediction-log' ? undefined : recordParser(input.format, input.avroSchemaFile, input.schemaRegistryUrl, 'input.avroSchemaFile').parse;
    this.parseLabel = recordParser(input.labels.format, input.labels.avroSchemaFile, input.schemaRegistryUrl, 'input.labels.avroSchemaFile').parse;
  }

  /** @throws DecodeError when the record is no feature record (the dead-letter reason). */
  async feature(value: Buffer | null): Promise<DecodedFeature> {
    if (value === null) throw new DecodeError('undecodable', 'record has no value (tombstone)');
    if (!this.parse) return decodeLoggedFeature(value, this.width);
    const obj = await this.parse(value);
    return { id: idOf(obj, this.labels.idField), row: this.extractor.features(obj) };
  }

  /** @throws DecodeError when the record is no label record (the dead-letter reason). */
  async label(value: Buffer | null): Promise<DecodedLabel> {
    if (value === null) throw new DecodeError('undecodable', 'record has no value (tombstone)');
    const obj = await this.parseLabel(value);
    return { id: idOf(obj, this.labels.labelIdField), label: this.labelExtractor.labelOf(obj[this.labels.labelField]) };
  }

  /** A dead-letter entry for a record `feature` or `label` refused; anything but a DecodeError is rethrown. */
  rejection(raw: Omit<RawRecord, 'value'>, err: unknown): RejectedRecord {
    if (!(err instanceof DecodeError)) throw err;
    return { kind: 'rejected', ...raw, reason: err.reason, message: err.message };
  }
}

/** The id in `field`: a non-empty string, or a finite number written in decimal. */
function idOf(obj: Record<string, unknown>, field: string): string {
  const v = obj[field];
  if (typeof v === 'string' && v.length > 0) return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  throw new DecodeError('missing-field', `id field \`${field}\` is missing or not a non-empty string or number`);
}
