import { cpus } from 'node:os';

function machineTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const { times } of cpus()) {
    busy += times.user + times.nice + times.sys + times.irq;
    total += times.user + times.nice + times.sys + times.irq + times.idle;
  }
  return { busy, total };
}

function ownMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * How much of the machine other processes used while something was measured: (all CPU time
 * spent busy − this process's own) / all CPU time. Timings taken while it is high are not this
 * device's: on a 2-core box one busy neighbour makes two llama.cpp threads spin.
 */
export class CpuLoadMeter {
  private constructor(
    private readonly machine: { busy: number; total: number },
    private readonly own: number,
  ) {}

  /** Starts measuring now. */
  static start(): CpuLoadMeter {
    return new CpuLoadMeter(machineTimes(), ownMs());
  }

  /** Share (0..1) of the machine's CPU time used by other processes since start. */
  otherShare(): number {
    const now = machineTimes();
    const total = now.total - this.machine.total;
    if (total <= 0) return 0;
    const others = now.busy - this.machine.busy - (ownMs() - this.own);
    return Math.min(1, Math.max(0, others / total));
  }
}

/**
 * Waits until other processes use at most `maxShare` of the machine over a `windowMs` window
 * (two windows in a row), or `maxWaitMs` has passed; returns the last share seen.
 */
export async function waitForQuiet(options: {
  maxShare: number;
  maxWaitMs: number;
  windowMs?: number;
  onWait?: (share: number) => void;
}): Promise<number> {
  const windowMs = options.windowMs ?? 2000;
  const deadline = Date.now() + options.maxWaitMs;
  let quiet = 0;
  for (;;) {
    const meter = CpuLoadMeter.start();
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const share = meter.otherShare();
    quiet = share <= options.maxShare ? quiet + 1 : 0;
    if (quiet >= 2 || Date.now() >= deadline) return share;
    if (quiet === 0) options.onWait?.(share);
  }
}
