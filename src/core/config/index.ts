export * from './schema.js';
export {
  DEFAULT_AVERAGING_HORIZON,
  defaultPool,
  DEFAULT_STANDARDIZE_BY,
  DEFAULT_MAX_KEYS_PER_PARTITION,
  DEFAULT_MAX_LIVE_MODELS,
  defaultAveragingHoldoff,
  loadConfig,
  parseConfig,
  type ConfigEnv,
  type ParseOptions,
} from './parse.js';
export { poolMember, poolMemberName, type PoolMember, type PoolMemberInput } from './sections/model.js';
export { problemsFromIssues, throwIfProblems, type ConfigProblem } from './issues.js';
