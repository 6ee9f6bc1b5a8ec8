/**
 * decide() latency on a large fleet: 256 workers of 8 GPU kinds, 64 models, 10,000 waiting jobs.
 * Two snapshots: `fresh`, a quarter of the slots busy and memory free (the first round after a
 * flood arrives: about 2,000 actions), and `saturated`, every slot busy with work that may not be
 * preempted but one slot on every 16th worker (the rounds that follow: a few actions, 10,000
 * jobs that wait). Every policy decides the same snapshots; prints p50/p99/max per policy and
 * each policy's p50 relative to lru's; `cpu p50` is the process's CPU time per decision, which other
 * load on a shared machine inflates less than the wall-clock figures. Each snapshot is decided
 * twice: with every waiting job in the backlog, and with what the live scheduler passes when that
 * many jobs are queued — its window (SCHEDULER_WINDOW, 128), the most urgent jobs by class and age.
 * `digest` is a hash of the decision (actions, waiting jobs with their reasons and estimates): a
 * change meant only to make decide() faster must leave it as it was.
 *
 *   npm run bench:decide -- [--workers 256] [--models 64] [--jobs 10000] [--rounds 200]
 *                           [--policies sensitivity,lru,fifo] [--snapshots fresh,saturated]
 *                           [--window 128] [--backlogs all,window] [--warmup-seconds 2]
 */
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { classRank, PRIORITY_CLASSES } from '#switchyard/contracts';
import {
  CostModel,
  DEVICE_CATALOG,
  predictMemory,
  syntheticModelSpec,
} from '#switchyard/cost-model';
import {
  createPolicy,
  DEFAULT_POLICY_SETTINGS,
  POLICY_NAMES,
  type FleetSnapshot,
  type PolicyJob,
  type PolicyModel,
  type PolicyWorker,
} from '#switchyard/policy';

const { values } = parseArgs({
  options: {
    workers: { type: 'string', default: '256' },
    models: { type: 'string', default: '64' },
    jobs: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '200' },
    policies: { type: 'string', default: POLICY_NAMES.join(',') },
    snapshots: { type: 'string', default: 'fresh,saturated' },
    window: { type: 'string', default: '128' },
    backlogs: { type: 'string', default: 'all,window' },
    'warmup-seconds': { type: 'string', default: '2' },
  },
});
const WORKERS = Number(values.workers);
const MODELS = Number(values.models);
const JOBS = Number(values.jobs);
const ROUNDS = Number(values.rounds);
const WINDOW = Number(values.window);
const WARMUP_MS = Number(values['warmup-seconds']) * 1000;
const CONTEXT = 4096;

// A small seeded generator, so every run decides the same snapshot.
let state = 0x9e3779b9;
const random = () => {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) / 2 ** 32;
};
const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];

const shapes = ['llama-3.2-1b', 'llama-3.2-3b', 'llama-2-7b', 'llama-3-8b', 'llama-2-13b'] as const;
const quantizations = ['Q4_K_M', 'Q8_0', 'F16'] as const;
const models: Record<string, PolicyModel> = {};
for (let i = 0; i < MODELS; i++) {
  const name = `model-${i}`;
  const spec = syntheticModelSpec({
    name,
    shape: shapes[i % shapes.length],
    quantization: quantizations[i % 3],
  });
  const memory = predictMemory({
    model: spec,
    device: DEVICE_CATALOG['h100-sxm'],
    gpuLayers: spec.layers + 1,
    contextSize: CONTEXT,
    threads: 8,
  });
  models[name] = {
    name,
    layers: spec.layers,
    fileBytes: spec.fileBytes,
    memoryBytes: memory.gpuBytes,
    spec,
  };
}
const modelNames = Object.keys(models);
const gpuKinds: (keyof typeof DEVICE_CATALOG)[] = [
  'h200',
  'h100-sxm',
  'h100-pcie',
  'a100-80gb',
  'a100-40gb',
  'l40s',
  'a10',
  'rtx-4090',
];
/** A snapshot of the fleet; `saturated`: see the file's comment. */
function buildSnapshot(saturated: boolean): FleetSnapshot {
  state = 0x9e3779b9;
  const workers: PolicyWorker[] = [];
  let jobCounter = 0;
  for (let w = 0; w < WORKERS; w++) {
    const device = DEVICE_CATALOG[gpuKinds[w % gpuKinds.length]];
    const worker: PolicyWorker = {
      id: `gpu-${w}`,
      device: {
        kind: 'cuda',
        name: device.name,
        catalogId: device.id,
        gpuMemoryTotalBytes: device.memoryBytes,
        ramTotalBytes: 256e9,
        threads: 8,
      },
      catalogDevice: device.id,
      memoryBudgetBytes: device.memoryBytes * 0.9,
      slotsPerModel: 4,
      maxConcurrentJobs: 8,
      models: modelNames,
      loaded: [],
      running: [],
      draining: false,
    };
    let used = 0;
    const wanted = saturated
      ? [0, 1, 2, 3].map(() => pick(modelNames))
      : [0, 1].map(() => pick(modelNames));
    for (const name of wanted) {
      const m = models[name];
      if (
        worker.loaded.length === 2 ||
        worker.loaded.some((l) => l.model === name) ||
        used + m.memoryBytes > worker.memoryBudgetBytes
      )
        continue;
      used += m.memoryBytes;
      const busy = saturated ? 4 : Math.floor(random() * 3);
      worker.loaded.push({
        model: name,
        gpuLayers: m.layers + 1,
        memoryBytes: m.memoryBytes,
        slots: 4,
        busySlots: busy,
        loadedAt: 0,
        lastUsedAt: 0,
      });
      for (let b = 0; b < busy; b++) {
        worker.running.push({
          jobId: `running-${jobCounter++}`,
          model: name,
          priority: saturated ? pick(PRIORITY_CLASSES) : 'batch',
          startedAt: 0,
          promptTokens: 500,
          generatedTokens: 100,
          maxTokens: 400,
          // Saturated: at the preemption cap, so nothing may be preempted.
          preemptions: saturated ? DEFAULT_POLICY_SETTINGS.maxPreemptionsPerJob : 0,
        });
      }
    }
    if (saturated) {
      // Every slot busy (the cap is what the loaded copies hold) but one on every 16th worker.
      worker.maxConcurrentJobs = worker.running.length;
      if (w % 16 === 0 && worker.running.length > 0) {
        const done = worker.running.pop()!;
        worker.loaded.find((l) => l.model === done.model)!.busySlots -= 1;
      }
    }
    workers.push(worker);
  }
  const backlog: PolicyJob[] = Array.from({ length: JOBS }, (_, i) => ({
    id: `job-${i}`,
    model: pick(modelNames),
    priority: pick(PRIORITY_CLASSES),
    submittedAt: Math.floor(random() * 60_000),
    maxTokens: 64 + Math.floor(random() * 512),
    promptTokens: 64 + Math.floor(random() * 2000),
  }));
  const snapshot: FleetSnapshot = {
    now: 60_000,
    workers,
    backlog,
    models,
    contextSize: CONTEXT,
    settings: DEFAULT_POLICY_SETTINGS,
    costModel: new CostModel(),
  };
  return snapshot;
}

