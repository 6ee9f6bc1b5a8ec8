export * from './redis-connection.js';
export * from './jobs-queue.js';
export * from './message-stream.js';
export * from './worker-registry.js';
export * from './leader-lock.js';
export * from './job-stream.js';
export * from './profile-store.js';
export * from './sla-ledger.js';
