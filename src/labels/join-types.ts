import type { LoggedPrediction } from '../core/index.js';
import type { DelaySketchState } from './delay-sketch.js';
import type { OffsetTrackerState } from './offset-tracker.js';

/** A feature record (what was served): its id, event time, position on the feature topic and input row. */
export interface FeatureRecord {
  readonly id: string;
  /** Event timestamp, ms since epoch. */
  readonly timestamp: number;
  readonly partition: number;
  /** Kafka offset, decimal string as kafkajs delivers it. */
  readonly offset: string;
  readonly row: Float32Array;
  /** From a prediction log: what was served for this request; the join passes it on with the example. */
  readonly served?: LoggedPrediction;
}

/** A label record (the outcome): the id of the feature it labels, its event time, position and value. */
export interface LabelRecord {
  readonly id: string;
  readonly timestamp: number;
  readonly partition: number;
  readonly offset: string;
  /** Class index for classifiers, target value for regression. */
  readonly label: number;
}

/** Where a record is: enough to find it on its topic, never its payload. */
export interface RecordCoordinates {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly timestamp: number;
}

/**
 * Why a feature got no label: `watermark` (the labels' watermark from record timestamps passed its deadline),
 * `idle` (the idle clock of a caught-up label partition did), `full` (expired early to bound memory).
 */
export type MissingReason = 'watermark' | 'idle' | 'full';

/** A training example out of the join: the row, its label, and where both came from. */
export interface JoinedExample {
  readonly row: Float32Array;
  readonly label: number;
  readonly feature: RecordCoordinates;
  /** The label record; absent when the label is the configured default. */
  readonly labelFrom?: RecordCoordinates;
  /** Set when the label is the default: why no label was joined. */
  readonly defaulted?: MissingReason;
  /** The feature record's `served`: what the prediction log says was served. */
  readonly served?: LoggedPrediction;
}

/** Why a label record was used for nothing. */
export type UnusedLabelReason = 'late' | 'duplicate' | 'orphaned';

/** A label record used for nothing, for the dead-letter topic: coordinates and reason, never the payload. */
export interface UnusedLabel extends RecordCoordinates {
  readonly reason: UnusedLabelReason;
}

/** What one `take()` hands over; the records involved are done from then on. */
export interface JoinOutput {
  /** Joined and defaulted examples, in the order they were decided. */
  readonly examples: JoinedExample[];
  /** Late labels, when `reportLate` is on. */
  readonly deadLetters: UnusedLabel[];
  /** Feature records dropped for want of a label (`onMissing: drop`). */
  readonly dropped: RecordCoordinates[];
}

/** Counts of effects handed over by `take()` since the join's state began. */
export interface JoinCounters {
  /** Features that got a label. */
  joined: number;
  /** Features that got the default label. */
  defaulted: number;
  /** Features dropped for want of a label. */
  dropped: number;
  /** Of the defaulted or dropped features and the orphaned labels: those expired early because the join was full. */
  evicted: number;
  /** Labels for a feature that had already expired, or outside the time window of a waiting feature of their id. */
  late: number;
  /** Labels for a feature that had already joined an earlier label. */
  duplicates: number;
  /** Labels whose feature never came within the window. */
  orphaned: number;
}

/** The join's settings; `LabelJoin` checks them (the config section does too). */
export interface LabelJoinOptions {
  readonly featureTopic: string;
  readonly labelTopic: string;
  /** A label matches a feature of its id when their timestamps differ by at most this (ms), either way. */
  readonly maxDelayMs: number;
  /** What a feature with no label gets: the default label, or nothing (dropped). */
  readonly onMissing: 'default' | 'drop';
  /** The label of an unlabelled feature with `onMissing: default`. @default 0 */
  readonly defaultLabel?: number;
  /** Waiting records (features and labels together) the join holds at most. */
  readonly maxPending: number;
  /** A caught-up partition's watermark trails the clock by this (ms). */
  readonly idleGraceMs: number;
  /** Report late labels in `take().deadLetters`. @default false */
  readonly reportLate?: boolean;
}

/** Plain JSON: offsets per partition of both topics, counters and the delay sketch. No rows, ids or labels. */
export interface LabelJoinState {
  readonly format: 1;
  readonly features: Readonly<Record<string, OffsetTrackerState>>;
  readonly labels: Readonly<Record<string, OffsetTrackerState>>;
  readonly counters: Readonly<JoinCounters>;
  readonly delays: DelaySketchState;
}

/** Which topic to pause, when the join is full and reading the other one can resolve what waits. */
export type PauseSide = 'features' | 'labels';
