import type { WorkerState } from '#switchyard/contracts';

/** `GET /v1/workers`: every live worker's last heartbeat, and who schedules. */
export interface FleetViewDto {
  workers: WorkerState[];
  scheduler: {
    /** Id of the scheduler holding the leader lock, or null when none leads. */
    leader: string | null;
    /** The leader's last published status (its JSON as written), or null. */
    status: unknown;
  };
}
