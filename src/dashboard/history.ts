import type { SeriesValues } from './series.js';

/** Series as columns for a chart: times (ms since the epoch) and one value per time for each name (null: absent). */
export interface HistoryColumns {
  readonly t: number[];
  readonly series: Record<string, (number | null)[]>;
}

/** A moment worth a vertical line on the charts: a drift decision of the service, or a rollout decision. */
export interface Mark {
  /** ms since the epoch. */
  readonly t: number;
  readonly kind: 'drift' | 'decision';
  /** Short: the event (`detector`, `challenger-promoted`, ...) or the decision type. */
  readonly label: string;
  readonly detail: string;
}

/**
 * A bounded ring of samples: `push` past `capacity` overwrites the oldest. Samples are kept as given (names may
 * come and go between samples); `columns` aligns them for a chart.
 */
export class SeriesHistory {
  private readonly times: number[] = [];
  private readonly values: SeriesValues[] = [];
  /** Index of the oldest sample once the ring is full. */
  private head = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`history capacity must be a positive integer, got ${capacity}`);
  }

  get size(): number {
    return this.times.length;
  }

  push(t: number, values: SeriesValues): void {
    if (this.times.length < this.capacity) {
      this.times.push(t);
      this.values.push(values);
      return;
    }
    this.times[this.head] = t;
    this.values[this.head] = values;
    this.head = (this.head + 1) % this.capacity;
  }

  /** The most recent sample, if any. */
  last(): { t: number; values: SeriesValues } | undefined {
    if (this.times.length === 0) return undefined;
    const i = (this.head + this.times.length - 1) % this.times.length;
    return { t: this.times[i] as number, values: this.values[i] as SeriesValues };
  }

  /** Samples taken after `since` (ms; all when undefined), oldest first, as columns over every name they hold. */
  columns(since?: number): HistoryColumns {
    const t: number[] = [];
    const rows: SeriesValues[] = [];
    for (let k = 0; k < this.times.length; k++) {
      const i = (this.head + k) % this.times.length;
      const time = this.times[i] as number;
      if (since !== undefined && time <= since) continue;
      t.push(time);
      rows.push(this.values[i] as SeriesValues);
    }
    const names = new Set<string>();
    for (const row of rows) for (const name of Object.keys(row)) names.add(name);
    const series: Record<string, (number | null)[]> = {};
    for (const name of [...names].sort()) series[name] = rows.map((row) => row[name] ?? null);
    return { t, series };
  }
}

/**
 * Drift decisions as the status lists them (`{ at, event, detail }`, since the last version only), collected
 * into a bounded log of marks: each one once, however many samples saw it.
 */
export class MarkLog {
  private readonly marks: Mark[] = [];
  private readonly seen = new Set<string>();

  constructor(readonly capacity: number) {}

  /** Adds the decisions not seen before; entries without a parseable `at` are ignored. */
  addDrift(decisions: unknown): void {
    if (!Array.isArray(decisions)) return;
    for (const d of decisions as unknown[]) {
      if (typeof d !== 'object' || d === null) continue;
      const { at, event, detail } = d as { at?: unknown; event?: unknown; detail?: unknown };
      const t = typeof at === 'string' ? Date.parse(at) : NaN;
      if (!Number.isFinite(t)) continue;
      const label = typeof event === 'string' ? event : 'drift';
      const text = typeof detail === 'string' ? detail : '';
      const key = `${t}|${label}|${text}`;
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      this.marks.push({ t, kind: 'drift', label, detail: text });
    }
    this.marks.sort((a, b) => a.t - b.t);
    while (this.marks.length > this.capacity) {
      const old = this.marks.shift() as Mark;
      this.seen.delete(`${old.t}|${old.label}|${old.detail}`);
    }
  }

  /** Marks after `since` (ms; all when undefined), oldest first. */
  after(since?: number): Mark[] {
    return since === undefined ? [...this.marks] : this.marks.filter((m) => m.t > since);
  }
}
