import type { DeviceSpec } from '#switchyard/cost-model';
import type { PolicyLoadedModel, PolicyRunningJob, PolicyWorker } from '#switchyard/policy';
import { JobDeque } from './job-deque.js';
import type { PlacementRates } from './placement-rates.js';
import type { FleetGroup } from './scenario.js';
import type { SimHost } from './sim-host.js';
import type { SimInstance } from './sim-instance.js';
import type { SimJob } from './sim-job.js';

/** A command the scheduler sent a worker, as the worker's command stream holds it. */
export type SimCommand =
  | {
      type: 'load';
      model: string;
      gpuLayers: number;
      slots: number;
      rates: PlacementRates;
      sentAt: number;
    }
  | { type: 'unload'; model: string; sentAt: number }
  | { type: 'run'; job: SimJob; sentAt: number }
  | { type: 'preempt'; job: SimJob; path: 'keep-kv' | 'recompute'; sentAt: number };

/** A phase counts as done when what is left of it would take less than this (ms): float noise. */
export const TIME_EPSILON_MS = 1e-6;

/** The simulator's clock, read by the live views handed to policies. */
export interface Clock {
  now: number;
}

/**
 * One simulated worker: its loaded copies, its command stream (applied one at a time, a load
 * holding up the commands behind it, as the live worker does), and its device time shared by
 * what runs on it. Every prefilling job and every loaded copy with decoding sequences is one
 * stream; a copy's decoding sequences advance together, one token per batched step. On a GPU the
 * streams share the device by processor sharing, each 1/n of it. On a CPU they take turns one
 * evaluation at a time (the live engine caps all its contexts together at the worker's threads,
 * and each waits for them): a cycle is one step of every stream (a batched decode step, or a
 * prompt chunk of a prefill), so each copy decodes one token per cycle, however short its own
 * step. Measured (one thread, synth-5m beside synth-300m): 1,629 tokens/s alone, 34 beside the
 * larger copy's 35, where processor sharing would give about 800.
 */
export class SimWorker {
  alive = true;
  /** Still in the scheduler's view: a dead worker stays until its heartbeat expires. */
  visible = true;
  /** Bumped when the worker dies or comes back: its queued events from before are void. */
  generation = 0;
  readonly instances = new Map<string, SimInstance>();
  readonly commands = new JobDeque<SimCommand>();
  /** A load is being applied, or a preempted job being handed back; the commands behind it wait. */
  commandBusy = false;
  /** The preempted job whose hand-back holds the command stream, as the live worker awaits it. */
  handingBack?: SimJob;
  /** A 'deliver' event is due for the command at the head of the stream (dispatch latency). */
  deliveryPending = false;
  /** Jobs using the device: restoring, prefilling, decoding or saving. */
  readonly active: SimJob[] = [];
  lastAdvanceAt = 0;
  /** Bumped at every reschedule: only the latest tick event of the worker counts. */
  tickVersion = 0;
  busyMs = 0;
  usedBytes = 0;
  /** The machine this worker shares with others (CPU workers of a scenario host), if any. */
  host?: SimHost;
  /** Share of its speed alone the worker computes at: below 1 when its host's cores are contended. */
  speed = 1;
  /**
   * Models whose file is in this host's page cache: loaded here to the end since the worker
   * started. Reported in its view as warmModels, as the live worker's heartbeat reports them.
   */
  readonly warm = new Set<string>();
  /** `warm` sorted, as the view reports it (rebuilt when a model is added). */
  private warmList: string[] = [];
  readonly servable: ReadonlySet<string>;
  private dirty = true;
  private cached?: PolicyWorker;
  /** Where the simulator collects the workers whose view changed since its last round. */
  private readonly changed: SimWorker[];
  /** The last heartbeat of a dead worker: what the scheduler keeps seeing until it expires. */
  private lastHeartbeat?: PolicyWorker;

