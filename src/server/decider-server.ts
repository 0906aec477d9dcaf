import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../core/index.js';
import type { ObjectStore } from '../checkpoints/index.js';
import { createDashboard } from '../dashboard/index.js';
import type { Decider } from '../decider/index.js';

/** /healthz (200 while leading or standing by), /status (the decider's figures) and /dashboard, on `server.port`. */
export async function serveDecider(decider: Decider, store: ObjectStore, at: { host: string; port: number }, logger: Logger): Promise<Server> {
  const dashboard = createDashboard({ title: `decider ${decider.status().model}`, status: () => decider.status(), store });
  const server = createServer((req, res) => {
    if (req.url === '/healthz') res.writeHead(200, { 'content-type': 'text/plain' }).end(`ok ${decider.status().role}\n`);
    else if (req.url === '/status') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(decider.status()));
    else if (!dashboard.handle(req, res)) res.writeHead(404).end();
  });
  server.once('close', () => dashboard.stop());
  await new Promise<void>((resolve) => server.listen(at.port, at.host, resolve));
  const { port } = server.address() as AddressInfo;
  logger.info({ url: `http://${at.host}:${port}` }, 'HTTP endpoints up: /healthz /status /dashboard');
  return server;
}
