import { createLogger, loadConfig } from '../core/index.js';
import { openStore } from '../checkpoints/index.js';
import { assertStartable, ClusterMember, KeyedService } from '../pipeline/index.js';
import { ServiceMetrics, startHttpServer } from '../server/index.js';
import { EXIT, exitCodeOf } from './exit-codes.js';

/**
 * `streamtrain run --config FILE`: the long-running service. Any number of instances may run the same config:
 * one leads (learns and publishes), the others stand by and take over when it dies or stops. With
 * `model.partitionBy` the instances share the topic's partitions instead, each learning the keys of its own. SIGINT/SIGTERM
 * stop it gracefully (a leader drains, writes a last checkpoint, commits, then hands the lease over); a fatal
 * error exits 1 so a supervisor restarts it from the last durable checkpoint. Before joining anything it checks
 * the brokers, the source topics, the store and the schema registry, so a wrong setting stops the start within
 * seconds with one message naming it (exit 2 for the config, 3 for a dependency: cli/exit-codes.ts).
 */
export async function runCommand(opts: { config: string; progressSeconds: number }): Promise<number> {
  const config = loadConfig(opts.config);
  const logger = createLogger({ level: config.logLevel });
  await assertStartable(config, logger);
  // Read at each scrape only, once `member` exists; the leading service reports its timings to it as they happen.
  const metrics = new ServiceMetrics({ model: config.model.name, status: () => member.status() });
  // Keyed models spread over instances by partition; one model elects one writer among its instances.
  const member: ClusterMember | KeyedService = config.model.partitionBy
    ? new KeyedService({ config, logger, observer: metrics })
    : new ClusterMember({ config, logger, observer: metrics });
  let stopping: Promise<void> | undefined;
  const stop = (signal: string) => {
    logger.info({ signal }, 'signal received');
    stopping ??= member.stop();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  await member.start();
  // The dashboard's own store client: it only lists and reads manifests and decisions.
  const store = config.server.port > 0 ? openStore(config.checkpoints.store) : undefined;
  const http = store
    ? await startHttpServer({
        host: config.server.host,
        port: config.server.port,
        status: () => member.status(),
        metrics,
        logger,
        store,
        model: config.model.name,
      })
    : undefined;
  const progress = setInterval(() => {
    const s = member.status();
    if (s.role !== 'leader') return;
    logger.info(
      {
        version: s.version,
        samples: s.samplesTotal,
        buffered: s.buffered,
        paused: s.paused,
        accuracy: s.metrics.accuracy_window,
        deadLettered: s.deadLettered,
      },
      'progress',
    );
  }, opts.progressSeconds * 1000);
  progress.unref();
  try {
    await member.done;
    await stopping;
    return EXIT.ok;
  } catch (err) {
    logger.fatal({ err: (err as Error).message }, 'service failed');
    return exitCodeOf(err);
  } finally {
    clearInterval(progress);
    http?.server.close();
    await store?.close?.();
  }
}
