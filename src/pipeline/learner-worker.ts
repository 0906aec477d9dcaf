/**
 * Entry point of the learner worker thread: a LocalLearnerHost driven by messages from WorkerLearnerHost.
 * Requests are handled strictly one after another, so replies keep the order of the calls.
 */
import { Writable } from 'node:stream';
import { parentPort } from 'node:worker_threads';
import { createLogger, ServiceUnavailableError, type Logger } from '../core/index.js';
import { selectBackend } from '../learner/index.js';
import { LocalLearnerHost } from './learner-host.js';
import { serializeError, type WorkerMessage, type WorkerRequest } from './worker-protocol.js';

const port = parentPort;
if (!port) throw new ServiceUnavailableError('learner-worker runs as a worker thread of the streamtrain service');

const post = (m: WorkerMessage, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
let host: LocalLearnerHost | undefined;
let logger: Logger | undefined;
let queue: Promise<void> = Promise.resolve();

/** Log lines go to the service, which writes them through its own logger (and its redaction). */
function workerLogger(level: string): Logger {
  return createLogger({ level, destination: new Writable({ write: (chunk, _enc, cb) => (post({ kind: 'log', line: String(chunk) }), cb()) }) });
}

async function handle(req: WorkerRequest): Promise<{ value: unknown; transfer?: ArrayBuffer[] }> {
  if (req.op === 'warm') {
    // A standby's worker: the backend is chosen and initialized now, so a takeover only builds the model.
    logger ??= workerLogger(req.logLevel);
    return { value: await selectBackend(req.backend, logger) };
  }
  if (req.op === 'init') {
    logger ??= workerLogger(req.logLevel);
    host = await LocalLearnerHost.create(req.options, logger, req.restored);
    return { value: { backend: host.backend, metrics: host.metrics() } };
  }
  if (!host) throw new ServiceUnavailableError(`learner worker got '${req.op}' before 'init'`);
  switch (req.op) {
    case 'step':
      return { value: await host.step({ size: req.size, width: req.width, features: req.features, labels: req.labels }, req.wantMetrics) };
    case 'capture':
      return { value: await host.capture() };
    case 'published':
      return { value: await host.notePublished(req.version) };
    case 'predict': {
      const out = await host.predict(req.features, req.size);
      return { value: out, transfer: [out.buffer as ArrayBuffer] };
    }
    case 'dispose':
      await host.dispose();
      host = undefined;
      return { value: undefined };
  }
}

port.on('message', (req: WorkerRequest) => {
  queue = queue.then(async () => {
    try {
      const { value, transfer } = await handle(req);
      post({ kind: 'reply', id: req.id, ok: true, value }, transfer);
    } catch (err) {
      post({ kind: 'reply', id: req.id, ok: false, error: serializeError(err) });
    }
  });
});
