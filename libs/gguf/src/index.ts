export {
  countParameters,
  validateShape,
  GGUF_TENSOR_TYPES,
  type GgufTensorType,
  type SyntheticModelShape,
} from './model-shape.js';
export { MODEL_PRESETS, presetNames, isPresetName, type ModelPresetName } from './model-presets.js';
export { syntheticModelBytes } from './synthetic-layout.js';
export {
  writeSyntheticModel,
  type WriteSyntheticModelOptions,
  type WrittenModel,
} from './synthetic-model-writer.js';
export { readModelInfo, type ModelInfo } from './model-info.js';
export { ModelRegistry, type ModelRegistryScanOptions } from './model-registry.js';
export { ModelNotFoundError } from './model-not-found-error.js';
