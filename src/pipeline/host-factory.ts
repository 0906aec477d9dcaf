import type { Logger, StreamtrainConfig } from '../core/index.js';
import type { LoadedCheckpoint } from '../checkpoints/index.js';
import type { ManagerState } from '../adaptation/index.js';
import type { LabelJoinState } from '../labels/index.js';
import { withGuardStore } from './guard-versions.js';
import { LocalLearnerHost, learnerHostOptions, type LearnerHost, type MetricsState, type RestoredModel } from './learner-host.js';
import type { RolloutWatchState } from './rollout-watch.js';
import { WorkerLearnerHost } from './worker-learner-host.js';

/** What a checkpoint's state blob holds for the service. */
export interface SavedState {
  readonly metrics?: Partial<MetricsState>;
  readonly manager?: ManagerState;
  readonly labels?: LabelJoinState;
  readonly rollout?: RolloutWatchState;
}

/** The learner's model as a checkpoint left it (undefined: a new model). */
export function restoredModelOf(c: LoadedCheckpoint | undefined): RestoredModel | undefined {
  if (!c) return undefined;
  const saved = c.state as SavedState | undefined;
  return { snapshot: c.snapshot, state: saved?.manager, metrics: saved?.metrics, version: c.manifest.version };
}

/**
 * A learner host for the config's `learner.thread`: the warm worker a standby prepared when there is one, else a
 * new worker, else the model on this thread.
 */
export async function createLearnerHost(
  config: StreamtrainConfig,
  logger: Logger,
  restored: RestoredModel | undefined,
  warm?: WorkerLearnerHost,
): Promise<LearnerHost> {
  const options = withGuardStore(learnerHostOptions(config), config);
  if (config.learner.thread !== 'worker') return LocalLearnerHost.create(options, logger, restored);
  return warm ? warm.init(options, restored) : WorkerLearnerHost.create(options, logger, restored);
}
