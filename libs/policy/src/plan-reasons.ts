import { formatBytes, formatMs } from './format.js';
import type { SkippedBound } from './plan-choice.js';
import { noteText, type PlanOption, type PlanStep } from './plan-option.js';
import type { RoundState } from './round-state.js';
import { describeSla, type SlaTargets } from './sla-targets.js';
import type { PolicyJob, PolicyLoadedModel, PolicyRunningJob, PolicyWorker } from './snapshot.js';

/**
 * The words of every action and wait: each names the numbers that decided it (predicted finish
 * here and on the runner-up, layers, costs), relative to the round's `now`.
 */
export class PlanReasons {
  constructor(private readonly round: RoundState) {}

  /** "w1: predicted finish 1.2 s vs 4.8 s on w2; llama loaded, 33/33 GPU layers at 45 tok/s". */
  dispatch(
    job: PolicyJob,
    chosen: PlanOption,
    other: PlanOption | undefined,
    bound?: SkippedBound,
  ): string {
    const versus = this.versus(other, bound) || ' (no other candidate)';
    const firstToken =
      job.priority === 'interactive'
        ? `, first token in ${formatMs(chosen.firstTokenAt - this.round.now)}`
        : '';
    return `${chosen.worker.id}: predicted finish ${this.in(chosen.finishAt)}${versus}${firstToken}; ${this.how(job, chosen)}${this.restore(job, chosen)}`;
  }

  /** Why a job waits for the option it was given. */
  wait(
    job: PolicyJob,
    chosen: PlanOption,
    other: PlanOption | undefined,
    bound?: SkippedBound,
  ): string {
    const versus = this.versus(other, bound);
    const where = chosen.worker.id;
    switch (chosen.kind) {
      case 'wait-slot':
        return (
          `waits for a slot of ${job.model} on ${where}${chosen.virtual ? ' (once loaded there)' : ''} ` +
          `in ${this.in(chosen.startAt)}: finish ${this.in(chosen.finishAt)}${versus}` +
          this.restore(job, chosen)
        );
      case 'wait-memory':
        return `waits for memory for ${job.model} (${noteText(chosen.note)}): finish ${this.in(chosen.finishAt)}${versus}`;
      case 'pause':
      case 'pause-evict':
        return `waits for the slot its preemption frees on ${where}, which ${noteText(chosen.note)}; starts in ${this.in(chosen.startAt)}`;
      default:
        return `waits: ${this.describe(chosen)}`;
    }
  }

  /** The load of the job's model. */
  load(job: PolicyJob, chosen: PlanOption, step: PlanStep, alternatives: PlanOption[]): string {
    if (step.type !== 'load') return '';
    const w = chosen.worker;
    const top = this.round.oracle.topLevel(job.model, w);
    const partial = step.gpuLayers < top && w.device.kind !== 'cpu';
    const waiting = alternatives
      .filter((o) => o.kind === 'wait-memory' || o.kind === 'wait-slot')
      .sort((a, b) => a.finishAt - b.finishAt)[0];
    const versus =
      partial && waiting
        ? `; partially offloaded it finishes job ${job.id} in ${this.in(chosen.finishAt)} vs ${this.describe(waiting)}`
        : '';
    return (
      `for job ${job.id}: ${this.level(w, job.model, step.gpuLayers)} (${formatBytes(step.memoryBytes)}), ` +
      `ready in ${this.in(chosen.startAt)}${versus}`
    );
  }

  /** The eviction of an idle copy. */
  unload(
    job: PolicyJob,
    worker: PolicyWorker,
    loaded: PolicyLoadedModel,
    reloadMs: number,
  ): string {
    const r = this.round;
    return (
      `idle ${formatMs(r.now - loaded.lastUsedAt)}, resident ${formatMs(r.now - loaded.loadedAt)} ` +
      `(minimum ${formatMs(r.settings.minResidencyMs)}); evicted on ${worker.id} for ${job.model} ` +
      `of job ${job.id}, reload cost ${formatMs(reloadMs)}`
    );
  }

  /** The shrinking of an idle copy to make room. */
  shrink(job: PolicyJob, step: PlanStep): string {
    if (step.type !== 'reoffload') return '';
    return (
      `${step.model} ${step.from}→${step.gpuLayers} GPU layers to make room for ${job.model} of ` +
      `job ${job.id}: its waiting demand slows by ${formatMs(step.lossMs)}, reload ${formatMs(step.ms)}`
    );
  }

