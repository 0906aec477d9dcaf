import type { FeatureSpec, InputConfig } from '../core/index.js';
import { DecodeError, inputWidth } from '../core/index.js';

export interface ExtractedExample {
  readonly features: Float32Array;
  readonly label: number;
}

export interface LabelSpec {
  readonly task: 'classification' | 'regression';
  /** Number of classes of the model's output (2 for binary). */
  readonly classes: number;
}

/**
 * Maps a decoded record to the model's input vector and label, following `input.features`. Every way a record
 * can be unfit for training ends in a DecodeError with a reason, which the consumer sends to the dead-letter
 * topic: the model only ever sees finite vectors of the right width and valid labels.
 */
export class FeatureExtractor {
  readonly width: number;
  private readonly oneHotIndex: Map<string, Map<string, number>>;

  /** For an all-numeric spec: writes a row of plain finite numbers, or returns false (the general path decides). */
  private readonly fastRow?: (record: Record<string, unknown>, out: Float32Array, at: number) => boolean;

  constructor(
    private readonly input: Pick<InputConfig, 'features' | 'label' | 'missing'>,
    private readonly label: LabelSpec,
  ) {
    this.width = inputWidth(input.features);
    this.fastRow = compileNumericRow(input.features);
    this.oneHotIndex = new Map(
      input.features.flatMap((f) => (f.type === 'categorical' && f.encoding === 'one-hot' ? [[f.field, new Map(f.values.map((v, i) => [v, i]))]] : [])),
    );
  }

  extract(record: Record<string, unknown>): ExtractedExample {
    return { features: this.features(record), label: this.labelOf(record[this.input.label.field]) };
  }

  /** The input vector alone, for serving records that have no label yet. */
  features(record: Record<string, unknown>): Float32Array {
    const out = new Float32Array(this.width);
    this.writeRow(record, out, 0);
    return out;
  }

  /**
   * Writes the input vector into `out[at, at + width)` and returns the label, with no allocation. The row is
   * cleared first: a record rejected halfway leaves nothing behind for the next one written there.
   */
  extractInto(record: Record<string, unknown>, out: Float32Array, at: number): number {
    out.fill(0, at, at + this.width);
    this.writeRow(record, out, at);
    return this.labelOf(record[this.input.label.field]);
  }

  private writeRow(record: Record<string, unknown>, out: Float32Array, at: number): void {
    if (this.fastRow?.(record, out, at)) return;
    const features = this.input.features;
    for (let i = 0; i < features.length; i++) {
      const f = features[i] as FeatureSpec;
      const raw = record[f.field];
      if (f.type === 'numeric' && typeof raw === 'number') {
        // The common case inline: a finite number that stays finite as float32. Anything else takes the general
        // path below, which rejects it with the right reason.
        out[at] = f.scale ? (raw - f.scale.mean) / f.scale.std : raw;
        if (Number.isFinite(out[at])) {
          at += 1;
          continue;
        }
      }
      at = this.write(f, raw, out, at);
    }
  }

