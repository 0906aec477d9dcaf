import { ConfigError } from '../core/index.js';

/**
 * What `streamtrain init` infers from a sample of decoded records (plain objects, no Kafka): each top-level
 * field's kind, the label and the task. Nothing of the sample is kept: a field's summary holds counts and
 * numeric bounds rounded outward to 2 significant digits, never a value.
 */
export type FieldKind =
  /** Finite numbers; `lo`/`hi` are the observed range rounded outward; `classes` = max + 1 for small non-negative integers. */
  | { readonly kind: 'numeric'; readonly lo: number; readonly hi: number; readonly integer: boolean; readonly distinct: number; readonly binary: boolean }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'categorical'; readonly cardinality: number }
  | { readonly kind: 'vector'; readonly size: number }
  /** Not a feature, with the reason (timestamp-like, nested object, identifier-like, constant, mixed types...). */
  | { readonly kind: 'skipped'; readonly why: string; readonly timestamp?: true };

export interface FieldSummary {
  readonly name: string;
  readonly kind: FieldKind;
  /** Records of the sample where the field is absent or null. */
  readonly missing: number;
}

export type Task =
  | { readonly task: 'classification'; readonly model: 'logistic' | 'softmax'; readonly classes: number; readonly stringLabels: boolean }
  | { readonly task: 'regression'; readonly model: 'linear' };

export interface InferredSpec {
  readonly records: number;
  readonly fields: readonly FieldSummary[];
  readonly label: string;
  readonly task: Task;
}

/** Distinct values tracked per field at most; beyond it a field is "many-valued". */
const DISTINCT_CAP = 4096;
/** A string field with more distinct values than this (or one per record) is identifier-like, not a category. */
const MAX_CATEGORIES = 1000;
/** Integer labels with at most this many values (>= 0) are class indices. */
const MAX_INT_CLASSES = 20;
const MAX_STRING_CLASSES = 100;

const TIME_NAME = /^(ts|time|date|datetime|timestamp|created|updated|.*[_.-](at|ts|time|date|timestamp)|.*[a-z](At|Time|Date|Timestamp))$/i;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
/** Epoch seconds or milliseconds between 2000 and 2100. */
const EPOCH = (v: number) => (v >= 946_684_800 && v <= 4_102_444_800) || (v >= 946_684_800_000 && v <= 4_102_444_800_000);
const LABEL_NAMES = ['label', 'y', 'target', 'class', 'outcome'];

/** A power of two >= 2 x cardinality, between 4 and 1024: few collisions for a hashed categorical field. */
export function hashBuckets(cardinality: number): number {
  let b = 4;
  while (b < 2 * cardinality && b < 1024) b *= 2;
  return b;
}

/** `x` rounded to 2 significant digits, down (`dir` -1) or up (+1); below 1e-300 in size, to 0 or +-1e-300. */
export function roundOut(x: number, dir: -1 | 1): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  if (Math.abs(x) < 1e-300) return dir < 0 ? (x > 0 ? 0 : -1e-300) : x > 0 ? 1e-300 : 0;
  // Decimal strings, not powers of ten, so that no step overflows or loses digits at the ends of the range.
  const exp = Number(x.toExponential().split('e')[1]);
  const step = Number(`1e${exp - 1}`);
  let r = Number(x.toPrecision(2));
  if (dir < 0 && r > x) r = Number((r - step).toPrecision(2));
  if (dir > 0 && r < x) r = Number((r + step).toPrecision(2));
  return r;
}

/** The fixed standardization of a numeric range: its midpoint, and its half-width (the range maps onto [-1, 1]). */
export function scaleOf(lo: number, hi: number): { mean: number; std: number } {
  return { mean: Number(((lo + hi) / 2).toPrecision(12)), std: Number(((hi - lo) / 2).toPrecision(12)) };
}

type Seen = { n: number; types: Set<string>; nums: number[]; distinct: Set<unknown>; lengths: Set<number>; badArray: boolean; iso: number };

