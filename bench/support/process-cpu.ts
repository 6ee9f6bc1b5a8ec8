import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on Linux everywhere it runs). */
const TICKS_PER_SECOND = 100;

/** CPU ms a process has used (user + system), from /proc; NaN once it is gone. */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), from field 3 on: utime is 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

/** Pids of the processes whose command is `name` (e.g. the shared redis-server). */
export function pidsNamed(name: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) pids.push(Number(entry));
    } catch {
      // Gone between the listing and the read.
    }
  }
  return pids;
}

function machineBusyMs(): number {
  return cpus().reduce((ms, { times }) => ms + times.user + times.nice + times.sys + times.irq, 0);
}

/**
 * Where a machine's CPU went over a run: each watched process's CPU time, and the whole
 * machine's, as average busy threads (CPU ms / wall ms), so that a fleet's own processes can be
 * told apart from everything else on the host.
 */
export class ProcessCpu {
  private readonly startedAt = performance.now();
  private readonly machineStart = machineBusyMs();
  private readonly starts: number[];

  constructor(readonly processes: { label: string; pid: number }[]) {
    this.starts = processes.map((p) => processCpuMs(p.pid));
  }

  /** Average busy threads since construction: per process, and the machine as a whole. */
  busyThreads(): { label: string; threads: number }[] {
    const wallMs = performance.now() - this.startedAt;
    const rows = this.processes.map((p, i) => ({
      label: p.label,
      threads: (processCpuMs(p.pid) - this.starts[i]) / wallMs,
    }));
    rows.push({ label: 'machine', threads: (machineBusyMs() - this.machineStart) / wallMs });
    return rows;
  }
}