  private write(f: FeatureSpec, raw: unknown, out: Float32Array, at: number): number {
    if (f.type === 'numeric') {
      if (raw === undefined || raw === null) {
        if (this.input.missing === 'zero') return at + 1;
        throw new DecodeError('missing-field', `feature \`${f.field}\` is missing`);
      }
      const v = numeric(raw, f.field);
      const scaled = f.scale ? (v - f.scale.mean) / f.scale.std : v;
      if (!Number.isFinite(Math.fround(scaled))) throw new DecodeError('non-finite', `feature \`${f.field}\` overflows float32`);
      out[at] = scaled;
      return at + 1;
    }
    if (f.type === 'vector') {
      if (raw === undefined || raw === null) throw new DecodeError('missing-field', `feature \`${f.field}\` is missing`);
      if (!Array.isArray(raw) && !ArrayBuffer.isView(raw)) throw new DecodeError('wrong-type', `feature \`${f.field}\` must be an array of ${f.size} numbers`);
      const arr = raw as ArrayLike<unknown>;
      if (arr.length !== f.size) throw new DecodeError('wrong-size', `feature \`${f.field}\` has ${arr.length} values, expected ${f.size}`);
      for (let i = 0; i < f.size; i++) {
        const v = numeric(arr[i], `${f.field}[${i}]`);
        if (!Number.isFinite(Math.fround(v))) throw new DecodeError('non-finite', `feature \`${f.field}[${i}]\` overflows float32`);
        out[at + i] = v;
      }
      return at + f.size;
    }
    const width = f.encoding === 'one-hot' ? f.values.length : f.buckets;
    if (raw === undefined || raw === null) {
      if (this.input.missing === 'zero') return at + width;
      throw new DecodeError('missing-field', `feature \`${f.field}\` is missing`);
    }
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean')
      throw new DecodeError('wrong-type', `feature \`${f.field}\` must be a string, number or boolean category`);
    const key = String(raw);
    if (f.encoding === 'one-hot') {
      const i = this.oneHotIndex.get(f.field)?.get(key);
      // An unseen category is all zeros: new values appear in live streams and must not stop learning.
      if (i !== undefined) out[at + i] = 1;
    } else {
      out[at + (fnv1a(key) % f.buckets)] = 1;
    }
    return at + width;
  }

  /** The label a raw label value stands for (a class index, or the regression target), or a DecodeError. */
  labelOf(raw: unknown): number {
    const field = this.input.label.field;
    if (raw === undefined || raw === null) throw new DecodeError('missing-label', `label \`${field}\` is missing`);
    if (this.label.task === 'regression') return numeric(raw, field);
    const classes = this.input.label.classes;
    if (classes && typeof raw === 'string') {
      const i = classes.indexOf(raw);
      if (i < 0) throw new DecodeError('wrong-type', `label \`${field}\` is not one of the configured classes`);
      return i;
    }
    const v = typeof raw === 'boolean' ? Number(raw) : numeric(raw, field);
    if (!Number.isInteger(v) || v < 0 || v >= this.label.classes) {
      throw new DecodeError('wrong-type', `label \`${field}\` must be a class index in [0, ${this.label.classes - 1}]`);
    }
    return v;
  }
}

/**
 * A row writer specialized to an all-numeric feature spec: one named property load per field (V8 keeps each
 * monomorphic for records of one shape, where a loop over field names is a megamorphic keyed load). It handles
 * only plain finite numbers that stay finite as float32, and returns false on anything else, so every rejection
 * reason still comes from the general path. Field names enter the code only as JSON string literals.
 */
function compileNumericRow(features: readonly FeatureSpec[]): ((record: Record<string, unknown>, out: Float32Array, at: number) => boolean) | undefined {
  if (features.length === 0 || features.length > 256 || !features.every((f) => f.type === 'numeric')) return undefined;
  const lines = features.map((f, i) => {
    const scale = f.type === 'numeric' && f.scale ? `(v - ${JSON.stringify(f.scale.mean)}) / ${JSON.stringify(f.scale.std)}` : 'v';
    return `v = r[${JSON.stringify(f.field)}]; if (typeof v !== 'number') return false; out[at + ${i}] = ${scale}; if (!Number.isFinite(out[at + ${i}])) return false;`;
  });
  return new Function('r', 'out', 'at', `let v;\n${lines.join('\n')}\nreturn true;`) as (
    record: Record<string, unknown>,
    out: Float32Array,
    at: number,
  ) => boolean;
}

/** A JSON number (or Avro double/int/long). Numeric strings are rejected: a type error upstream should surface. */
function numeric(raw: unknown, field: string): number {
  if (typeof raw === 'bigint') return Number(raw);
  if (typeof raw !== 'number') {
    if (typeof raw === 'string' && /^[+-]?(NaN|Infinity|inf)$/i.test(raw.trim())) throw new DecodeError('non-finite', `\`${field}\` is not finite`);
    throw new DecodeError('wrong-type', `\`${field}\` must be a number, got ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw}`);
  }
  if (!Number.isFinite(raw)) throw new DecodeError('non-finite', `\`${field}\` is not finite`);
  return raw;
}

/** 32-bit FNV-1a: a stable, seedless hash for the hashing trick (same bucket in every process and language). */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
