export { catalogDeviceId } from './catalog-device-id.js';
export { cachedBytes, evictFromPageCache, type PageCacheEviction } from './page-cache.js';
export { countPromptTokens, promptOfTokens } from './prompt-text.js';
export { median, spread } from './statistics.js';
export { CpuLoadMeter, waitForQuiet } from './cpu-load-meter.js';
export { PROBE_MODEL_SHAPE, PROBE_OVERHEAD_MODEL_SHAPE } from './probe-shapes.js';
export {
  HostBandwidthProbe,
  probeHostBandwidth,
  type HostProbeOptions,
  type HostProbePoint,
  type ProbeDecode,
  type HostProbeResult,
} from './host-bandwidth-probe.js';
export {
  PROFILER_MODEL_PREFIX,
  profileModel,
  type BatchDecodeResult,
  type ColdLoadResult,
  type KvResult,
  type LevelResult,
  type ModelMeasurement,
  type ModelProfilerOptions,
  type ProfileTarget,
  type RecomputeResult,
} from './model-profiler.js';
export { buildModelProfile } from './profile-builder.js';
export {
  preemptionBreakdown,
  type Cost,
  type PreemptionBreakdown,
} from './preemption-breakdown.js';
export {
  formatBytes,
  formatMs,
  formatRate,
  formatTable,
  measurementTable,
  preemptionTable,
} from './profile-tables.js';
export { SvgDocument, escapeXml, type SvgAttributes } from './svg-document.js';
export { ChartScale, tickLabel } from './chart-scale.js';
export {
  sensitivityChartSvg,
  type SensitivityChartInput,
  type SensitivityModel,
} from './sensitivity-chart.js';
export { preemptionChartSvg } from './preemption-chart.js';
export {
  measuredCurveChartSvg,
  type CurveSeries,
  type MeasuredCurveChartInput,
  type MeasuredCurvePanel,
} from './measured-curve-chart.js';
export {
  LiveProfileRefresher,
  type LiveProfileOptions,
  type ModelProfileStore,
} from './live-profile-refresher.js';
export { runProfiler, type ProfilerRunOptions, type ProfilerRunResult } from './profiler-run.js';
