export { DelaySketch, type DelaySketchState } from './delay-sketch.js';
export type {
  FeatureRecord,
  JoinCounters,
  JoinedExample,
  JoinOutput,
  LabelJoinOptions,
  LabelJoinState,
  LabelRecord,
  MissingReason,
  PauseSide,
  RecordCoordinates,
  UnusedLabel,
  UnusedLabelReason,
} from './join-types.js';
export { labelJoinOptions } from './join-options.js';
export { LabelJoin } from './label-join.js';
export { stateExcluding, undone, type ExampleTrace } from './state-excluding.js';
export { OffsetTracker, type OffsetTrackerState } from './offset-tracker.js';
export { Watermark, type WatermarkValue } from './watermark.js';
