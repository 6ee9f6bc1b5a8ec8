import { PRIORITY_CLASSES } from '#switchyard/contracts';
import {
  DEFAULT_ENGINE_FACTORS,
  DEFAULT_HOST_SPEC,
  DEVICE_CATALOG,
  TYPICAL_MODEL_SHAPES,
  syntheticModelSpec,
  type DeviceCatalog,
  type EngineFactors,
  type HostSpec,
  type ModelSpec,
  type Profiles,
} from '#switchyard/cost-model';
import { DEFAULT_POLICY_SETTINGS, type ClassSla, type PolicySettings } from '#switchyard/policy';
import { FieldReader } from './field-reader.js';
import type {
  FleetGroup,
  Scenario,
  ScenarioFiles,
  ScenarioHost,
  ScenarioModel,
  SchedulerOptions,
  WorkerFailure,
} from './scenario.js';
import { ScenarioError } from './scenario-error.js';
import { isClass, parseStream } from './workload-parser.js';

/** Paths of the traces and GGUF files a raw scenario names, so the caller can read them first. */
export function scenarioReferences(raw: unknown): { traces: string[]; ggufs: string[] } {
  const traces = new Set<string>();
  const ggufs = new Set<string>();
  const obj = raw as { workload?: unknown; models?: unknown } | null;
  if (obj && Array.isArray(obj.workload)) {
    for (const s of obj.workload as { arrival?: { type?: unknown; path?: unknown } }[]) {
      if (s?.arrival?.type === 'trace' && typeof s.arrival.path === 'string') {
        traces.add(s.arrival.path);
      }
    }
  }
  if (obj && Array.isArray(obj.models)) {
    for (const m of obj.models as { gguf?: unknown }[]) {
      if (typeof m?.gguf === 'string') ggufs.add(m.gguf);
    }
  }
  return { traces: [...traces], ggufs: [...ggufs] };
}

/** Default scheduler timings: the live scheduler's and worker's own defaults. */
export const DEFAULT_SCHEDULER_OPTIONS: SchedulerOptions = {
  window: 128,
  tickMs: 250,
  minRoundIntervalMs: 10,
  // JOB_LOCK_MS 30 s, then on average half of STALLED_INTERVAL_MS (15 s).
  stalledReturnMs: 37_500,
  workerTtlMs: 5_000,
  checkpointEveryTokens: 16,
  kvResume: true,
  promptChunkTokens: 64,
  dispatchLatencyMs: 0,
  jobStartupMs: 0,
  jobWriteBackMs: 0,
};

/** Validates a scenario file's JSON and fills in every default; throws ScenarioError naming the field. */
export function parseScenario(raw: unknown, files: ScenarioFiles = {}): Scenario {
  const r = FieldReader.of('scenario', raw);
  const name = r.string('name');
  const description = r.string('description', name);
  const seed = r.number('seed', { integer: true, fallback: 1 });
  const durationMs = r.duration('duration');
  if (durationMs <= 0) throw new ScenarioError(r.at('duration'), 'must be positive');
  const drainMs = r.duration('drain', durationMs);
  const contextSize = r.number('contextSize', { integer: true, min: 128, fallback: 4096 });
  const catalog = files.catalog ?? DEVICE_CATALOG;

  const models = r.array('models').map((m, i) => parseModel(`scenario.models[${i}]`, m, files));
  const names = new Set<string>();
  for (const m of models) {
    if (names.has(m.name))
      throw new ScenarioError('scenario.models', `duplicate model "${m.name}"`);
    names.add(m.name);
  }
  if (models.length === 0) throw new ScenarioError('scenario.models', 'needs at least one model');

  const fleet = r
    .array('fleet')
    .map((g, i) => parseFleetGroup(`scenario.fleet[${i}]`, g, catalog, names));
  if (fleet.length === 0)
    throw new ScenarioError('scenario.fleet', 'needs at least one worker group');
  const hosts = parseHosts(r.object('hosts', true), fleet, catalog);
  const prefixes = new Set<string>();
  for (const g of fleet) {
    if (prefixes.has(g.prefix)) {
      throw new ScenarioError(
        'scenario.fleet',
        `two groups name workers "${g.prefix}-n"; set "prefix"`,
      );
    }
    prefixes.add(g.prefix);
  }

  const modelOrder = models.map((m) => m.name);
  const workload = r
    .array('workload')
    .map((s, i) => parseStream(`scenario.workload[${i}]`, s, modelOrder, durationMs, files));
  if (workload.length === 0)
    throw new ScenarioError('scenario.workload', 'needs at least one stream');

  const settings = parseSettings(r.object('settings', true), r.object('sla', true));
  const scheduler = parseScheduler(r.object('scheduler', true));
  const workerIds = new Set(fleet.flatMap((g) => workerIdsOf(g)));
  const failures = r
    .array('failures', [])
    .map((f, i) => parseFailure(`scenario.failures[${i}]`, f, workerIds));
  const host = overrides<HostSpec>(r.object('host', true), DEFAULT_HOST_SPEC);
  const factors = overrides<EngineFactors>(r.object('factors', true), DEFAULT_ENGINE_FACTORS);
  const profiles = (r.raw('profiles') as Profiles | undefined) ?? { models: [], devices: [] };
  r.done();
  return {
    name,
    description,
    seed,
    durationMs,
    drainMs,
    contextSize,
    fleet,
    hosts,
    models,
    workload,
    settings,
    scheduler,
    failures,
    host,
    factors,
    profiles,
  };
}