/** The live scheduler's window over the snapshot's backlog: interactive, standard, batch; oldest first. */
function windowOf(snapshot: FleetSnapshot): FleetSnapshot {
  const backlog = [...snapshot.backlog]
    .sort(
      (a, b) =>
        classRank(a.priority) - classRank(b.priority) ||
        a.submittedAt - b.submittedAt ||
        a.id.localeCompare(b.id),
    )
    .slice(0, WINDOW);
  return { ...snapshot, backlog, settings: { ...snapshot.settings!, waitEstimates: WINDOW } };
}

console.log(
  `${WORKERS} workers × ${MODELS} models × ${JOBS} waiting jobs, ${ROUNDS} rounds after ` +
    `${WARMUP_MS / 1000} s of warm-up rounds (at least 3)`,
);
const backlogs = values.backlogs.split(',');
for (const kind of values.snapshots.split(',')) {
  const free = freeSlots(buildSnapshot(kind === 'saturated'));
  if (backlogs.includes('all')) {
    console.log(`\n${kind}: ${free} free slots, all ${JOBS} waiting jobs`);
    decideRounds(buildSnapshot(kind === 'saturated'));
  }
  if (backlogs.includes('window')) {
    // Built anew, so the 10,000 jobs are garbage before the window's rounds (the scheduler's heap
    // never holds them): its collections then cost what they cost in the scheduler.
    console.log(`\n${kind}: ${free} free slots, the window of ${WINDOW} the live scheduler passes`);
    decideRounds(windowOf(buildSnapshot(kind === 'saturated')));
  }
}

function freeSlots(snapshot: FleetSnapshot): number {
  return snapshot.workers.reduce((sum, w) => sum + w.maxConcurrentJobs - w.running.length, 0);
}

/** Decides the snapshot ROUNDS times per policy and prints a row per policy. */
function decideRounds(snapshot: FleetSnapshot): void {
  console.log(
    ['policy', 'p50 ms', 'p99 ms', 'max ms', 'cpu p50', 'actions', 'digest', 'p50 / lru'].join(
      '\t',
    ),
  );
  const p50s = new Map<string, number>();
  const rows: string[][] = [];
  for (const name of values.policies.split(',') as (typeof POLICY_NAMES)[number][]) {
    const policy = createPolicy(name);
    // Warm until the JIT has settled: a short round's first hundreds run several times slower
    // (--warmup-seconds 0 shows them as the slowest rounds), and the scheduler runs for days.
    const warmUntil = performance.now() + WARMUP_MS;
    for (let i = 0; i < 3 || performance.now() < warmUntil; i++) policy.decide(snapshot);
    const times: number[] = [];
    const cpu: number[] = [];
    let decision = policy.decide(snapshot);
    for (let i = 0; i < ROUNDS; i++) {
      const started = performance.now();
      const cpuStarted = process.cpuUsage();
      decision = policy.decide(snapshot);
      const used = process.cpuUsage(cpuStarted);
      times.push(performance.now() - started);
      cpu.push((used.user + used.system) / 1_000);
    }
    cpu.sort((a, b) => a - b);
    times.sort((a, b) => a - b);
    const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
    p50s.set(name, at(0.5));
    rows.push([
      name,
      at(0.5).toFixed(2),
      at(0.99).toFixed(2),
      times.at(-1)!.toFixed(2),
      cpu[Math.floor(cpu.length / 2)].toFixed(2),
      String(decision.actions.length),
      createHash('sha256').update(JSON.stringify(decision)).digest('hex').slice(0, 10),
    ]);
  }
  const lru = p50s.get('lru');
  for (const row of rows) {
    const ratio = lru ? `${(p50s.get(row[0])! / lru).toFixed(2)}×` : '';
    console.log([...row, ratio].join('\t'));
  }
}
