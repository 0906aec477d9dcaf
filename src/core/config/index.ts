export * from './schema.js';
export { DEFAULT_AVERAGING_HORIZON, defaultAveragingHoldoff, loadConfig, parseConfig, type ConfigEnv, type ParseOptions } from './parse.js';
export { problemsFromIssues, throwIfProblems, type ConfigProblem } from './issues.js';
