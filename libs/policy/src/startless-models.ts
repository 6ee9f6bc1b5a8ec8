/**
 * Models for which a round has found no way to start a job now, per class and free-slot right.
 *
 * Within a round resources only shrink: dispatches take slots, loads take memory, preemptions take
 * victims. So once a job of model M has weighed every option and none starts it now, the jobs of M
 * behind it (same class or lower, so no more rights) cannot start either, until something frees
 * memory, slots or a copy of M: an unload, a re-offload, a preemption, or a load of M (whose new
 * copy has slots). Those jobs can only wait; the round places them as such (see JobPlacer's
 * estimate cap) instead of weighing every option again. In a fresh 10,000-job round, 2,976 of the
 * 7,149 jobs weighed found no start; every later job of their model and class was weighed again.
 */
export class StartlessModels {
  /** Bumped by every change that may free memory or slots anywhere. */
  private releases = 0;
  /** Loads of each model this round (a new copy has slots for its model's jobs). */
  private readonly loads = new Map<string, number>();
  /**
   * Per model and free-slot right, the most urgent class rank found startless and the stamp then.
   * A less urgent class has no more ways to start (it may preempt fewer jobs), and a job without
   * the right to a free slot none that one with it lacks: one finding covers both.
   */
  private readonly found = new Map<string, Finding>();

  /** True when a job of `model` with these rights was found startless and nothing freed since. */
  has(model: string, rank: number, takeFree: boolean): boolean {
    const stamp = this.stamp(model);
    const covers = (finding: Finding | undefined) =>
      finding !== undefined && finding.stamp === stamp && finding.rank <= rank;
    return (
      covers(this.found.get(key(model, true))) ||
      (!takeFree && covers(this.found.get(key(model, false))))
    );
  }

  /** Records that a job of `model` with these rights had no way to start now. */
  add(model: string, rank: number, takeFree: boolean): void {
    const stamp = this.stamp(model);
    const at = key(model, takeFree);
    const finding = this.found.get(at);
    if (finding && finding.stamp === stamp && finding.rank <= rank) return;
    this.found.set(at, { rank, stamp });
  }

  /** Something freed memory or slots (an unload, a re-offload, a preemption): forget everything. */
  released(): void {
    this.releases += 1;
  }

  /** A copy of `model` was loaded: its jobs may start on it. */
  loaded(model: string): void {
    this.loads.set(model, (this.loads.get(model) ?? 0) + 1);
  }

  private stamp(model: string): string {
    return `${this.releases}/${this.loads.get(model) ?? 0}`;
  }
}

interface Finding {
  rank: number;
  stamp: string;
}

function key(model: string, takeFree: boolean): string {
  return `${takeFree ? '+' : '-'}${model}`;
}
