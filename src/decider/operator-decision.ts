import type { Kafka } from 'kafkajs';
import type { Decision, StreamtrainConfig, TrainingChoice } from '../core/index.js';
import { ConfigError, encodeDecision, parseVersion } from '../core/index.js';
import { appendDecision, readManifest, type DecisionDraft, type ObjectStore } from '../checkpoints/index.js';

/** What an operator decides: serve an earlier version (until `unpin`), hold one version, or follow the lines again. */
export type OperatorAction =
  | { readonly kind: 'rollback'; readonly to: string; readonly training: TrainingChoice }
  | { readonly kind: 'pin'; readonly to: string }
  | { readonly kind: 'unpin' };

/**
 * Writes an operator's decision under the model's next number (ordered with the decider's) and announces it on
 * the decisions topic; every subscriber acts on it when it reads the event.
 * @throws ConfigError when the version is malformed or not in the store (pruned, or never written).
 */
export async function operatorDecision(o: {
  readonly config: StreamtrainConfig;
  readonly store: ObjectStore;
  readonly kafka: Kafka;
  readonly action: OperatorAction;
  readonly by: string;
  readonly reason: string;
}): Promise<Decision> {
  const { config, store, action } = o;
  const model = config.model.name;
  if (action.kind !== 'unpin') {
    if (!parseVersion(action.to)) throw new ConfigError('--to', `Expected a version as major.minor, e.g. 1.7; got \`${action.to}\``);
    await readManifest(store, model, action.to).catch(() => {
      throw new ConfigError('--to', `Version ${action.to} of ${model} is not in the store (pruned, or never written): \`streamtrain versions\` lists what is`);
    });
  }
  const draft: DecisionDraft = {
    type: action.kind,
    at: new Date().toISOString(),
    by: o.by,
    reason: o.reason,
    arms: [],
    stats: {},
    startOffsets: [],
    ...(action.kind !== 'unpin' ? { version: action.to } : {}),
    ...(action.kind === 'rollback' ? { training: action.training } : {}),
  };
  const decision = (await appendDecision(store, model, draft)) as Decision;
  const producer = o.kafka.producer();
  await producer.connect();
  try {
    await producer.send({ topic: config.rollout.decisionsTopic, messages: [{ key: model, value: encodeDecision(decision) }] });
  } finally {
    await producer.disconnect();
  }
  return decision;
}