/** Worker ids of a group, in order: `${prefix}-1` … `${prefix}-${count}`. */
export function workerIdsOf(group: FleetGroup): string[] {
  return Array.from({ length: group.count }, (_, i) => `${group.prefix}-${i + 1}`);
}

function parseModel(path: string, raw: unknown, files: ScenarioFiles): ScenarioModel {
  const r = FieldReader.of(path, raw);
  const name = r.string('name');
  let spec: ModelSpec;
  if (r.has('gguf')) {
    const file = r.string('gguf');
    const found = files.ggufSpecs?.get(file);
    if (!found) throw new ScenarioError(r.at('gguf'), `GGUF file "${file}" was not read`);
    spec = { ...found, name };
  } else if (r.has('spec')) {
    spec = { ...(r.raw('spec') as ModelSpec), name };
  } else {
    const quantization = r.string('quantization', 'Q4_K_M');
    try {
      if (r.has('shape')) {
        const shape = r.string('shape');
        if (!Object.hasOwn(TYPICAL_MODEL_SHAPES, shape)) {
          throw new ScenarioError(
            r.at('shape'),
            `unknown shape "${shape}" (known: ${Object.keys(TYPICAL_MODEL_SHAPES).join(', ')})`,
          );
        }
        spec = syntheticModelSpec({
          name,
          quantization,
          shape: shape as keyof typeof TYPICAL_MODEL_SHAPES,
        });
      } else {
        const parameters = r.number('parameters', { min: 1 });
        spec = syntheticModelSpec({ name, quantization, parameters });
      }
    } catch (error) {
      if (error instanceof ScenarioError) throw error;
      throw new ScenarioError(path, (error as Error).message);
    }
  }
  r.done();
  return { name, spec };
}

function parseFleetGroup(
  path: string,
  raw: unknown,
  catalog: DeviceCatalog,
  models: ReadonlySet<string>,
): FleetGroup {
  const r = FieldReader.of(path, raw);
  const device = r.string('device');
  if (!Object.hasOwn(catalog, device)) {
    throw new ScenarioError(
      r.at('device'),
      `unknown device "${device}" (known: ${Object.keys(catalog).join(', ')})`,
    );
  }
  const spec = catalog[device];
  const count = r.number('count', { integer: true, min: 1, fallback: 1 });
  const prefix = r.string('prefix', device);
  let memoryBudgetBytes = Math.floor(spec.memoryBytes * 0.9);
  if (r.has('memoryBudget')) {
    const budget = r.raw('memoryBudget');
    if (typeof budget === 'string' && budget.trim().endsWith('%')) {
      const share = Number(budget.trim().slice(0, -1)) / 100;
      if (!(share > 0 && share <= 1)) {
        throw new ScenarioError(
          r.at('memoryBudget'),
          `must be a share in (0%, 100%] (got "${budget}")`,
        );
      }
      memoryBudgetBytes = Math.floor(spec.memoryBytes * share);
    } else {
      memoryBudgetBytes = r.bytes('memoryBudget');
    }
  }
  const slotsPerModel = r.number('slots', { integer: true, min: 1, max: 64, fallback: 2 });
  const maxConcurrentJobs = r.number('maxJobs', { integer: true, min: 1, fallback: slotsPerModel });
  const threads = r.number('threads', {
    integer: true,
    min: 1,
    fallback: DEFAULT_HOST_SPEC.threads,
  });
  const host = r.has('host') ? r.string('host') : undefined;
  const servable = r.array('models', [...models]).map((m, i) => {
    if (typeof m !== 'string' || !models.has(m)) {
      throw new ScenarioError(`${r.at('models')}[${i}]`, `unknown model ${JSON.stringify(m)}`);
    }
    return m;
  });
  r.done();
  return {
    device,
    count,
    prefix,
    memoryBudgetBytes,
    slotsPerModel,
    maxConcurrentJobs,
    threads,
    models: servable,
    ...(host !== undefined ? { host } : {}),
  };
}

/**
 * The machines CPU worker groups share (`"hosts": { "local": { "cores": 2 } }`, a group's
 * `"host": "local"`): every name a group gives must be declared, and only CPU workers share one.
 */
