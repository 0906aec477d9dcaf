export * from './schema.js';
export { defaultAveragingHoldoff, loadConfig, parseConfig, type ConfigEnv, type ParseOptions } from './parse.js';
export { FieldReader, throwIfProblems, type ConfigProblem } from './field-reader.js';