/** Summarizes every top-level field of `records` (in offset order within each partition, partitions one after the other). */
export function inferFields(records: readonly Record<string, unknown>[]): FieldSummary[] {
  const seen = new Map<string, Seen>();
  for (const r of records) {
    for (const [name, v] of Object.entries(r)) {
      if (v === null || v === undefined) continue;
      let s = seen.get(name);
      if (!s) seen.set(name, (s = { n: 0, types: new Set(), nums: [], distinct: new Set(), lengths: new Set(), badArray: false, iso: 0 }));
      s.n++;
      const type = Array.isArray(v) ? 'array' : typeof v === 'bigint' ? 'number' : Buffer.isBuffer(v) ? 'bytes' : typeof v;
      s.types.add(type);
      if (type === 'number') s.nums.push(Number(v));
      if (type === 'array') {
        s.lengths.add((v as unknown[]).length);
        if (!(v as unknown[]).every((x) => typeof x === 'number' && Number.isFinite(x))) s.badArray = true;
      } else if (s.distinct.size < DISTINCT_CAP && type !== 'object') s.distinct.add(type === 'number' ? Number(v) : v);
      if (type === 'string' && ISO_DATE.test(v as string)) s.iso++;
    }
  }
  return [...seen].map(([name, s]) => ({ name, kind: kindOf(name, s), missing: records.length - s.n }));
}

function kindOf(name: string, s: Seen): FieldKind {
  const types = [...s.types];
  if (types.length > 1) return { kind: 'skipped', why: `mixed types in the sample (${types.sort().join(', ')})` };
  const type = types[0] as string;
  if (type === 'object')
    return { kind: 'skipped', why: 'nested object: input.features reads top-level fields only (no dotted paths); flatten it upstream to use its parts' };
  if (type === 'boolean') return { kind: 'boolean' };
  if (type === 'array') {
    if (s.badArray) return { kind: 'skipped', why: 'array of non-numbers: only numeric arrays can be a vector' };
    if (s.lengths.size > 1) return { kind: 'skipped', why: 'numeric array of varying length: a vector feature has one fixed size' };
    const size = [...s.lengths][0] as number;
    return size > 0 ? { kind: 'vector', size } : { kind: 'skipped', why: 'always an empty array' };
  }
  if (type === 'string') {
    if (s.iso >= 0.9 * s.n) return { kind: 'skipped', timestamp: true, why: 'timestamp-like (ISO date strings): not a feature, so not in drift checks either' };
    if (TIME_NAME.test(name)) return { kind: 'skipped', timestamp: true, why: 'timestamp-like (its name): not a feature, so not in drift checks either' };
    const card = s.distinct.size;
    if (card <= 1) return { kind: 'skipped', why: 'constant in the sample' };
    if (card > MAX_CATEGORIES || (s.n >= 50 && card >= 0.9 * s.n)) return { kind: 'skipped', why: 'identifier-like: nearly every record has its own value' };
    return { kind: 'categorical', cardinality: card };
  }
  if (type === 'number') {
    const nums = s.nums;
    if (!nums.every(Number.isFinite)) return { kind: 'skipped', why: 'holds non-finite numbers' };
    const integer = nums.every(Number.isInteger);
    if (TIME_NAME.test(name)) return { kind: 'skipped', timestamp: true, why: 'timestamp-like (its name): not a feature, so not in drift checks either' };
    if (integer && nums.every(EPOCH) && increasing(nums))
      return { kind: 'skipped', timestamp: true, why: 'timestamp-like (epoch times increasing with the offset): not a feature, so not in drift checks either' };
    let min = Infinity;
    let max = -Infinity;
    for (const v of nums) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const lo = roundOut(min, -1);
    const hi = roundOut(max, 1);
    if (!Number.isFinite(hi - lo)) return { kind: 'skipped', why: 'range too wide to scale (beyond float64)' };
    if (min === max || lo === hi) return { kind: 'skipped', why: 'constant in the sample' };
    const binary = integer && nums.every((v) => v === 0 || v === 1);
    return { kind: 'numeric', lo, hi, integer, distinct: s.distinct.size, binary };
  }
  return { kind: 'skipped', why: `values of type ${type}` };
}

/** Most consecutive pairs non-decreasing (a partition boundary or two may break the run). */
function increasing(nums: readonly number[]): boolean {
  if (nums.length < 3) return false;
  let up = 0;
  for (let i = 1; i < nums.length; i++) if ((nums[i] as number) >= (nums[i - 1] as number)) up++;
  return up >= 0.9 * (nums.length - 1);
}

