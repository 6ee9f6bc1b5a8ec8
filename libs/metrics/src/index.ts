export * from './process-registry.js';
export * from './metrics-server.js';
export * from './prometheus-text.js';
