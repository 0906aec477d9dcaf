import type { LabelsConfig } from '../core/index.js';
import type { LabelJoinOptions } from './join-types.js';

/** The join's options from the validated `input.labels` section and the feature records' topic (`kafka.topics[0]`). */
export function labelJoinOptions(labels: LabelsConfig, featureTopic: string): LabelJoinOptions {
  return {
    featureTopic,
    labelTopic: labels.topic,
    maxDelayMs: labels.maxDelayMs,
    onMissing: labels.onMissing,
    ...(labels.defaultLabel === undefined ? {} : { defaultLabel: labels.defaultLabel }),
    maxPending: labels.maxPending,
    idleGraceMs: labels.idleGraceMs,
    reportLate: labels.lateToDeadLetter,
  };
}
