import { ConfigError, describeValue } from '../errors.js';

/**
 * Reads one object of an untrusted config tree, field by field, collecting every problem before failing so a
 * user fixes their file in one pass. Messages follow the form
 * "Expected `batch.size` to be an integer >= 1, got `0`".
 */
export class FieldReader {
  private readonly obj: Record<string, unknown>;

  constructor(
    value: unknown,
    readonly path: string,
    private readonly problems: ConfigProblem[],
  ) {
    if (value === undefined || value === null) {
      this.obj = {};
    } else if (typeof value === 'object' && !Array.isArray(value)) {
      this.obj = value as Record<string, unknown>;
    } else {
      this.obj = {};
      problems.push({ field: path, message: `Expected \`${path || 'config'}\` to be an object, got \`${describeValue(value)}\`` });
    }
  }

  /** Complains about keys the schema does not know: most often a typo the user wants to hear about. */
  rejectUnknown(known: readonly string[]): void {
    for (const key of Object.keys(this.obj)) {
      if (!known.includes(key)) {
        this.problems.push({ field: this.at(key), message: `Unknown field \`${this.at(key)}\`; expected one of ${known.map((k) => `\`${k}\``).join(', ')}` });
      }
    }
  }

  has(key: string): boolean {
    return this.obj[key] !== undefined && this.obj[key] !== null;
  }

  raw(key: string): unknown {
    return this.obj[key];
  }

  child(key: string): FieldReader {
    return new FieldReader(this.obj[key], this.at(key), this.problems);
  }

  list(key: string): FieldReader[] {
    const v = this.obj[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) {
      this.fail(key, 'to be a list', v);
      return [];
    }
    return v.map((item, i) => new FieldReader(item, `${this.at(key)}[${i}]`, this.problems));
  }

  string(key: string, fallback: string): string;
  string(key: string, fallback?: undefined): string | undefined;
  string(key: string, fallback?: string): string | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'string' && v.length > 0) return v;
    this.fail(key, 'to be a non-empty string', v);
    return fallback;
  }

  requiredString(key: string, hint: string): string {
    if (!this.has(key)) {
      this.problems.push({ field: this.at(key), message: `Missing \`${this.at(key)}\`: ${hint}` });
      return '';
    }
    return this.string(key, '');
  }

  stringList(key: string, fallback: string[]): string[] {
    const v = this.obj[key];
    if (v === undefined || v === null) return fallback;
    const items = typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v;
    if (Array.isArray(items) && items.length > 0 && items.every((s) => typeof s === 'string' && s.length > 0)) return items as string[];
    this.fail(key, 'to be a non-empty list of strings', v);
    return fallback;
  }

  oneOf<T extends string>(key: string, choices: readonly T[], fallback: T): T {
    const v = this.obj[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'string' && (choices as readonly string[]).includes(v)) return v as T;
    this.fail(key, `to be one of ${choices.map((c) => `\`${c}\``).join(', ')}`, v);
    return fallback;
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.obj[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'boolean') return v;
    if (v === 'true' || v === 'false') return v === 'true';
    this.fail(key, 'to be true or false', v);
    return fallback;
  }

  int(key: string, fallback: number, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number {
    const v = this.numeric(key);
    if (v === undefined) return fallback;
    if (Number.isInteger(v) && v >= min && v <= max) return v;
    this.fail(key, `to be an integer ${range(min, max)}`, this.obj[key]);
    return fallback;
  }

  optionalInt(key: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number | undefined {
    if (!this.has(key)) return undefined;
    const v = this.int(key, Number.NaN, min, max);
    return Number.isNaN(v) ? undefined : v;
  }

  number(key: string, fallback: number, min = -Infinity, max = Infinity, exclusiveMin = false): number {
    const v = this.numeric(key);
    if (v === undefined) return fallback;
    if (Number.isFinite(v) && (exclusiveMin ? v > min : v >= min) && v <= max) return v;
    this.fail(key, `to be a number ${range(min, max, exclusiveMin)}`, this.obj[key]);
    return fallback;
  }

  optionalNumber(key: string, min = -Infinity, max = Infinity, exclusiveMin = false): number | undefined {
    if (!this.has(key)) return undefined;
    const v = this.number(key, Number.NaN, min, max, exclusiveMin);
    return Number.isNaN(v) ? undefined : v;
  }

  problem(key: string, message: string): void {
    this.problems.push({ field: this.at(key), message });
  }

  at(key: string): string {
    return this.path ? `${this.path}.${key}` : key;
  }

  private numeric(key: string): number | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number') return v;
    if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
    return Number.NaN;
  }

  private fail(key: string, expectation: string, got: unknown): void {
    this.problems.push({ field: this.at(key), message: `Expected \`${this.at(key)}\` ${expectation}, got \`${describeValue(got)}\`` });
  }
}

export interface ConfigProblem {
  readonly field: string;
  readonly message: string;
}

function range(min: number, max: number, exclusiveMin = false): string {
  const lo = min > Number.MIN_SAFE_INTEGER && min > -Infinity;
  const hi = max < Number.MAX_SAFE_INTEGER && max < Infinity;
  if (lo && hi) return `${exclusiveMin ? '>' : '>='} ${min} and <= ${max}`;
  if (lo) return `${exclusiveMin ? '>' : '>='} ${min}`;
  if (hi) return `<= ${max}`;
  return '';
}

/** Throws one ConfigError listing every problem found, the first one's field as `field`. */
export function throwIfProblems(problems: readonly ConfigProblem[], source: string): void {
  if (problems.length === 0) return;
  const first = problems[0] as ConfigProblem;
  const list = problems.map((p) => `  - ${p.message}`).join('\n');
  throw new ConfigError(first.field, `Invalid configuration in ${source}:\n${list}`);
}
