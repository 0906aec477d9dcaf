import type { ModelSnapshot } from '../core/index.js';
import { CheckpointIntegrityError } from '../core/index.js';
import { LEARNER_STATE_FORMAT, type LearnerState, type ReadLearnerState, type SavedTensor } from './learner-state.js';
import { readLegacyLearnerState } from './legacy-state.js';

/**
 * Reads a snapshot's learner state: format 2 from `snapshot.learner`; without one, format 1 from the optimizer
 * snapshot's prefixed tensors and config keys. The numbers are checked where they are used (an unreadable
 * average restarts, a selector or standardizer state that does not fit starts over), as before.
 */
export function readLearnerState(snapshot: ModelSnapshot): ReadLearnerState {
  const saved = snapshot.learner;
  if (saved === undefined) return readLegacyLearnerState(snapshot.optimizer);
  const s = saved as Partial<LearnerState> | null;
  if (typeof s !== 'object' || s === null || s.formatVersion !== LEARNER_STATE_FORMAT) {
    throw new CheckpointIntegrityError(
      `learner state format ${String(s?.formatVersion)} is not supported by this version (it reads ${LEARNER_STATE_FORMAT} and 1)`,
    );
  }
  for (const key of ['trained', 'unfolded'] as const) checkWeights(s[key], key);
  for (const key of ['average', 'short'] as const) if (s[key] !== undefined) checkWeights(s[key].weights, `${key}.weights`);
  return { learner: s as LearnerState, optimizer: snapshot.optimizer };
}

function checkWeights(w: unknown, field: string): void {
  if (w === undefined) return;
  const ok =
    Array.isArray(w) &&
    w.every((t: Partial<SavedTensor>) => Array.isArray(t?.shape) && (t.dtype === 'float32' || t.dtype === 'int32') && typeof t.data === 'string');
  if (!ok) throw new CheckpointIntegrityError(`learner state: \`${field}\` is not a list of saved tensors`);
}
