import {
  DEFAULT_COST_ENVIRONMENT,
  linkBytesPerSecond,
  type CostEnvironment,
  type Placement,
} from './placement.js';
import { residencyOf } from './residency.js';
import { MS_PER_SECOND } from './units.js';

/** Where the file is read from: storage (cold) or the page cache (warm). */
export type CacheState = 'cold' | 'warm';

/** Where the time of one load goes. */
export interface LoadBreakdown {
  /** The whole file, from storage or the page cache. */
  bytesRead: number;
  /** The GPU-resident weights, over the host link. */
  bytesUploaded: number;
  readMs: number;
  uploadMs: number;
  setupMs: number;
  totalMs: number;
}

/**
 * Load time = file bytes / (storage or page-cache bandwidth) + GPU-resident bytes / link
 * bandwidth + the host's fixed setup cost. Reading and uploading are added, not overlapped: a
 * slight overestimate where llama.cpp streams uploads while it reads.
 */
export function loadBreakdown(
  placement: Placement,
  cache: CacheState,
  env: CostEnvironment = DEFAULT_COST_ENVIRONMENT,
): LoadBreakdown {
  const { model, device, gpuLayers } = placement;
  const { host } = env;
  const readBandwidth =
    cache === 'cold' ? host.storageReadBytesPerSecond : host.pageCacheReadBytesPerSecond;
  const bytesUploaded = residencyOf(model, gpuLayers, device.kind).gpuWeightBytes;
  const readMs = (model.fileBytes / readBandwidth) * MS_PER_SECOND;
  const uploadMs =
    bytesUploaded === 0 ? 0 : (bytesUploaded / linkBytesPerSecond(device, env)) * MS_PER_SECOND;
  return {
    bytesRead: model.fileBytes,
    bytesUploaded,
    readMs,
    uploadMs,
    setupMs: host.loadSetupMs,
    totalMs: readMs + uploadMs + host.loadSetupMs,
  };
}

/** Milliseconds to load a placement from storage (cold) or the page cache (warm). */
export function predictLoadMs(
  placement: Placement,
  cache: CacheState,
  env: CostEnvironment = DEFAULT_COST_ENVIRONMENT,
): number {
  return loadBreakdown(placement, cache, env).totalMs;
}
