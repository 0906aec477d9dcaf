import { createLogger, loadConfig } from '../core/index.js';
import { StreamtrainService } from '../pipeline/index.js';
import { ServiceMetrics, startHttpServer } from '../server/index.js';

/**
 * `streamtrain run --config FILE`: the long-running service. SIGINT/SIGTERM stop it gracefully (drain, last
 * checkpoint, commit); a fatal error exits 1 so a supervisor restarts it from the last durable checkpoint.
 */
export async function runCommand(opts: { config: string; progressSeconds: number }): Promise<number> {
  const config = loadConfig(opts.config);
  const logger = createLogger({ level: config.logLevel });
  // Read at each scrape only, once `service` exists; the service reports its timings to it as they happen.
  const metrics = new ServiceMetrics({ model: config.model.name, status: () => service.status() });
  const service: StreamtrainService = new StreamtrainService({ config, logger, observer: metrics });
  let stopping: Promise<void> | undefined;
  const stop = (signal: string) => {
    logger.info({ signal }, 'signal received');
    stopping ??= service.stop();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  await service.start();
  const http = config.server.port > 0 ? await startHttpServer({ host: config.server.host, port: config.server.port, status: () => service.status(), metrics, logger }) : undefined;
  const progress = setInterval(() => {
    const s = service.status();
    logger.info({ version: s.version, samples: s.samplesTotal, buffered: s.buffered, paused: s.paused, accuracy: s.metrics.accuracy_window, deadLettered: s.deadLettered }, 'progress');
  }, opts.progressSeconds * 1000);
  progress.unref();
  try {
    await service.done;
    await stopping;
    return 0;
  } catch (err) {
    logger.fatal({ err: (err as Error).message }, 'service failed');
    return 1;
  } finally {
    clearInterval(progress);
    http?.server.close();
  }
}
