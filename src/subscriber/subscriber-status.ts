import type { RolloutArm, RolloutPolicy } from '../core/index.js';
import type { PredictionLogStats } from './prediction-log.js';

/** The rollout state a replica applies (the same on every replica once they have read the same decisions). */
export interface RolloutStatus {
  readonly policy: RolloutPolicy;
  /** The last decision applied. */
  readonly decisionSeq: number;
  /** The major line that answers outside the candidates' shares; absent before any decision (the newest line). */
  readonly champion?: number;
  readonly active?: { readonly id: number; readonly policy: string; readonly arms: RolloutArm[] };
  readonly pin?: { readonly version: string; readonly by: string; readonly reason: string; readonly untilPromote: boolean };
  readonly rejected: number[];
}

/** Requests served by this replica since it started. */
export interface RequestCounters {
  readonly served: number;
  /** Answers by version (major.minor). */
  readonly byVersion: Record<string, number>;
  /** Requests whose candidate failed and the champion answered. */
  readonly fallbacks: number;
  /** Shadow predictions by candidate version: how many predicted another class than the champion, and the mean |difference| of the outputs. */
  readonly shadow: Record<string, { readonly predictions: number; readonly disagreements: number; readonly meanAbsDifference: number }>;
  readonly interleaved: number;
}

/** Versions this replica loaded since it started, and the time it took (from the event, the decision or the start, to the swap). */
export interface LoadCounters {
  readonly loaded: number;
  /** Versions announced or named by a decision that could not be loaded (the current one kept serving). */
  readonly failed: number;
  readonly seconds: number;
  readonly lastSeconds?: number;
}

export interface SubscriberStatus {
  readonly model: string;
  readonly version?: string;
  /** When the trainer wrote `version` (ISO time). */
  readonly versionCreatedAt?: string;
  readonly loads: LoadCounters;
  readonly loaded: string[];
  readonly rollout?: RolloutStatus;
  readonly requests: RequestCounters;
  readonly predictionLog?: PredictionLogStats;
}
