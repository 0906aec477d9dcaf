import { STREAMTRAIN_VERSION, type Logger, type StreamtrainConfig } from '../core/index.js';
import { describeStore, type LoadedCheckpoint } from '../checkpoints/index.js';
import type { ManagerState } from '../adaptation/index.js';
import type { LabelJoinState } from '../labels/index.js';
import { withGuardStore } from './guard-versions.js';
import { LocalLearnerHost, learnerHostOptions, type LearnerHost, type MetricsState, type RestoredModel } from './learner-host.js';
import type { CheckpointerDeps } from './checkpointer.js';
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

/** The checkpointer's settings a config decides: the model, what to keep, and the spec a downstream service reads. */
export function checkpointSettings(config: StreamtrainConfig): Pick<CheckpointerDeps, 'model' | 'keep' | 'modelSpec' | 'streamtrainVersion'> {
  const { model, input } = config;
  return {
    model: model.name,
    keep: config.checkpoints.keep,
    // What a downstream service needs to turn raw records into model inputs, without this config file.
    modelSpec: { model, input: { features: input.features, label: input.label, missing: input.missing } },
    streamtrainVersion: STREAMTRAIN_VERSION,
  };
}

/** The start-up line: where the model comes from (a checkpoint or nothing), the epoch, the backend and the thread. */
export function logModelStart(log: Logger, config: StreamtrainConfig, s: { epoch: number; restored?: LoadedCheckpoint; backend: string }): void {
  const { restored } = s;
  log.info(
    {
      store: describeStore(config.checkpoints.store),
      epoch: s.epoch,
      restored: restored?.manifest.version ?? null,
      samples: restored?.manifest.samples.total ?? 0,
      backend: s.backend,
      thread: config.learner.thread,
    },
    restored ? 'model restored from checkpoint' : 'no checkpoint: starting a new model',
  );
}
