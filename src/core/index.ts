export * from './errors.js';
export * from './types.js';
export * from './config/index.js';
export * from './logger.js';
export * from './version.js';
export * from './events.js';
export * from './decision.js';