function parseHosts(r: FieldReader, fleet: FleetGroup[], catalog: DeviceCatalog): ScenarioHost[] {
  const hosts = r.keys().map((name): ScenarioHost => {
    const h = r.object(name);
    const cores = h.number('cores', { integer: true, min: 1 });
    const otherThreads = h.number('otherThreads', { min: 0, fallback: 0 });
    const parallelSpeed = h.number('parallelSpeed', { min: 0.01, max: 1, fallback: 1 });
    const pageCache = h.string('pageCache', 'cold');
    if (pageCache !== 'warm' && pageCache !== 'cold') {
      throw new ScenarioError(h.at('pageCache'), `must be "warm" or "cold" (got "${pageCache}")`);
    }
    h.done();
    return { name, cores, otherThreads, parallelSpeed, pageCacheWarm: pageCache === 'warm' };
  });
  r.done();
  fleet.forEach((g, i) => {
    if (g.host === undefined) return;
    const at = `scenario.fleet[${i}].host`;
    if (!hosts.some((h) => h.name === g.host)) {
      throw new ScenarioError(at, `unknown host "${g.host}" (declare it under "hosts")`);
    }
    if (catalog[g.device].kind !== 'cpu') {
      throw new ScenarioError(at, `only CPU workers share a host (this group is ${g.device})`);
    }
  });
  return hosts;
}

function parseSettings(r: FieldReader, sla: FieldReader): PolicySettings {
  const d = DEFAULT_POLICY_SETTINGS;
  const settings: PolicySettings = {
    sla: { ...d.sla },
    maxPreemptionsPerJob: r.number('maxPreemptionsPerJob', {
      integer: true,
      min: 0,
      fallback: d.maxPreemptionsPerJob,
    }),
    minResidencyMs: r.duration('minResidency', d.minResidencyMs),
    batchFloorShare: r.number('batchFloorShare', { min: 0, max: 1, fallback: d.batchFloorShare }),
    reoffloadMinGain: r.number('reoffloadMinGain', { min: 0, fallback: d.reoffloadMinGain }),
  };
  r.done();
  for (const cls of sla.keys()) {
    if (!isClass(cls))
      throw new ScenarioError(sla.at(cls), `unknown class (use ${PRIORITY_CLASSES.join(', ')})`);
    const c = sla.object(cls);
    const target: ClassSla = {};
    const ttft = c.optionalDuration('timeToFirstToken');
    const completion = c.optionalDuration('completion');
    if (ttft !== undefined) target.timeToFirstTokenMs = ttft;
    if (completion !== undefined) target.completionMs = completion;
    c.done();
    settings.sla[cls] = target;
  }
  sla.done();
  return settings;
}

function parseScheduler(r: FieldReader): SchedulerOptions {
  const d = DEFAULT_SCHEDULER_OPTIONS;
  const options: SchedulerOptions = {
    window: r.number('window', { integer: true, min: 1, max: 10_000, fallback: d.window }),
    tickMs: r.duration('tick', d.tickMs),
    minRoundIntervalMs: r.duration('minRoundInterval', d.minRoundIntervalMs),
    stalledReturnMs: r.duration('stalledReturn', d.stalledReturnMs),
    workerTtlMs: r.duration('workerTtl', d.workerTtlMs),
    checkpointEveryTokens: r.number('checkpointEveryTokens', {
      integer: true,
      min: 1,
      fallback: d.checkpointEveryTokens,
    }),
    kvResume: r.boolean('kvResume', d.kvResume),
    promptChunkTokens: r.number('promptChunkTokens', {
      integer: true,
      min: 1,
      fallback: d.promptChunkTokens,
    }),
    dispatchLatencyMs: r.duration('dispatchLatency', d.dispatchLatencyMs),
    jobStartupMs: r.duration('jobStartup', d.jobStartupMs),
    jobWriteBackMs: r.duration('jobWriteBack', d.jobWriteBackMs),
  };
  if (options.tickMs <= 0) throw new ScenarioError(r.at('tick'), 'must be positive');
  r.done();
  return options;
}

function parseFailure(path: string, raw: unknown, workerIds: ReadonlySet<string>): WorkerFailure {
  const r = FieldReader.of(path, raw);
  const worker = r.string('worker');
  if (!workerIds.has(worker))
    throw new ScenarioError(r.at('worker'), `no worker "${worker}" in the fleet`);
  const failure: WorkerFailure = { worker, atMs: r.duration('at') };
  const recover = r.optionalDuration('recoverAfter');
  if (recover !== undefined) failure.recoverAfterMs = recover;
  r.done();
  return failure;
}

/** The defaults with the numeric fields the file sets (unknown fields refused). */
function overrides<T extends object>(r: FieldReader, defaults: T): T {
  const result = { ...defaults } as Record<string, unknown>;
  for (const key of r.keys()) {
    if (!Object.hasOwn(defaults, key)) throw new ScenarioError(r.at(key), 'unknown field');
    result[key] = typeof result[key] === 'string' ? r.string(key) : r.number(key, { min: 0 });
  }
  r.done();
  return result as T;
}
