import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { LearnInput } from '../learner/index.js';
import type { BackendChoice, Logger, MetricValues } from '../core/index.js';
import { ServiceUnavailableError } from '../core/index.js';
import type { HostStepResult, LearnerCapture, LearnerHost, LearnerHostOptions, RestoredModel } from './learner-host.js';
import { reviveError, type WorkerMessage, type WorkerRequest } from './worker-protocol.js';

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };
type Request = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

const LEVELS: Record<number, 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

/**
 * The learner on a worker thread. The service's thread keeps consuming and decoding while a batch is learned,
 * which is where the pipeline's throughput comes from on a multi-core machine; batches cross the boundary by
 * transfer (no copy), and the worker's logs come back through the service's logger.
 * If the worker dies, every pending and later call fails with a ServiceUnavailableError.
 */
export class WorkerLearnerHost implements LearnerHost {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private lastMetrics: MetricValues = {};
  private failure?: Error;
  backend = '';

  private constructor(
    private readonly worker: Worker,
    private readonly log: Logger,
  ) {
    worker.on('message', (m: WorkerMessage) => this.onMessage(m));
    worker.on('error', (err) => this.fail(err));
    worker.on('exit', (code) => this.fail(new Error(`learner worker exited with code ${code}`)));
  }

  static async create(options: LearnerHostOptions, logger: Logger, restored?: RestoredModel): Promise<WorkerLearnerHost> {
    const host = new WorkerLearnerHost(spawnWorker(), logger);
    await host.init(options, restored);
    return host;
  }

  /**
   * A worker with its tfjs backend initialized and no model yet: what a standby keeps ready, since starting a
   * worker and its backend takes seconds while building a model from a checkpoint takes milliseconds. With
   * `rehearse` (the live model's options) the worker also builds and trains a throwaway model of that spec
   * once, so that the takeover's build and first steps run warm (several times faster).
   */
  static async warm(backend: BackendChoice, logger: Logger, rehearse?: LearnerHostOptions): Promise<WorkerLearnerHost> {
    const host = new WorkerLearnerHost(spawnWorker(), logger);
    try {
      host.backend = (await host.call({ op: 'warm', backend, logLevel: logger.level, rehearse })) as string;
    } catch (err) {
      await host.worker.terminate();
      throw err;
    }
    return host;
  }

  /** Builds the model in the worker (new, or restored from a checkpoint). Once per host. */
  async init(options: LearnerHostOptions, restored?: RestoredModel): Promise<this> {
    try {
      const ready = (await this.call({ op: 'init', options, logLevel: this.log.level, restored })) as { backend: string; metrics: MetricValues };
      this.backend = ready.backend;
      this.lastMetrics = ready.metrics;
    } catch (err) {
      await this.worker.terminate();
      throw err;
    }
    return this;
  }

  async step(batch: LearnInput, wantMetrics = false, waiting = 0): Promise<HostStepResult> {
    const features = owned(batch.features);
    const labels = owned(batch.labels);
    const transfer = [features.buffer as ArrayBuffer, labels.buffer as ArrayBuffer];
    const logged = batch.logged ? { width: batch.logged.width, values: owned(batch.logged.values) } : undefined;
    if (logged) transfer.push(logged.values.buffer as ArrayBuffer);
    const r = (await this.call(
      { op: 'step', size: batch.size, width: batch.width, features, labels, ...(logged ? { logged } : {}), wantMetrics, waiting },
      transfer,
    )) as HostStepResult;
    if (r.metrics) this.lastMetrics = r.metrics;
    return r;
  }

  metrics(): MetricValues {
    return this.lastMetrics;
  }

  async capture(): Promise<LearnerCapture> {
    return (await this.call({ op: 'capture' })) as LearnerCapture;
  }

  async notePublished(version: string): Promise<void> {
    await this.call({ op: 'published', version });
  }

  async predict(features: Float32Array, size: number): Promise<Float32Array> {
    return (await this.call({ op: 'predict', size, features: features.slice() })) as Float32Array;
  }

  async dispose(): Promise<void> {
    if (this.failure) return;
    try {
      await this.call({ op: 'dispose' });
    } finally {
      this.failure = new ServiceUnavailableError('the learner worker was disposed');
      await this.worker.terminate();
    }
  }

  private call(req: Request, transfer: ArrayBuffer[] = []): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...req, id }, transfer);
    });
  }

  private onMessage(m: WorkerMessage): void {
    if (m.kind === 'log') return this.relog(m.line);
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.ok) p.resolve(m.value);
    else p.reject(reviveError(m.error));
  }

  private relog(line: string): void {
    try {
      const { level, msg, time: _time, pid: _pid, hostname: _host, service: _service, ...fields } = JSON.parse(line) as Record<string, unknown>;
      const name = LEVELS[level as number] ?? 'info';
      this.log[name]({ ...fields, thread: 'learner' }, String(msg ?? ''));
    } catch {
      this.log.warn('unparseable log line from the learner worker');
    }
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = new ServiceUnavailableError(`the learner worker failed: ${err.message}`, { cause: err });
    this.log.error({ err: err.message }, 'learner worker failed');
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }
}

/** A typed array that owns its whole buffer, so the buffer can be transferred without taking anything else. */
function owned(a: Float32Array): Float32Array {
  return a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a : a.slice();
}

/**
 * Compiled, the worker is learner-worker.js next to this file. From the TypeScript sources (tests, tsx) it is the
 * .ts file, loaded through tsx's require hook: on Node 20 the ESM loader hooks of the parent do not reach workers.
 */
function spawnWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./learner-worker.js', import.meta.url));
  const hook = createRequire(import.meta.url).resolve('tsx/cjs');
  const entry = fileURLToPath(new URL('./learner-worker.ts', import.meta.url));
  return new Worker(`require(${JSON.stringify(hook)});\nrequire(${JSON.stringify(entry)});`, { eval: true });
}
