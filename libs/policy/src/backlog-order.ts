import { classRank } from '#switchyard/contracts';
import { compareIds } from './format.js';
import type { PolicyJob } from './snapshot.js';

/** The window as the queue serves it: interactive, standard, batch; oldest first inside a class. */
export function byClassAndAge(backlog: readonly PolicyJob[]): PolicyJob[] {
  return [...backlog].sort(
    (a, b) =>
      classRank(a.priority) - classRank(b.priority) ||
      a.submittedAt - b.submittedAt ||
      compareIds(a.id, b.id),
  );
}
