/**
 * Entry point of the learner worker thread: a LocalLearnerHost driven by messages from WorkerLearnerHost.
 * Requests are handled strictly one after another, so replies keep the order of the calls.
 */
import { Writable } from 'node:stream';
import { parentPort } from 'node:worker_threads';
import { createLogger, ServiceUnavailableError, type Logger } from '../core/index.js';
import { selectBackend } from '../learner/index.js';
import { LocalLearnerHost, type LearnerHostOptions } from './learner-host.js';
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
    const backend = await selectBackend(req.backend, logger);
    if (req.rehearse) await rehearse(req.rehearse);
    return { value: backend };
  }
  if (req.op === 'init') {
    logger ??= workerLogger(req.logLevel);
    host = await LocalLearnerHost.create(req.options, logger, req.restored);
    return { value: { backend: host.backend, metrics: host.metrics() } };
  }
  if (!host) throw new ServiceUnavailableError(`learner worker got '${req.op}' before 'init'`);
  switch (req.op) {
    case 'step':
      return {
        value: await host.step(
          { size: req.size, width: req.width, features: req.features, labels: req.labels, ...(req.logged ? { logged: req.logged } : {}) },
          req.wantMetrics,
          req.waiting,
        ),
      };
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

/**
 * Builds a throwaway model of the live model's spec, learns one small batch with it, captures it and disposes
 * of it: the first build and the first steps of a model are several times slower than the next ones (kernels,
 * compiled code), and a standby pays for them here rather than during a takeover. Nothing of it is kept.
 */
async function rehearse(options: LearnerHostOptions): Promise<void> {
  const quiet = workerLogger('warn');
  try {
    const rows = 32;
    const features = new Float32Array(rows * options.inputWidth);
    const labels = new Float32Array(rows);
    for (let i = 0; i < rows; i++) labels[i] = i % 2;
    for (let i = 0; i < features.length; i++) features[i] = (i % 7) / 7;
    const rehearsal = await LocalLearnerHost.create(options, quiet);
    try {
      await rehearsal.step({ size: rows, width: options.inputWidth, features, labels });
      await rehearsal.capture();
    } finally {
      await rehearsal.dispose();
    }
  } catch (err) {
    quiet.warn({ err: (err as Error).message }, 'the learner rehearsal failed; a takeover builds the model cold');
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