  constructor(
    readonly index: number,
    readonly id: string,
    readonly group: FleetGroup,
    readonly device: DeviceSpec,
    private readonly ramTotalBytes: number,
    changed: SimWorker[] = [],
    /** Prompt tokens a CPU worker evaluates per turn (PROMPT_CHUNK_TOKENS). */
    private readonly promptChunkTokens = 64,
  ) {
    this.servable = new Set(group.models);
    this.changed = changed;
  }

  /** Memory the worker may fill with models. */
  get memoryBudgetBytes(): number {
    return this.group.memoryBudgetBytes;
  }

  /** The model's file has been read to the end here: it is in the page cache from now on. */
  warmUp(model: string): void {
    if (this.warm.has(model)) return;
    this.warm.add(model);
    this.warmList = [...this.warm].sort();
    this.touch();
  }

  /** The host restarted: its page cache is cold. */
  coolDown(): void {
    this.warm.clear();
    this.warmList = [];
    this.touch();
  }

  /** Marks the policy's view of this worker stale. */
  touch(): void {
    if (this.dirty) return;
    this.dirty = true;
    this.changed.push(this);
  }

  /** The worker dies: the scheduler keeps its last view of it until the heartbeat expires. */
  freezeView(clock: Clock): void {
    const view = this.view(clock);
    this.lastHeartbeat = {
      ...view,
      loaded: view.loaded.map((m) => ({ ...m })),
      running: view.running.map((r) => ({ ...r })),
    };
  }

  /** The worker is back (empty): the scheduler sees its fresh heartbeats again. */
  thaw(): void {
    this.lastHeartbeat = undefined;
    this.touch();
  }

  /** Moves every active job's progress forward to `now` at the current rates. */
  advance(now: number): void {
    const dt = now - this.lastAdvanceAt;
    if (dt <= 0) return;
    if (this.active.length > 0) this.busyMs += dt;
    for (const job of this.active) {
      const progress = job.rate * dt;
      if (job.phase === 'decoding') {
        if (job.firstTokenAt === undefined && job.generated + progress >= 1) {
          job.firstTokenAt = this.lastAdvanceAt + (1 - job.generated) / job.rate;
        }
        job.generated += progress;
      }
      job.remaining -= progress;
    }
    this.lastAdvanceAt = now;
  }

  /** True when a job prefills or decodes here: the worker's threads are busy. */
  computing(): boolean {
    return this.active.some((job) => job.phase === 'prefill' || job.phase === 'decoding');
  }

  /** Sets every active job's rate for the current mix; returns ms until the first phase ends. */
  reschedule(): number {
    // The batch of each copy is tallied on the copy itself: no map per call, and this runs at
    // every change of any job on the worker.
    let streams = 0;
    for (const job of this.active) {
      const inst = job.instance!;
      inst.batchSequences = 0;
      inst.batchKvTokens = 0;
    }
    for (const job of this.active) {
      if (job.phase === 'prefill') streams++;
      else if (job.phase === 'decoding') {
        const inst = job.instance!;
        if (inst.batchSequences === 0) streams++;
        inst.batchSequences++;
        inst.batchKvTokens += job.spec.promptTokens + job.generated;
      }
    }
    if (this.device.kind === 'cpu') return this.rescheduleTurns();
    let next = Infinity;
    for (const job of this.active) {
      const inst = job.instance!;
      if (job.phase === 'prefill') {
        job.rate = this.speed / (inst.rates.prefillMsPerToken(job.prefillTokens) * streams);
      } else if (job.phase === 'decoding') {
        job.rate =
          this.speed / (inst.rates.decodeStepMs(inst.batchSequences, inst.batchKvTokens) * streams);
      } else {
        job.rate = 1;
      }
      next = Math.min(next, Math.max(0, job.remaining) / job.rate);
    }
    this.tickVersion++;
    return next;
  }

