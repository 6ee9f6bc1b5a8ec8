export * from './priority-class.js';
export * from './queue-names.js';
export * from './job.js';
export * from './worker-state.js';
export * from './messages.js';
export * from './redis-keys.js';
export * from './common-env.js';
export * from './load-env.js';
