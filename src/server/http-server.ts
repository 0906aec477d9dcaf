import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ObjectStore } from '../checkpoints/index.js';
import type { Logger } from '../core/index.js';
import { createDashboard } from '../dashboard/index.js';
import type { ServiceStatus } from '../pipeline/index.js';
import type { ServiceMetrics } from './metrics.js';

/**
 * /healthz (200 while leading or standing by, with the role in the body; 503 otherwise), /status (JSON) and
 * /metrics (Prometheus text format, from `metrics`' registry) for orchestrators and dashboards, and /dashboard
 * (src/dashboard: the status charted over time, and with `store` the model's lineage and rollout decisions).
 * Bound to loopback unless configured otherwise.
 */
export async function startHttpServer(opts: {
  host: string;
  port: number;
  status: () => ServiceStatus;
  metrics: ServiceMetrics;
  logger: Logger;
  /** The model's checkpoint store, for the dashboard's lineage. */
  store?: ObjectStore;
  /** The model the dashboard shows the lineage of. @default the status' model */
  model?: string;
}): Promise<{ server: Server; url: string }> {
  const dashboard = createDashboard({
    title: opts.model ? `streamtrain ${opts.model}` : 'streamtrain',
    status: opts.status,
    ...(opts.store ? { store: opts.store } : {}),
    ...(opts.model ? { model: opts.model } : {}),
  });
  const server = createServer((req, res) => {
    if (dashboard.handle(req, res)) return;
    const s = opts.status();
    if (req.url === '/healthz') {
      res.writeHead(s.running ? 200 : 503, { 'content-type': 'text/plain' }).end(s.running ? `ok ${s.role ?? 'leader'}\n` : `${s.role ?? 'stopped'}\n`);
    } else if (req.url === '/status') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(s));
    } else if (req.url === '/metrics') {
      opts.metrics.text().then(
        (text) => res.writeHead(200, { 'content-type': opts.metrics.contentType }).end(text),
        (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${err.message}\n`),
      );
    } else {
      res.writeHead(404).end();
    }
  });
  server.on('close', () => dashboard.stop());
  await new Promise<void>((resolve) => server.listen(opts.port, opts.host, resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://${opts.host}:${port}`;
  opts.logger.child({ module: 'http' }).info({ url }, 'HTTP endpoints up: /healthz /status /metrics /dashboard');
  return { server, url };
}