  /**
   * reschedule() on a CPU, the batches tallied: one cycle is a step of every stream, a prefill
   * advancing by a prompt chunk (its whole prompt when shorter), each copy's batch by one token.
   */
  private rescheduleTurns(): number {
    let cycleMs = 0;
    for (const job of this.active) job.instance!.inCycle = false;
    for (const job of this.active) {
      const inst = job.instance!;
      if (job.phase === 'prefill') {
        cycleMs += this.chunkOf(job) * inst.rates.prefillMsPerToken(job.prefillTokens);
      } else if (job.phase === 'decoding' && !inst.inCycle) {
        inst.inCycle = true;
        cycleMs += inst.rates.decodeStepMs(inst.batchSequences, inst.batchKvTokens);
      }
    }
    let next = Infinity;
    for (const job of this.active) {
      if (job.phase === 'prefill') job.rate = (this.speed * this.chunkOf(job)) / cycleMs;
      else if (job.phase === 'decoding') job.rate = this.speed / cycleMs;
      else job.rate = 1;
      next = Math.min(next, Math.max(0, job.remaining) / job.rate);
    }
    this.tickVersion++;
    return next;
  }

  private chunkOf(job: SimJob): number {
    return Math.min(this.promptChunkTokens, job.prefillTokens);
  }

  /** Active jobs whose phase is over. */
  finishedPhases(): SimJob[] {
    return this.active.filter((job) => job.remaining <= job.rate * TIME_EPSILON_MS);
  }

  /** Removes a job from the device. */
  deactivate(job: SimJob): void {
    const i = this.active.indexOf(job);
    if (i >= 0) this.active.splice(i, 1);
  }

  /**
   * The worker as the live scheduler's FleetView shows it: the worker's state (its heartbeat)
   * with the commands it has not applied yet laid over it. Rebuilt only when something changed.
   */
  view(clock: Clock): PolicyWorker {
    if (this.lastHeartbeat) return this.lastHeartbeat;
    if (!this.dirty && this.cached) return this.cached;
    const loaded = new Map<string, PolicyLoadedModel>();
    const running: PolicyRunningJob[] = [];
    for (const inst of this.instances.values()) {
      loaded.set(inst.model, {
        model: inst.model,
        gpuLayers: inst.gpuLayers,
        memoryBytes: inst.memoryBytes,
        slots: inst.slots,
        busySlots: inst.jobs.size + inst.finishing,
        loadedAt: inst.loadedAt,
        lastUsedAt: inst.lastUsedAt,
      });
      for (const job of inst.jobs) running.push(job.runningView(clock));
    }
    for (const command of this.commands) {
      switch (command.type) {
        case 'load': {
          // A pending reload (re-offload) shows at its new level: planning on the old one would
          // re-send it every round while it waits, and misjudge the memory it frees or takes.
          const known = loaded.get(command.model);
          const gpuLayers = this.device.kind === 'cpu' ? 0 : command.gpuLayers;
          if (known) {
            known.gpuLayers = gpuLayers;
            known.memoryBytes = command.rates.memoryBytes;
            known.slots = command.slots;
          } else {
            loaded.set(command.model, {
              model: command.model,
              gpuLayers,
              memoryBytes: command.rates.memoryBytes,
              slots: command.slots,
              busySlots: 0,
              loadedAt: command.sentAt,
              lastUsedAt: command.sentAt,
            });
          }
          break;
        }
        case 'unload':
          loaded.delete(command.model);
          break;
        case 'run': {
          const m = loaded.get(command.job.spec.model);
          if (m) {
            m.busySlots += 1;
            m.lastUsedAt = command.sentAt;
          }
          running.push(command.job.runningView(clock));
          break;
        }
        case 'preempt':
          break;
      }
    }
    const g = this.group;
    this.cached = {
      id: this.id,
      device: {
        kind: this.device.kind,
        name: this.device.name,
        gpuMemoryTotalBytes: this.device.kind === 'cpu' ? 0 : this.device.memoryBytes,
        ramTotalBytes: this.ramTotalBytes,
        threads: g.threads,
      },
      catalogDevice: g.device,
      memoryBudgetBytes: g.memoryBudgetBytes,
      slotsPerModel: g.slotsPerModel,
      maxConcurrentJobs: g.maxConcurrentJobs,
      models: g.models,
      loaded: [...loaded.values()],
      running,
      draining: false,
      warmModels: this.warmList,
    };
    this.dirty = false;
    return this.cached;
  }
}
