export {
  BYTES_PER_GB,
  BYTES_PER_GIB,
  BYTES_PER_MIB,
  MS_PER_SECOND,
  gbPerSecond,
  teraflops,
} from './units.js';
export { BYTES_PER_WEIGHT, bytesPerWeight } from './quantization.js';
export {
  KV_CACHE_ELEMENT_BYTES,
  blockBytes,
  kvBytesPerToken,
  kvBytesPerTokenPerLayer,
  modelSpecFromInfo,
  weightBytes,
  type AttentionShape,
  type ModelSpec,
} from './model-spec.js';
export {
  TYPICAL_MODEL_SHAPES,
  modelSpecFromShape,
  parametersOf,
  shapeForParameters,
  syntheticModelSpec,
  type ModelShape,
  type SyntheticModelOptions,
  type TypicalShapeName,
} from './model-shapes.js';
export { DEFAULT_BATCH_TOKENS, computeBufferBytes } from './compute-buffer.js';
export { assertGpuLayers, maxGpuLayers, residencyOf, type Residency } from './residency.js';
export {
  pcieBytesPerSecond,
  type DeviceSpec,
  type HostMemoryLink,
  type Interconnect,
  type NvlinkHostLink,
  type PcieGeneration,
  type PcieLink,
} from './device-spec.js';
export {
  DEVICE_CATALOG,
  matchCatalogDevice,
  type CatalogDeviceId,
  type DeviceCatalog,
} from './device-catalog.js';
export {
  DEFAULT_HOST_SPEC,
  assertThreads,
  hostBandwidthBytesPerSecond,
  hostCopyBytesPerSecond,
  hostFlopsPerSecond,
  hostTokenOverheadMs,
  type HostSpec,
} from './host-spec.js';
export { DEFAULT_ENGINE_FACTORS, type EngineFactors } from './engine-factors.js';
export {
  DEFAULT_COST_ENVIRONMENT,
  linkBytesPerSecond,
  type CostEnvironment,
  type Placement,
} from './placement.js';
export {
  fits,
  maxGpuLayersThatFit,
  predictMemory,
  type MemoryBudget,
  type MemoryPrediction,
} from './memory-prediction.js';
export {
  decodeBatchExtraMs,
  decodeBreakdown,
  hostBandwidthFromDecode,
  hostDecodeFit,
  predictDecodeTokensPerSecond,
  type DecodeBreakdown,
  type HostDecodeFit,
  type HostDecodeSample,
} from './decode-prediction.js';
export {
  OP_OFFLOAD_MIN_BATCH,
  blockFlopsPerPromptToken,
  blockParameters,
  predictPrefillTokensPerSecond,
  prefillBreakdown,
  type PrefillBreakdown,
} from './prefill-prediction.js';
export {
  loadBreakdown,
  predictLoadMs,
  type CacheState,
  type LoadBreakdown,
} from './load-prediction.js';
export {
  cheapestPreemption,
  combinePreemptionCosts,
  formulaPreemptionComponents,
  predictPreemptionCosts,
  sequenceTokens,
  type PreemptedJob,
  type PreemptionComponents,
  type PreemptionCost,
  type PreemptionCosts,
  type PreemptionPath,
} from './preemption-cost.js';
export {
  offloadCurve,
  offloadSensitivityPerGiB,
  predictOffloadCurve,
  type OffloadCurve,
  type OffloadCurvePoint,
} from './offload-sensitivity.js';
export {
  emptyModelProfile,
  observeInProfile,
  parseDeviceProfile,
  parseModelProfile,
  smooth,
  type BatchDecodeMeasurement,
  type DeviceProfile,
  type LevelMeasurement,
  type Measurement,
  type ModelProfile,
  type ObservedMetric,
  type Profiles,
  type ThreadedMeasurement,
} from './profile.js';
export {
  predictFromSeries,
  type Prediction,
  type PredictionSource,
  type SeriesLookup,
} from './measured-series.js';
export {
  CostModel,
  DEFAULT_SMOOTHING,
  type CostModelOptions,
  type CostModelState,
  type CostQuery,
} from './cost-model.js';
export { UnknownDeviceError } from './unknown-device-error.js';
