/**
 * Safe rollout, pure TypeScript (no Kafka): the always-valid sequential tests that promote or reject a candidate
 * line, the sticky traffic split, team-draft interleaving, and the decision logic of one rollout. The serving
 * replicas and the decider (Kafka wiring) use this barrel only. docs/rollout.md.
 */
export { DEFAULT_TAU, MAX_ABS_REWARD, type SequentialTestOptions } from './options.js';
export { normalCdf } from './normal-mixture.js';
export { PairedTest, PreferenceTest, TwoSampleTest, VARIANCE_FLOOR_SHARE, type TestState, type TestVerdict } from './sequential-test.js';
export { armFor, bucketOf } from './sticky-split.js';
export { teamDraft, winnerOf, type Interleaving } from './team-draft.js';
export { Guardrails, type GuardrailLimits } from './guardrails.js';
export { RolloutMachine, type RolloutMachineOptions, type RolloutPlan, type Verdict } from './rollout-machine.js';
export { applyDecision, initialServingState, servingStateOf, type ActiveRollout, type Pin, type ServingState } from './serving-state.js';
