import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * A Prometheus series read from a status object at each scrape: one value, or one value per key of a record (the
 * key becomes the label `label`). A boolean is 1 or 0; undefined or a non-finite number leaves the series out.
 */
export type StatusSeries<S> =
  | { readonly name: string; readonly help: string; readonly type: 'counter' | 'gauge'; readonly value: (s: S) => number | boolean | undefined }
  | {
      readonly name: string;
      readonly help: string;
      readonly type: 'counter' | 'gauge';
      readonly label: string;
      readonly values: (s: S) => Readonly<Record<string, number>>;
    };

/**
 * Registers each series in `registry`, read from `status()` at each scrape (reset, then set; a counter by
 * incrementing from zero), with the labels `labels(status)` (named `labelNames`) on every series.
 */
export function registerStatusSeries<S>(
  registry: Registry,
  series: readonly StatusSeries<S>[],
  status: () => S,
  labelNames: readonly string[],
  labels: (s: S) => Readonly<Record<string, string>>,
): void {
  for (const spec of series) {
    const collect = (metric: Counter | Gauge) => {
      const s = status();
      const own = labels(s);
      metric.reset();
      const put = (extra: Record<string, string>, v: number) => {
        if (!Number.isFinite(v)) return;
        if (metric instanceof Counter) metric.inc({ ...own, ...extra }, v);
        else metric.set({ ...own, ...extra }, v);
      };
      if ('label' in spec) for (const [key, v] of Object.entries(spec.values(s))) put({ [spec.label]: key }, v);
      else {
        const v = spec.value(s);
        if (v !== undefined) put({}, typeof v === 'boolean' ? Number(v) : v);
      }
    };
    const config = { name: spec.name, help: spec.help, labelNames: 'label' in spec ? [...labelNames, spec.label] : [...labelNames], registers: [registry] };
    if (spec.type === 'counter') {
      const c: Counter = new Counter({ ...config, collect: () => collect(c) });
    } else {
      const g: Gauge = new Gauge({ ...config, collect: () => collect(g) });
    }
  }
}
