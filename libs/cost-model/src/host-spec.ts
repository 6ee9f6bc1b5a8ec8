import { BYTES_PER_GIB, gbPerSecond } from './units.js';

/**
 * The machine around the devices (fleet settings, one per host kind): what CPU-resident layers,
 * loads and KV copies run at. These are properties of the host, not of any GPU, so a host
 * bandwidth probe measures them once per machine and a DeviceProfile stores the result.
 */
export interface HostSpec {
  name: string;
  /** Threads used for CPU work when a query names none. */
  threads: number;
  memoryBytes: number;
  /**
   * Bytes of quantized weights one thread streams through llama.cpp's dot products per second.
   * On small hosts this is bounded by the core, not by DRAM, so probe it with a read-and-reduce
   * loop (or a decode of a model much larger than the last-level cache), not with memcpy.
   */
  memoryBandwidthPerThreadBytesPerSecond: number;
  /** The same rate for all threads together: the cap that more threads cannot pass. */
  memoryBandwidthBytesPerSecond: number;
  /** Dense matmul FLOP/s of one thread on quantized weights (prompt processing). */
  flopsPerThreadPerSecond: number;
  /** Sequential read rate of the model store, for cold loads. */
  storageReadBytesPerSecond: number;
  /** Rate at which a load maps and touches a file already in the page cache, for warm loads. */
  pageCacheReadBytesPerSecond: number;
  /** Fixed cost of a load: context creation, graph reservation, buffers. */
  loadSetupMs: number;
  /** Fixed host cost per generated token: batch submission, graph build, the engine's bookkeeping. */
  tokenOverheadMs: number;
  /**
   * The host probe's fixed cost per token at each thread count it measured, in place of
   * tokenOverheadMs for tokens that run on the host's CPU threads (see hostTokenOverheadMs). It
   * holds what a token costs beyond streaming its bytes and the per-block and sampling terms:
   * on a 2-vCPU host, the wait of a llama.cpp thread whose core the process's own threads took.
   */
  measuredTokenOverheadMs?: readonly { threads: number; ms: number }[];
  /** Fixed cost per host-resident block per token: about thirty graph nodes to dispatch. */
  layerOverheadMs: number;
  /** Sampling cost per vocabulary entry per token (logits copy, candidate sort). */
  samplingNsPerVocabEntry: number;
}

/**
 * Defaults: the project's reference machine kind (a 2-vCPU AMD EPYC Zen 3 VM, node-llama-cpp
 * 3.21.1, Q8_0). One thread streams 12 GB/s of Q8_0 weights (about 5 bytes per cycle at 2.45 GHz,
 * core-bound), both together 20 GB/s (the vCPUs do not scale linearly); 70 GFLOP/s per thread in
 * prompt processing; warm loads of the synthetic presets fit 80 ms + bytes / 3 GB/s, the 850 M
 * cold load 1.0 s fits 1 GB/s storage. Replace them with the host probe's figures per host.
 */
export const DEFAULT_HOST_SPEC: HostSpec = {
  name: 'reference 2-vCPU host',
  // The worker's default, physical cores − 1: a second spinning thread loses to any other process.
  threads: 1,
  memoryBytes: 24 * BYTES_PER_GIB,
  memoryBandwidthPerThreadBytesPerSecond: gbPerSecond(12),
  memoryBandwidthBytesPerSecond: gbPerSecond(20),
  flopsPerThreadPerSecond: 70e9,
  storageReadBytesPerSecond: gbPerSecond(1),
  pageCacheReadBytesPerSecond: gbPerSecond(3),
  loadSetupMs: 80,
  tokenOverheadMs: 0.1,
  layerOverheadMs: 0.1,
  samplingNsPerVocabEntry: 2,
};

/** Throws a RangeError unless threads is a positive integer. */
export function assertThreads(threads: number): void {
  if (!Number.isInteger(threads) || threads < 1) {
    throw new RangeError(`threads must be a positive integer (got ${threads})`);
  }
}

/**
 * Fixed cost per token of a decode that runs on `threads` host threads: the probe's figure at that
 * thread count, else at the nearest count below it (the fewest measured when none is below), else
 * tokenOverheadMs.
 */
export function hostTokenOverheadMs(host: HostSpec, threads: number): number {
  const measured = [...(host.measuredTokenOverheadMs ?? [])].sort((a, b) => a.threads - b.threads);
  const first = measured[0];
  if (first === undefined) return host.tokenOverheadMs;
  return measured.filter((m) => m.threads <= threads).at(-1)?.ms ?? first.ms;
}

/** Weight-streaming rate of `threads` threads: linear per thread up to the host's total. */
export function hostBandwidthBytesPerSecond(host: HostSpec, threads: number): number {
  assertThreads(threads);
  return Math.min(
    threads * host.memoryBandwidthPerThreadBytesPerSecond,
    host.memoryBandwidthBytesPerSecond,
  );
}

/**
 * Matmul rate of `threads` threads. Compute scales with threads as far as the bandwidth does:
 * the same ratio of total to per-thread rate caps both (one core's units shared by two vCPUs).
 */
export function hostFlopsPerSecond(host: HostSpec, threads: number): number {
  const scaling =
    hostBandwidthBytesPerSecond(host, threads) / host.memoryBandwidthPerThreadBytesPerSecond;
  return scaling * host.flopsPerThreadPerSecond;
}

/** Rate of a copy within host memory (KV save on a CPU): every byte is read and written. */
export function hostCopyBytesPerSecond(host: HostSpec): number {
  return host.memoryBandwidthBytesPerSecond / 2;
}
