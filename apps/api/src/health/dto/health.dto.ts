/** `GET /health`. */
export interface HealthDto {
  /** ok: Redis, a scheduler leader and a worker; degraded: Redis but no leader or no worker; down: no Redis. */
  status: 'ok' | 'degraded' | 'down';
  redis: { ok: boolean; latency_ms: number | null };
  scheduler: { leader: string | null };
  workers: { count: number; ids: string[] };
}
