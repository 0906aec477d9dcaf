/**
 * A downstream service that serves the model streamtrain trains: it follows the versions topic, hot-reloads
 * every new checkpoint, and answers predictions over HTTP.
 *
 *   npx tsx examples/downstream-service.ts --config examples/streamtrain.yaml --port 8080
 *   curl -s localhost:8080/predict -d '[{"x1": 2.5, "x2": 3.1, "x3": 9.0}]'
 *   curl -s localhost:8080/version
 *   curl -s localhost:8080/metrics      # Prometheus: the version served and its age, loads, requests by version
 *
 * With `--predictions-topic T` each prediction is also logged to Kafka topic T (schemas/prediction.avsc), keyed by
 * the request's `x-request-id` header (one is made up when absent; a record in a batch gets `<id>/<index>`), for
 * a trainer to join with labels later. Features are not logged: that takes `logFeatures: true`.
 *
 * It imports the package by name, as a downstream project would after `npm install streamtrain`; inside this
 * repository tsconfig.json's `paths` maps `streamtrain/*` to src/, so tsc and tsx run it from the sources.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { createKafka, createLogger, loadConfig, ModelSubscriber, openStore, subscriberMetrics } from 'streamtrain/subscriber';

const { values } = parseArgs({
  options: {
    config: { type: 'string', default: 'examples/streamtrain.yaml' },
    port: { type: 'string', default: '8080' },
    'predictions-topic': { type: 'string' },
  },
});
const config = loadConfig(values.config as string);
const logger = createLogger({ level: 'info' });
const subscriber = new ModelSubscriber({
  kafka: createKafka(config.kafka, logger),
  versionsTopic: config.publish.versionsTopic,
  model: config.model.name,
  store: openStore(config.checkpoints.store),
  logger,
  onVersion: (v) => logger.info({ version: v.version, loadMs: Math.round(v.loadMs) }, 'serving new version'),
  ...(values['predictions-topic'] ? { predictionLog: { topic: values['predictions-topic'] } } : {}),
});
await subscriber.start();
const metrics = subscriberMetrics(subscriber, { processMetrics: true });

const server = createServer((req, res) => {
  if (req.url === '/metrics') {
    void metrics.metrics().then((text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text));
    return;
  }
  if (req.url === '/version') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ version: subscriber.version ?? null }));
    return;
  }
  if (req.url !== '/predict' || req.method !== 'POST') {
    res.writeHead(404).end();
    return;
  }
  let body = '';
  req.on('data', (c: Buffer) => (body += c));
  req.on('end', () => {
    try {
      const records = JSON.parse(body) as Record<string, unknown>[];
      if (values['predictions-topic']) {
        const id = req.headers['x-request-id']?.toString() ?? randomUUID();
        const served = records.map((r, i) => subscriber.serveRecord(r, { requestId: records.length === 1 ? id : `${id}/${i}` }));
        const predictions = served.map((s) => Array.from(s.output));
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ requestId: id, versions: served.map((s) => s.version), predictions }));
        return;
      }
      const predictions = Array.from(subscriber.predictRecords(records));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ version: subscriber.version, predictions }));
    } catch (err) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: (err as Error).message }));
    }
  });
});
server.listen(Number(values.port), '127.0.0.1', () => logger.info({ port: values.port }, 'downstream service listening'));
const stop = async () => {
  server.close();
  await subscriber.stop();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
