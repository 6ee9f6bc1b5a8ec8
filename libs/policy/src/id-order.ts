import { compareIds } from './format.js';

/**
 * Sorts items by id (see compareIds), remembering the last order: a fleet's workers change
 * rarely between rounds, and sorting 256 ids by their numeric parts on every round cost a tenth
 * of a round. A cache only: the order is always that of the ids given.
 */
export class IdOrder {
  private lastKey: string | undefined;
  private lastOrder: number[] = [];

  /** The items sorted by id. */
  sort<T extends { id: string }>(items: readonly T[]): T[] {
    let key = '';
    for (const item of items) key += item.id + '\u0000';
    if (key !== this.lastKey) {
      this.lastOrder = items.map((_, i) => i).sort((a, b) => compareIds(items[a].id, items[b].id));
      this.lastKey = key;
    }
    return this.lastOrder.map((i) => items[i]);
  }
}
