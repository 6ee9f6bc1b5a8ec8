import { mkdir } from 'node:fs/promises';
import type { DeviceProfile, ModelProfile, Profiles } from '#switchyard/cost-model';
import { LlamaEngine, type EngineOptions } from '#switchyard/engine';
import { catalogDeviceId } from './catalog-device-id.js';
import { waitForQuiet } from './cpu-load-meter.js';
import { HostBandwidthProbe, type HostProbeResult } from './host-bandwidth-probe.js';
import {
  profileModel,
  type ModelMeasurement,
  type ModelProfilerOptions,
  type ProfileTarget,
} from './model-profiler.js';
import { buildModelProfile } from './profile-builder.js';

/** A whole profiling session: which models, at which thread counts, on which backend. */
export interface ProfilerRunOptions {
  targets: ProfileTarget[];
  /** Thread counts to measure, each with an engine of its own (default: the engine's default). */
  threads?: number[];
  /** Backend (default 'auto'). */
  gpu?: EngineOptions['gpu'];
  /** Catalog id to store the profiles under (default: what the engine's device matches). */
  device?: string;
  /** Run the host bandwidth probe (default true). */
  probe?: boolean;
  /** Scratch folder: the probe model and KV state files. */
  workDir: string;
  /** Per-model settings (runs, token counts, levels, cold). */
  model?: Omit<ModelProfilerOptions, 'device' | 'stateDir' | 'onProgress'>;
  /** The worker's thread count, whose recompute rate the profile keeps (see buildModelProfile). */
  servingThreads?: number;
  /**
   * Before each thread count, wait until other processes use at most maxShare of the CPUs (two
   * windows in a row), for at most maxWaitMs. Default: no waiting.
   */
  quiet?: { maxShare: number; maxWaitMs: number };
  onProgress?: (message: string) => void;
  /** Starts an engine for a thread count (default LlamaEngine.create). */
  createEngine?: (threads: number | undefined) => Promise<LlamaEngine>;
}

/** Everything one session measured, and the profiles made of it. */
export interface ProfilerRunResult {
  device: string;
  deviceName: string;
  deviceKind: string;
  /** The thread count whose figures stand for this device where one is picked (recompute, charts). */
  servingThreads: number;
  measurements: ModelMeasurement[];
  probe?: HostProbeResult;
  /** In the cost model's shapes, ready for a file, Redis or `new CostModel({ profiles })`. */
  profiles: Profiles;
}

/**
 * Runs the profiler. For each thread count, with one engine: the host bandwidth probe, then every
 * model; measuring the probe beside the models it predicts keeps both under the same conditions.
 * Builds one ModelProfile per model and the host's DeviceProfile. Runs nothing in parallel: the
 * figures are only worth something on an otherwise quiet machine.
 */
export async function runProfiler(options: ProfilerRunOptions): Promise<ProfilerRunResult> {
  const log = options.onProgress ?? (() => undefined);
  const createEngine =
    options.createEngine ??
    ((threads: number | undefined) =>
      LlamaEngine.create({
        gpu: options.gpu ?? 'auto',
        ...(threads === undefined ? {} : { threads }),
      }));
  await mkdir(options.workDir, { recursive: true });
  const threadCounts: (number | undefined)[] = options.threads?.length
    ? [...options.threads]
    : [undefined];
  const probe =
    options.probe === false
      ? undefined
      : await HostBandwidthProbe.create({ dir: options.workDir, onProgress: log });

  const measurements: ModelMeasurement[] = [];
  let device = options.device;
  let deviceName = '';
  let deviceKind = '';
  let workerThreads = 1;
  try {
    for (const threads of threadCounts) {
      if (options.quiet) {
        let lastLog = 0;
        const share = await waitForQuiet({
          ...options.quiet,
          onWait: (s) => {
            if (Date.now() - lastLog < 30_000) return;
            lastLog = Date.now();
            log(`waiting for a quiet machine (others use ${(s * 100).toFixed(0)} % of the CPUs)`);
          },
        });
        if (share > options.quiet.maxShare) {
          log(
            `the machine did not get quiet (others use ${(share * 100).toFixed(0)} %): measuring anyway`,
          );
        }
      }
      const engine = await createEngine(threads);
      try {
        device ??= catalogDeviceId(engine.device);
        if (device === undefined) {
          throw new Error(
            `the device "${engine.device.name}" matches no catalog entry: name one with --device`,
          );
        }
        deviceName = engine.device.name;
        deviceKind = engine.device.kind;
        // The worker's default thread count (see EngineOptions.threads).
        workerThreads = Math.max(1, engine.device.physicalCores - 1);
        await probe?.measure(engine);
        for (const target of options.targets) {
          measurements.push(
            await profileModel(engine, target, {
              ...options.model,
              device,
              stateDir: options.workDir,
              onProgress: log,
            }),
          );
        }
      } finally {
        await engine.dispose();
      }
    }
  } finally {
    await probe?.dispose();
  }
  const measured = [...new Set(measurements.map((m) => m.threads))].sort((a, b) => a - b);
  const wanted = options.servingThreads ?? workerThreads;
  const servingThreads = measured.includes(wanted) ? wanted : measured[0]!;
  const models: ModelProfile[] = options.targets.map((target) =>
    buildModelProfile(
      measurements.filter((m) => m.model === target.name),
      servingThreads,
    ),
  );
  const probeResult = probe?.result(device!);
  const devices: DeviceProfile[] = probeResult ? [probeResult.profile] : [];
  return {
    device: device!,
    deviceName,
    deviceKind,
    servingThreads,
    measurements,
    ...(probeResult ? { probe: probeResult } : {}),
    profiles: { models, devices },
  };
}
