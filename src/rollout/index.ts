export { applyDecision, initialServingState, servingStateOf, type ActiveRollout, type Pin, type ServingState } from './serving-state.js';
