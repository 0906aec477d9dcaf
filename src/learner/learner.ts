import type { ModelSnapshot } from '../core/index.js';
import type { Learner, OnlineLearnerOptions } from './learner-types.js';
import { ModelPool } from './model-pool.js';
import { OnlineLearner } from './online-learner.js';

/** The live model a spec asks for: a pool for `model.type: auto`, else one learner; new, or from a snapshot. */
export function createLearner(opts: OnlineLearnerOptions, snapshot?: ModelSnapshot): Promise<Learner> {
  return opts.spec.type === 'auto' ? ModelPool.create(opts, snapshot) : OnlineLearner.create(opts, snapshot);
}
