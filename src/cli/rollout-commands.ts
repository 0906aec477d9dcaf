import { hostname, userInfo } from 'node:os';
import { ConfigError, createLogger, loadConfig } from '../core/index.js';
import { openStore } from '../checkpoints/index.js';
import { createKafka } from '../consumers/index.js';
import { Decider, operatorDecision, type OperatorAction } from '../decider/index.js';
import { defaultInstanceId } from '../pipeline/index.js';
import { serveDecider } from '../server/index.js';

/**
 * `streamtrain rollback --to 1.7`, `pin 1.7`, `unpin`: the decision goes to the store under the model's next
 * number, then to the decisions topic; every subscriber of the model serves accordingly as soon as it reads the
 * event. The decision names who made it (user@host) and why.
 */
export async function rolloutCommand(opts: { config: string; reason?: string }, action: OperatorAction): Promise<number> {
  const config = loadConfig(opts.config);
  if (config.model.partitionBy)
    throw new ConfigError('model.partitionBy', `\`${action.kind}\` acts on an unkeyed model; a keyed model's versions follow each key's own line`);
  const store = openStore(config.checkpoints.store);
  try {
    const kafka = createKafka(config.kafka, createLogger({ level: 'warn' }));
    const by = `${userInfo().username}@${hostname()}`;
    const d = await operatorDecision({ config, store, kafka, action, by, reason: opts.reason ?? `${action.kind} from the command line` });
    process.stdout.write(`${config.model.name}: decision ${d.seq} ${d.type}${d.version ? ` ${d.version}` : ''} by ${d.by}\n`);
    return 0;
  } finally {
    await store.close?.();
  }
}

/** `streamtrain decide --config FILE`: the model's rollout decider, until SIGINT/SIGTERM (of many instances, one leads). */
export async function decideCommand(opts: { config: string }): Promise<number> {
  const config = loadConfig(opts.config);
  const logger = createLogger({ level: config.logLevel });
  const store = openStore(config.checkpoints.store);
  const decider = new Decider({
    config,
    kafka: createKafka(config.kafka, logger),
    store,
    logger,
    instanceId: config.cluster.instanceId ?? defaultInstanceId(),
  });
  await decider.start();
  const http = config.server.port > 0 ? await serveDecider(decider, store, config.server, logger) : undefined;
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  http?.close();
  await decider.stop();
  await store.close?.();
  return 0;
}
