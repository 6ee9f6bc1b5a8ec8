/** Anything the event queue can order: a time, a rank among same-time events, an insertion number. */
export interface QueuedEvent {
  /** Simulated time (ms). */
  at: number;
  /** Order among events at the same time: lower first (a decision round comes after the facts). */
  rank: number;
  /** Insertion number, set by the queue: same time and rank keep their insertion order. */
  seq?: number;
}

/**
 * A binary min-heap of events ordered by (at, rank, insertion): pushes and pops in O(log n),
 * and a stable order for same-time events, so a run never depends on how the heap was built.
 */
export class EventQueue<E extends QueuedEvent> {
  private readonly heap: E[] = [];
  private inserted = 0;

  /** Number of events queued. */
  get size(): number {
    return this.heap.length;
  }

  /** Adds an event. */
  push(event: E): void {
    event.seq = this.inserted++;
    const heap = this.heap;
    heap.push(event);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(event, heap[parent])) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = event;
  }

  /** The earliest event, without removing it. */
  peek(): E | undefined {
    return this.heap[0];
  }

  /** Removes and returns the earliest event. */
  pop(): E | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length === 0 || last === undefined) return top;
    let i = 0;
    const n = heap.length;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && before(heap[right], heap[left]) ? right : left;
      if (!before(heap[child], last)) break;
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = last;
    return top;
  }
}

function before(x: QueuedEvent, y: QueuedEvent): boolean {
  if (x.at !== y.at) return x.at < y.at;
  if (x.rank !== y.rank) return x.rank < y.rank;
  return x.seq! < y.seq!;
}