  /** A preemption: the SLA at stake, the way chosen, its cost and what it was compared with. */
  preempt(
    job: PolicyJob,
    targets: SlaTargets,
    chosen: PlanOption,
    run: PolicyRunningJob,
    path: string,
    costMs: number,
    bestHarmless: PlanOption | undefined,
    nextCheapest: PlanOption | undefined,
  ): string {
    const without = bestHarmless
      ? `without preemption its first token comes in ${this.in(bestHarmless.firstTokenAt)}`
      : 'nothing can serve it without preemption';
    const meets =
      chosen.firstTokenAt <= (targets.firstTokenBy ?? Infinity) &&
      chosen.finishAt <= (targets.completeBy ?? Infinity);
    const evicts = chosen.evicts
      ? `, then evicting ${chosen.evicts.model} (reload ${formatMs(chosen.evicts.reloadMs)}),`
      : '';
    const next = nextCheapest
      ? `; next cheapest: ${noteText(nextCheapest.note) || nextCheapest.kind} on ${nextCheapest.worker.id}`
      : '';
    return (
      `${job.priority} job ${job.id} would miss its SLA (${describeSla(targets, this.round.now)}): ` +
      `${without}; pausing ${run.priority} job ${run.jobId} on ${chosen.worker.id} (${path}, ` +
      `${formatMs(costMs)})${evicts} is the cheapest way that ${meets ? 'meets it' : 'starts it soonest'}` +
      `, first token in ${this.in(chosen.firstTokenAt)}${next}`
    );
  }

  /** An option in a few words: "4.8 s waiting for a slot on w2". */
  describe(option: PlanOption): string {
    const at = this.in(option.finishAt);
    const id = option.worker.id;
    switch (option.kind) {
      case 'ready':
        return `${at} on ${id}`;
      case 'load':
        return `${at} loading on ${id}`;
      case 'wait-slot':
        return `${at} waiting for a slot on ${id}`;
      case 'wait-memory':
        return `${at} waiting for memory on ${id}`;
      case 'evict':
      case 'shrink':
      case 'pause':
      case 'pause-evict':
        return `${at} on ${id} (${noteText(option.note)})`;
    }
  }

  /** " vs 4.8 s on w2", or the bound of the workers not looked at: " vs at least 40 s on cpu-1". */
  private versus(other: PlanOption | undefined, bound: SkippedBound | undefined): string {
    const skipped = bound ? `at least ${this.in(bound.finishAt)} on ${bound.workerId}` : '';
    if (other && (!bound || other.finishAt <= bound.finishAt)) return ` vs ${this.describe(other)}`;
    return skipped ? ` vs ${skipped}` : '';
  }

  private how(job: PolicyJob, chosen: PlanOption): string {
    const w = chosen.worker;
    const level = this.level(w, job.model, chosen.gpuLayers);
    const rate = this.round.oracle.decodeTokensPerSecond(job.model, w, chosen.gpuLayers);
    const speed = `${level} at ${rate >= 10 ? Math.round(rate) : rate.toFixed(1)} tok/s`;
    switch (chosen.kind) {
      case 'ready':
        return `${job.model} loaded, ${speed}`;
      case 'pause':
        return `${noteText(chosen.note)}, ${speed}`;
      default: {
        const note = noteText(chosen.note);
        return `after loading ${job.model}${note ? ` (${note})` : ''}, ${speed}`;
      }
    }
  }

  /** "; resumes from its saved KV state (12 ms) instead of recomputing 700 tokens". */
  private restore(job: PolicyJob, chosen: PlanOption): string {
    if (chosen.restoresKvMs === undefined) return '';
    const tokens = (job.promptTokens ?? 0) + (job.checkpointTokens ?? 0);
    return `; resumes from its saved KV state (${formatMs(chosen.restoresKvMs)}) instead of recomputing ${tokens} tokens`;
  }

  private level(worker: PolicyWorker, model: string, gpuLayers: number): string {
    if (worker.device.kind === 'cpu') return 'on the CPU';
    return `${gpuLayers}/${this.round.oracle.topLevel(model, worker)} GPU layers`;
  }

  private in(at: number): string {
    return formatMs(at - this.round.now);
  }
}
