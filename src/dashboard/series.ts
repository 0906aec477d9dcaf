/**
 * The numbers a dashboard charts, read from a status object of any shape (the service's `ServiceStatus`, a
 * subscriber's own): every finite number and boolean (as 1 or 0) in it, nested objects flattened to dotted
 * names (`metrics.accuracy_window`, `labels.pending.features`) up to three levels, arrays skipped. Two derived
 * series: `deadLettered` as one total, and `rollout.share.<major>` for each arm of a rollout that has `arms`.
 */
export type SeriesValues = Record<string, number>;

/** Beyond this many names a status is not charted further (a keyed model's status could hold thousands). */
export const MAX_SERIES = 96;
const MAX_DEPTH = 3;

export function statusSeries(status: unknown): SeriesValues {
  const out: SeriesValues = {};
  flatten(status, '', 1, out);
  const s = asRecord(status);
  const dead = asRecord(s?.deadLettered);
  if (dead) {
    for (const key of Object.keys(out)) if (key.startsWith('deadLettered.')) delete out[key];
    out.deadLettered = Object.values(dead).reduce<number>((n, v) => n + (typeof v === 'number' && Number.isFinite(v) ? v : 0), 0);
  }
  const arms = asRecord(s?.rollout)?.arms;
  if (Array.isArray(arms)) {
    for (const arm of arms) {
      const a = asRecord(arm);
      if (typeof a?.major === 'number' && typeof a.share === 'number' && Number.isFinite(a.share)) out[`rollout.share.${a.major}`] = a.share;
    }
  }
  return out;
}

/**
 * `samplesPerSecond` between two samples of `samplesTotal` taken `dtMs` apart; undefined for the first sample,
 * a zero interval or a counter that went back (a restart).
 */
export function samplesPerSecond(previous: SeriesValues | undefined, current: SeriesValues, dtMs: number): number | undefined {
  const before = previous?.samplesTotal;
  const now = current.samplesTotal;
  if (before === undefined || now === undefined || dtMs <= 0 || now < before) return undefined;
  return ((now - before) * 1000) / dtMs;
}

function flatten(value: unknown, prefix: string, depth: number, out: SeriesValues): void {
  const record = asRecord(value);
  if (!record) return;
  for (const [key, v] of Object.entries(record)) {
    if (Object.keys(out).length >= MAX_SERIES) return;
    const name = prefix + key;
    if (typeof v === 'number') {
      if (Number.isFinite(v)) out[name] = v;
    } else if (typeof v === 'boolean') out[name] = v ? 1 : 0;
    else if (depth < MAX_DEPTH) flatten(v, `${name}.`, depth + 1, out);
  }
}

/** The value as a plain record, or undefined for anything else (arrays included). */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
