/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4), for tests: every line must be a
 * HELP, a TYPE or a sample of a declared family, and a histogram's buckets must be cumulative and end at +Inf
 * with its count. Throws on the first line that breaks a rule.
 */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Family {
  readonly name: string;
  type?: string;
  help?: string;
  readonly samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: (-?\\d+))?$`);
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)/y;

export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const family = (name: string) => families.get(name) ?? (families.set(name, { name, samples: [] }).get(name) as Family);
  if (!text.endsWith('\n')) throw new SyntaxError('the exposition must end with a newline');
  text.split('\n').forEach((line, i) => {
    const fail = (why: string) => {
      throw new SyntaxError(`line ${i + 1}: ${why}: ${line}`);
    };
    if (line === '') return;
    const meta = new RegExp(`^# (HELP|TYPE) (${NAME}) (.*)$`).exec(line);
    if (meta) {
      const f = family(meta[2] as string);
      if (meta[1] === 'TYPE') {
        if (f.type !== undefined || f.samples.length) fail('TYPE repeated or after samples');
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(meta[3] as string)) fail('unknown type');
        f.type = meta[3];
      } else f.help = meta[3];
      return;
    }
    if (line.startsWith('#')) return;
    const m = SAMPLE.exec(line);
    if (!m) return fail('not a sample');
    const name = m[1] as string;
    const base = [...families.values()].find(
      (f) => f.name === name || ((f.type === 'histogram' || f.type === 'summary') && ['_bucket', '_sum', '_count'].some((s) => f.name + s === name)),
    );
    if (!base?.type) return fail('sample of an undeclared family');
    const labels: Record<string, string> = {};
    const body = m[2] ?? '';
    LABEL.lastIndex = 0;
    while (LABEL.lastIndex < body.length) {
      const l = LABEL.exec(body);
      if (!l) return fail('bad labels');
      labels[l[1] as string] = (l[2] as string).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    // As Go's ParseFloat reads it: NaN and Inf in any case (prom-client writes "Nan", as Prometheus' docs once did).
    const raw = (m[3] as string).toLowerCase();
    const value = raw === 'nan' ? NaN : /^[+-]?inf$/.test(raw) ? (raw.startsWith('-') ? -Infinity : Infinity) : Number(raw);
    if (raw !== 'nan' && (Number.isNaN(value) || raw.trim() === '')) fail('bad value');
    base.samples.push({ name, labels, value });
  });
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

function checkHistogram(f: Family): void {
  const series = new Map<string, Sample[]>();
  for (const s of f.samples) {
    const { le: _le, ...rest } = s.labels;
    const key = JSON.stringify(rest);
    series.set(key, [...(series.get(key) ?? []), s]);
  }
  for (const [key, samples] of series) {
    const buckets = samples.filter((s) => s.name === `${f.name}_bucket`);
    const count = samples.find((s) => s.name === `${f.name}_count`)?.value;
    for (let i = 1; i < buckets.length; i++)
      if ((buckets[i] as Sample).value < (buckets[i - 1] as Sample).value) throw new SyntaxError(`${f.name}${key}: buckets not cumulative`);
    const last = buckets.at(-1);
    if (last?.labels.le !== '+Inf' || last.value !== count) throw new SyntaxError(`${f.name}${key}: the +Inf bucket must equal the count`);
  }
}

/** The value of the one sample of `name` whose labels include `labels`; throws if there is not exactly one. */
export function sampleValue(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  const found = [...families.values()].flatMap((f) => f.samples).filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length !== 1) throw new RangeError(`${found.length} samples of ${name} ${JSON.stringify(labels)}`);
  return (found[0] as Sample).value;
}
