export { Decider, type DeciderOptions, type DeciderStatus } from './decider.js';
export { OutcomeJoin, type Outcome, type OutcomeJoinOptions } from './outcome-join.js';
export { OutcomeScorer, rewardOf } from './outcome-scorer.js';
export { rolloutTopics } from './rollout-topics.js';
export { operatorDecision, type OperatorAction } from './operator-decision.js';
