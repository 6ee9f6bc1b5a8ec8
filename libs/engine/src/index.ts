export * from './engine-types.js';
export * from './llama-engine.js';
export * from './model-not-loaded-error.js';
export * from './no-free-slot-error.js';
export * from './model-busy-error.js';
export * from './context-overflow-error.js';
export {
  DEFAULT_CHECKPOINT_EVERY,
  DEFAULT_PROMPT_CHUNK_SIZE,
  DEFAULT_TOP_K,
} from './generation-run.js';
export * from './prompt-token-counter.js';
