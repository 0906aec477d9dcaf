import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ObjectStore } from '../checkpoints/index.js';
import { Assets } from './assets.js';
import { MarkLog, SeriesHistory } from './history.js';
import { LineageReader, type Lineage } from './lineage.js';
import { asRecord, samplesPerSecond, statusSeries } from './series.js';

export interface DashboardOptions {
  /** Shown in the page's header and tab. */
  readonly title: string;
  /** The status to show and sample: the service's `ServiceStatus`, or a subscriber's own (any JSON object). */
  readonly status: () => unknown;
  /** Where the model's versions and rollout decisions are; without it the lineage is empty. */
  readonly store?: ObjectStore;
  /** The model whose lineage is shown. @default the status' `model` field */
  readonly model?: string;
  /** @default 1000 */
  readonly sampleEveryMs?: number;
  /** Samples kept (the oldest are dropped). @default 3600 (an hour at one a second) */
  readonly historyLength?: number;
}

export interface Dashboard {
  /** Serves the request if its URL is the dashboard's (`/dashboard`, `/dashboard/...`): true then, false otherwise. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** Stops sampling. */
  stop(): void;
}

/** A lineage read is shared by the requests of this many ms (several open pages, one store listing). */
const LINEAGE_REUSE_MS = 1000;
const MAX_MARKS = 500;

/**
 * A live dashboard to mount in any Node HTTP server: samples `status()` every `sampleEveryMs` into a bounded
 * history (so the charts have a past when the page opens) and serves, under /dashboard,
 *
 * - `/dashboard/` (`/dashboard` redirects there): the page (web/dashboard/index.html; its script and style at
 *   `/dashboard/app.js`, ...; uPlot at `/dashboard/vendor/uplot.js` and `.css`, from the installed package);
 * - `/dashboard/api/status`: `{ seq, at, status }`, the status as of now, numbered so the page can say which
 *   one it shows;
 * - `/dashboard/api/history?since=<ms>`: the samples after `since` as columns (`{ t, series }`, see
 *   SeriesHistory) and the drift marks collected so far;
 * - `/dashboard/api/lineage`: the model's versions with their parents and its rollout decisions (see
 *   LineageReader), `{ versions: [], decisions: [] }` without a store.
 */
export function createDashboard(o: DashboardOptions): Dashboard {
  const history = new SeriesHistory(o.historyLength ?? 3600);
  const marks = new MarkLog(MAX_MARKS);
  const assets = new Assets(o.title);
  const lineageReader = o.store ? new LineageReader(o.store) : undefined;
  let seq = 0;
  let lineage: { at: number; value: Promise<Lineage> } | undefined;

  const sample = () => {
    let status: unknown;
    try {
      status = o.status();
    } catch {
      return; // not started yet: nothing to chart
    }
    const t = Date.now();
    const values = statusSeries(status);
    const previous = history.last();
    const rate = previous && samplesPerSecond(previous.values, values, t - previous.t);
    history.push(t, rate === undefined ? values : { ...values, samplesPerSecond: rate });
    marks.addDrift(asRecord(status)?.decisions);
  };
  sample();
  const timer = setInterval(sample, o.sampleEveryMs ?? 1000);
  timer.unref();

  const modelOf = (): string | undefined => {
    if (o.model) return o.model;
    try {
      const m = asRecord(o.status())?.model;
      return typeof m === 'string' ? m : undefined;
    } catch {
      return undefined;
    }
  };

  const readLineage = (): Promise<Lineage> => {
    const model = modelOf();
    if (!lineageReader || !model) return Promise.resolve({ model: model ?? '', total: 0, versions: [], decisions: [], unreadable: 0 });
    const now = Date.now();
    if (!lineage || now - lineage.at > LINEAGE_REUSE_MS) lineage = { at: now, value: lineageReader.read(model) };
    return lineage.value;
  };

  return {
    handle(req, res) {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const path = url.pathname;
      if (path !== '/dashboard' && !path.startsWith('/dashboard/')) return false;
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return true;
      }
      if (path === '/dashboard') {
        // The page and its files use relative URLs, so the dashboard also works under a proxy's path prefix.
        res.writeHead(302, { location: `dashboard/${url.search}` }).end();
        return true;
      }
      const name = path.slice('/dashboard/'.length);
      if (name === 'api/status') {
        json(res, () => ({ seq: ++seq, at: new Date().toISOString(), status: o.status() }));
      } else if (name === 'api/history') {
        const since = Number(url.searchParams.get('since') ?? NaN);
        json(res, () => ({ ...history.columns(Number.isFinite(since) ? since : undefined), marks: marks.after() }));
      } else if (name === 'api/lineage') {
        readLineage().then(
          (value) => json(res, () => value),
          (err: Error) => res.writeHead(502, { 'content-type': 'text/plain' }).end(`lineage unavailable: ${err.message}\n`),
        );
      } else {
        const asset = assets.get(name);
        if (!asset) res.writeHead(404).end();
        else
          asset.then(
            (a) => res.writeHead(200, { 'content-type': a.type, 'cache-control': 'no-cache' }).end(req.method === 'HEAD' ? undefined : a.body),
            (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${err.message}\n`),
          );
      }
      return true;
    },
    stop() {
      clearInterval(timer);
    },
  };
}

function json(res: ServerResponse, body: () => unknown): void {
  let text: string;
  try {
    text = JSON.stringify(body());
  } catch (err) {
    res.writeHead(500, { 'content-type': 'text/plain' }).end(`${(err as Error).message}\n`);
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(text);
}
