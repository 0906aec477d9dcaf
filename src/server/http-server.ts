import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../core/index.js';
import type { ServiceStatus } from '../pipeline/index.js';

/**
 * /healthz (200 while leading or standing by, with the role in the body; 503 otherwise), /status (JSON) and /metrics (Prometheus text format) for
 * orchestrators and dashboards. Bound to loopback unless configured otherwise.
 */
export async function startHttpServer(opts: { host: string; port: number; status: () => ServiceStatus; logger: Logger }): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const s = opts.status();
    if (req.url === '/healthz') {
      res.writeHead(s.running ? 200 : 503, { 'content-type': 'text/plain' }).end(s.running ? `ok ${s.role ?? 'leader'}\n` : `${s.role ?? 'stopped'}\n`);
    } else if (req.url === '/status') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(s));
    } else if (req.url === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(prometheus(s));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(opts.port, opts.host, resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://${opts.host}:${port}`;
  opts.logger.child({ module: 'http' }).info({ url }, 'HTTP endpoints up: /healthz /status /metrics');
  return { server, url };
}

export function prometheus(s: ServiceStatus): string {
  const model = `model="${s.model}"`;
  const lines = [
    `# TYPE streamtrain_samples_total counter`,
    `streamtrain_samples_total{${model}} ${s.samplesTotal}`,
    `# TYPE streamtrain_batches_total counter`,
    `streamtrain_batches_total{${model}} ${s.batches}`,
    `# TYPE streamtrain_buffered_records gauge`,
    `streamtrain_buffered_records{${model}} ${s.buffered}`,
    `# TYPE streamtrain_consumer_paused gauge`,
    `streamtrain_consumer_paused{${model}} ${s.paused ? 1 : 0}`,
    `# TYPE streamtrain_consumer_pauses_total counter`,
    `streamtrain_consumer_pauses_total{${model}} ${s.pauses}`,
    `# TYPE streamtrain_dead_letter_total counter`,
    ...Object.entries(s.deadLettered).map(([reason, n]) => `streamtrain_dead_letter_total{${model},reason="${reason}"} ${n}`),
    `# TYPE streamtrain_metric gauge`,
    ...Object.entries(s.metrics)
      .filter(([, v]) => Number.isFinite(v))
      .map(([name, v]) => `streamtrain_metric{${model},name="${name}"} ${v}`),
  ];
  return lines.join('\n') + '\n';
}
