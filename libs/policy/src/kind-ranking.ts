import type { RoundState } from './round-state.js';
import type { PolicyWorker } from './snapshot.js';

/** One worker's place in its kind's ranking: what it was ranked by. */
interface Ranked {
  worker: PolicyWorker;
  /** Its place among the kind's workers by id (ties). */
  index: number;
  capacity: number;
  free: number;
}

interface Ranking {
  version: number;
  entries: Ranked[];
  workers: PolicyWorker[];
}

/**
 * The live workers of each speed key, those with a free slot first, then by free memory, then by
 * id: the order PlacementOptions picks the most promising workers of a kind from. A change of one
 * worker (a dispatch, a load) moves that worker only, instead of sorting the kind again.
 */
export class KindRanking {
  private readonly rankings = new Map<string, Ranking>();

  constructor(private readonly round: RoundState) {}

  /** The kind's live workers in ranking order. */
  of(key: string): readonly PolicyWorker[] {
    const r = this.round;
    const version = r.kindVersion(key);
    let ranking = this.rankings.get(key);
    if (!ranking) {
      const entries = r.liveOfKind(key).map((worker, index) => this.entry(worker, index));
      entries.sort(before);
      ranking = { version, entries, workers: entries.map((e) => e.worker) };
      this.rankings.set(key, ranking);
    } else if (ranking.version !== version) {
      this.rerank(ranking);
      ranking.version = version;
    }
    return ranking.workers;
  }

  /** Moves the workers whose free slots or memory changed to their new places. */
  private rerank(ranking: Ranking): void {
    const { entries } = ranking;
    const moved: Ranked[] = [];
    for (let i = 0; i < entries.length;) {
      const entry = entries[i];
      const now = this.entry(entry.worker, entry.index);
      if (now.capacity === entry.capacity && now.free === entry.free) {
        i++;
        continue;
      }
      entries.splice(i, 1);
      moved.push(now);
    }
    for (const entry of moved) {
      let at = 0;
      while (at < entries.length && before(entries[at], entry) < 0) at++;
      entries.splice(at, 0, entry);
    }
    ranking.workers = entries.map((e) => e.worker);
  }

  private entry(worker: PolicyWorker, index: number): Ranked {
    const r = this.round;
    return {
      worker,
      index,
      capacity: r.hasCapacity(worker) ? 1 : 0,
      free: r.plan.freeMemory(worker),
    };
  }
}

/** The ranking's order: a free slot first, then more free memory, then by id. */
function before(a: Ranked, b: Ranked): number {
  return b.capacity - a.capacity || b.free - a.free || a.index - b.index;
}
