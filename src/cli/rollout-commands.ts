import { userInfo, hostname } from 'node:os';
import { ConfigError, createLogger, encodeDecision, loadConfig, parseVersion, type Decision, type TrainingChoice } from '../core/index.js';
import { appendDecision, openStore, readManifest, type DecisionDraft } from '../checkpoints/index.js';
import { createKafka } from '../consumers/index.js';
import { Decider } from '../decider/index.js';
import { defaultInstanceId } from '../pipeline/index.js';

type Action =
  | { readonly kind: 'rollback'; readonly to: string; readonly training: TrainingChoice }
  | { readonly kind: 'pin'; readonly to: string }
  | { readonly kind: 'unpin' };

/**
 * `streamtrain rollback --to 1.7`, `pin 1.7`, `unpin`: writes the decision to the store (the next number, so it
 * is ordered with the decider's) and announces it on the decisions topic; every subscriber of the model serves
 * accordingly as soon as it reads the event. The decision names who made it (user@host) and why.
 */
export async function rolloutCommand(opts: { config: string; reason?: string }, action: Action): Promise<number> {
  const config = loadConfig(opts.config);
  if (config.model.partitionBy)
    throw new ConfigError('model.partitionBy', `\`${action.kind}\` acts on an unkeyed model; a keyed model's versions follow each key's own line`);
  const model = config.model.name;
  const store = openStore(config.checkpoints.store);
  const logger = createLogger({ level: 'warn' });
  try {
    if (action.kind !== 'unpin') {
      if (!parseVersion(action.to)) throw new ConfigError('--to', `Expected a version as major.minor, e.g. 1.7; got \`${action.to}\``);
      await readManifest(store, model, action.to).catch(() => {
        throw new ConfigError(
          '--to',
          `Version ${action.to} of ${model} is not in the store (pruned or never written): \`streamtrain versions -c ${opts.config}\` lists what is`,
        );
      });
    }
    const draft: DecisionDraft = {
      type: action.kind,
      at: new Date().toISOString(),
      by: `${userInfo().username}@${hostname()}`,
      reason: opts.reason ?? `${action.kind} from the command line`,
      arms: [],
      stats: {},
      startOffsets: [],
      ...(action.kind !== 'unpin' ? { version: action.to } : {}),
      ...(action.kind === 'rollback' ? { training: action.training } : {}),
    };
    const decision = (await appendDecision(store, model, draft)) as Decision;
    const kafka = createKafka(config.kafka, logger);
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({ topic: config.rollout.decisionsTopic, messages: [{ key: model, value: encodeDecision(decision) }] });
    } finally {
      await producer.disconnect();
    }
    process.stdout.write(`${model}: decision ${decision.seq} ${decision.type}${decision.version ? ` ${decision.version}` : ''} by ${decision.by}\n`);
    return 0;
  } finally {
    await store.close?.();
  }
}

/** `streamtrain decide --config FILE`: the model's rollout decider, until SIGINT/SIGTERM (one of many instances leads). */
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
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await decider.stop();
  await store.close?.();
  return 0;
}
