/**
 * The drift responses around the live model: adapt with its hedge, the challenger race and the average restart,
 * each a unit with `step`, `state` and `restore`, composed by ModelManager, which names the order of a step's
 * phases. Imports core, learner and drift only. This barrel is the only way in.
 */
export { ModelManager, type ManagerState } from './model-manager.js';
export type { ModelManagerOptions } from './live-models.js';
export type { DriftEvent, ManagerEvent } from './events.js';
export { Adapt, type AdaptState, type HedgeState } from './adapt.js';
export { AverageRestart } from './average-restart.js';
export { ChallengerRace, type ChallengerState } from './challenger-race.js';
export { DriftWatch, type Detection, type DetectionState } from './drift-watch.js';
export { DataDriftWatch, type DataDriftSignal, type DataDriftState } from './data-drift-watch.js';
export { ErrorTrend, type ErrorTrendOptions } from './error-trend.js';
export {
  BATCH_MEANS_BLOCKS,
  PairedComparison,
  Race,
  type ComparisonResult,
  type ComparisonState,
  type DropReason,
  type PairedTest,
  type RaceOptions,
  type RaceState,
  type RaceVerdict,
} from './paired-comparison.js';
export { snapshotFromJson, snapshotToJson, type SnapshotJson } from '../learner/index.js';
export { ForgettingGuard, type GuardState } from './forgetting-guard.js';
export { PublishedSnapshots, type VersionSource } from './version-source.js';
