export * from './snapshot.js';
export * from './action.js';
export * from './fleet-plan.js';
export * from './lru-policy.js';
export * from './policies.js';
export * from './policy-settings.js';
