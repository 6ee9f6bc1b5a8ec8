/** The three service classes a job can ask for, most urgent first. */
export const PRIORITY_CLASSES = ['interactive', 'standard', 'batch'] as const;
export type PriorityClass = (typeof PRIORITY_CLASSES)[number];

/**
 * BullMQ priority per class: lower runs first, FIFO inside one value.
 * Gaps leave room for ageing; every job gets one because BullMQ serves unprioritized jobs first.
 */
export const BULL_PRIORITY: Record<PriorityClass, number> = {
  interactive: 100,
  standard: 200,
  batch: 300,
};

/** Rank of a class: 0 is the most urgent. */
export function classRank(priority: PriorityClass): number {
  return PRIORITY_CLASSES.indexOf(priority);
}

/** The class a BullMQ priority belongs to (nearest class at or below it). */
export function classOfBullPriority(priority: number): PriorityClass {
  if (priority <= BULL_PRIORITY.interactive) return 'interactive';
  if (priority <= BULL_PRIORITY.standard) return 'standard';
  return 'batch';
}
