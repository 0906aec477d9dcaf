/**
 * Runs the whole streamtrain service (`StreamtrainService`, exactly as `streamtrain run` builds it) over a
 * pre-filled topic and times it from the first delivered Kafka batch until `n` records are learned.
 *
 * The first-batch time comes from wrapping the consumer's `eachBatch` handler of the injected kafkajs client:
 * one timestamp on the first call, nothing else, so start-up (checkpoint lookup, initial version, group join)
 * is excluded the same way as for the bare consumer.
 */
import { performance as perf } from 'node:perf_hooks';
import type { Consumer, ConsumerRunConfig, Kafka } from 'kafkajs';
import type { Logger, StreamtrainConfig } from '../../src/core/index.js';
import { createKafka, StreamtrainService, type ServiceStatus } from '../../src/pipeline/index.js';
import { sleep } from './progress.js';

export interface ServiceRun {
  readonly records: number;
  /** From the first delivered batch until `n` records were learned. */
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly completed: boolean;
  /** Process CPU (user + system) over the same interval, seconds. */
  readonly cpuSeconds: number;
  readonly startupSeconds: number;
  readonly stopSeconds: number;
  /** Head version at the end of the timed interval, e.g. `1.20` (the initial `1.0` plus 20 publications). */
  readonly version?: string;
  readonly backend?: string;
  readonly batches: number;
  readonly paused: boolean;
  /** Backpressure pauses of the consumer during the run. */
  readonly pauses: number;
  /** Share of the timed interval the event loop was busy (1 = the main thread never waited). */
  readonly eventLoopUtilization: number;
}

export interface ServiceRunOptions {
  readonly config: StreamtrainConfig;
  readonly logger: Logger;
  readonly n: number;
  readonly timeoutMs: number;
  /**
   * Fixed poll interval of `status()`. By default the interval adapts: long while far from `n` (status() computes
   * the live metrics, which is not free), 5 ms near the end, so the end time is known within a few ms.
   */
  readonly pollMs?: number;
  /** Called on every poll (progress, memory samples); may be async. */
  readonly onPoll?: (status: ServiceStatus) => void | Promise<void>;
}

function withFirstBatchClock(kafka: Kafka, onFirst: () => void): Kafka {
  const consumer = kafka.consumer.bind(kafka);
  kafka.consumer = (cfg) => {
    const c: Consumer = consumer(cfg);
    const run = c.run.bind(c);
    c.run = (opts?: ConsumerRunConfig) => {
      const each = opts?.eachBatch;
      return run(each ? { ...opts, eachBatch: (p) => (onFirst(), each(p)) } : opts);
    };
    return c;
  };
  return kafka;
}

export async function runService(o: ServiceRunOptions): Promise<ServiceRun> {
  let first: number | undefined;
  let cpuAtFirst: NodeJS.CpuUsage | undefined;
  let eluAtFirst: ReturnType<typeof perf.eventLoopUtilization> | undefined;
  const kafka = withFirstBatchClock(createKafka(o.config.kafka, o.logger), () => {
    if (first !== undefined) return;
    first = performance.now();
    cpuAtFirst = process.cpuUsage();
    eluAtFirst = perf.eventLoopUtilization();
  });
  const service = new StreamtrainService({ config: o.config, logger: o.logger, kafka });
  const t0 = performance.now();
  await service.start();
  const startupSeconds = (performance.now() - t0) / 1000;
  const deadline = performance.now() + o.timeoutMs;
  let status = service.status();
  let end = performance.now();
  let last = { at: end, samples: 0 };
  try {
    while (status.samplesTotal < o.n && performance.now() < deadline) {
      const rate = (status.samplesTotal - last.samples) / Math.max(1e-3, (end - last.at) / 1000);
      last = { at: end, samples: status.samplesTotal };
      const eta = rate > 0 ? ((o.n - status.samplesTotal) / rate) * 1000 : 250;
      await sleep(o.pollMs ?? Math.min(250, Math.max(5, eta / 3)));
      status = service.status();
      end = performance.now();
      await o.onPoll?.(status);
    }
  } catch (err) {
    await service.stop().catch(() => undefined);
    throw err;
  }
  const cpu = cpuAtFirst ? process.cpuUsage(cpuAtFirst) : { user: 0, system: 0 };
  const elu = eluAtFirst ? perf.eventLoopUtilization(eluAtFirst).utilization : Number.NaN;
  const seconds = first === undefined ? 0 : (end - first) / 1000;
  const t1 = performance.now();
  await service.stop();
  const stopSeconds = (performance.now() - t1) / 1000;
  return {
    records: status.samplesTotal,
    seconds,
    eventsPerSecond: seconds > 0 ? status.samplesTotal / seconds : 0,
    completed: status.samplesTotal >= o.n,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    startupSeconds,
    stopSeconds,
    version: status.version,
    backend: status.backend,
    batches: status.batches,
    paused: status.paused,
    pauses: status.pauses,
    eventLoopUtilization: elu,
  };
}