/** Fields that could be the label: booleans, numbers, and strings with few values. */
export function labelCandidates(fields: readonly FieldSummary[]): string[] {
  return fields
    .filter((f) => f.kind.kind === 'boolean' || f.kind.kind === 'numeric' || (f.kind.kind === 'categorical' && f.kind.cardinality <= MAX_STRING_CLASSES))
    .map((f) => f.name);
}

/** `--label`, else a field with a usual label name (label, y, target, class, outcome, is_*), else undefined. */
export function proposeLabel(fields: readonly FieldSummary[], given?: string): string | undefined {
  const names = fields.map((f) => f.name);
  if (given !== undefined) {
    if (!names.includes(given))
      throw new ConfigError('--label', `Field \`${given}\` is not in the sampled records; fields seen: ${names.map((n) => `\`${n}\``).join(', ') || 'none'}`);
    return given;
  }
  const usable = new Set(labelCandidates(fields));
  for (const want of LABEL_NAMES) {
    const hit = names.find((n) => n.toLowerCase() === want && usable.has(n));
    if (hit) return hit;
  }
  return names.find((n) => /^is_/i.test(n) && usable.has(n));
}

/** The task the label field implies: binary, multi-class (class indices or names) or regression. */
export function taskOf(label: FieldSummary): Task {
  const k = label.kind;
  if (k.kind === 'boolean') return { task: 'classification', model: 'logistic', classes: 2, stringLabels: false };
  if (k.kind === 'numeric') {
    if (k.binary) return { task: 'classification', model: 'logistic', classes: 2, stringLabels: false };
    // Class indices: small non-negative integers; the model needs max + 1 outputs (hi >= max, rounding up keeps small integers).
    if (k.integer && k.lo >= 0 && k.distinct <= MAX_INT_CLASSES && k.hi < MAX_INT_CLASSES * 5)
      return { task: 'classification', model: 'softmax', classes: Math.max(2, k.hi + 1), stringLabels: false };
    return { task: 'regression', model: 'linear' };
  }
  if (k.kind === 'categorical' && k.cardinality <= MAX_STRING_CLASSES) {
    return { task: 'classification', model: k.cardinality === 2 ? 'logistic' : 'softmax', classes: k.cardinality, stringLabels: true };
  }
  const why = k.kind === 'skipped' ? k.why : k.kind === 'categorical' ? `${k.cardinality} distinct values` : `a ${k.kind}`;
  throw new ConfigError(
    '--label',
    `Field \`${label.name}\` cannot be the label (${why}): a label is a boolean, a number, or a string with at most ${MAX_STRING_CLASSES} values`,
  );
}

/** The sorted distinct string values of the label field: class names, written only on `--label-classes-from-sample`. */
export function sampleLabelClasses(records: readonly Record<string, unknown>[], label: string): string[] {
  return [...new Set(records.map((r) => r[label]).filter((v): v is string => typeof v === 'string'))].sort();
}

/** Infers the whole spec; `chooseLabel` is asked only when neither `--label` nor a usual name decides. */
export async function inferSpec(
  records: readonly Record<string, unknown>[],
  o: { label?: string; chooseLabel?: (candidates: string[]) => Promise<string | undefined> } = {},
): Promise<InferredSpec> {
  if (records.length === 0) throw new ConfigError('--topic', 'No decodable record in the sample: nothing to infer from');
  const fields = inferFields(records);
  let label = proposeLabel(fields, o.label);
  const candidates = labelCandidates(fields);
  if (label === undefined && o.chooseLabel) label = proposeLabel(fields, await o.chooseLabel(candidates));
  if (label === undefined) {
    throw new ConfigError(
      '--label',
      `No field looks like the label (label, y, target, class, outcome, is_*): name it with \`--label FIELD\`; candidates: ${candidates.map((c) => `\`${c}\``).join(', ') || 'none'}`,
    );
  }
  const summary = fields.find((f) => f.name === label) as FieldSummary;
  return { records: records.length, fields, label, task: taskOf(summary) };
}
