/**
 * A double-ended queue on a growable ring buffer: the queue's priority levels take jobs at the
 * back (submitted) and at the front (preempted, as BullMQ's moveToWait does) in O(1).
 */
export class JobDeque<T> {
  private items: (T | undefined)[] = new Array(16);
  private head = 0;
  private count = 0;

  /** Number of items. */
  get size(): number {
    return this.count;
  }

  /** Appends at the back. */
  pushBack(item: T): void {
    this.grow();
    this.items[(this.head + this.count) % this.items.length] = item;
    this.count++;
  }

  /** Inserts at the front. */
  pushFront(item: T): void {
    this.grow();
    this.head = (this.head - 1 + this.items.length) % this.items.length;
    this.items[this.head] = item;
    this.count++;
  }

  /** The front item, left in place. */
  peek(): T | undefined {
    return this.count === 0 ? undefined : this.items[this.head];
  }

  /** Removes and returns the front item. */
  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.items.length;
    this.count--;
    return item;
  }

  /** Items from front to back. */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.count; i++) yield this.items[(this.head + i) % this.items.length]!;
  }

  /** Removes every item. */
  clear(): void {
    this.items = new Array(16);
    this.head = 0;
    this.count = 0;
  }

  private grow(): void {
    if (this.count < this.items.length) return;
    const larger: (T | undefined)[] = new Array(this.items.length * 2);
    for (let i = 0; i < this.count; i++)
      larger[i] = this.items[(this.head + i) % this.items.length];
    this.items = larger;
    this.head = 0;
  }
}
