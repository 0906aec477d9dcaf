import type { StreamtrainConfig } from '../core/index.js';
import { ConfigError } from '../core/index.js';

/**
 * The topics a rollout is decided from: the subscribers' prediction log (`rollout.predictionsTopic`, else the
 * trainer's own input when it learns from that log), the labels (`input.labels.topic`) and the decisions topic.
 * @throws ConfigError naming the field to set when either input topic is unknown.
 */
export function rolloutTopics(config: StreamtrainConfig): { predictions: string; labels: string; decisions: string } {
  const predictions = config.rollout.predictionsTopic ?? (config.input.format === 'prediction-log' ? config.kafka.topics[0] : undefined);
  if (!predictions)
    throw new ConfigError(
      'rollout.predictionsTopic',
      "Missing `rollout.predictionsTopic`: name the subscribers' prediction log topic (their `predictionLog.topic`), e.g. `predictionsTopic: predictions`",
    );
  const labels = config.input.labels?.topic;
  if (!labels)
    throw new ConfigError('input.labels', 'A rollout is decided on labelled outcomes: set `input.labels` (the topic the labels arrive on, and its fields)');
  return { predictions, labels, decisions: config.rollout.decisionsTopic };
}
