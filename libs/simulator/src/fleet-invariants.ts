import { InvariantViolation } from './invariant-violation.js';
import type { SimWorker } from './sim-worker.js';

/**
 * Checks the fleet's books at `now`, throwing InvariantViolation: no copy over its slots, every
 * slot holder running, memory books matching the copies and within budget, every running job on
 * its worker's loaded copy.
 */
export function checkFleetInvariants(workers: readonly SimWorker[], now: number): void {
  for (const w of workers) {
    let sum = 0;
    for (const inst of w.instances.values()) {
      sum += inst.memoryBytes;
      if (inst.jobs.size > inst.slots) {
        throw new InvariantViolation(
          now,
          `${w.id}: ${inst.jobs.size} jobs on ${inst.model} with ${inst.slots} slots`,
        );
      }
      for (const job of inst.jobs) {
        if (!w.active.includes(job))
          throw new InvariantViolation(now, `job ${job.spec.id} holds a slot but is not running`);
      }
    }
    if (Math.abs(sum - w.usedBytes) > 1)
      throw new InvariantViolation(now, `${w.id}: memory books ${w.usedBytes}, copies ${sum}`);
    if (w.usedBytes > w.memoryBudgetBytes) {
      throw new InvariantViolation(
        now,
        `${w.id}: ${w.usedBytes} bytes in use over a budget of ${w.memoryBudgetBytes}`,
      );
    }
    for (const job of w.active) {
      const inst = w.instances.get(job.spec.model);
      if (!inst || inst !== job.instance || inst.state !== 'ready' || job.worker !== w) {
        throw new InvariantViolation(
          now,
          `job ${job.spec.id} runs on ${w.id} without ${job.spec.model} loaded`,
        );
      }
    }
  }
}
