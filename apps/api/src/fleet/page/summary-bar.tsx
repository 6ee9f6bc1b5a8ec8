import { PRIORITY_CLASSES, type FleetSnapshot } from './contracts.js';
import { ago, formatDuration, formatNumber, shortId } from './format.js';

interface Props {
  snapshot: FleetSnapshot | null;
  error: string | null;
  receivedAt: number | null;
  now: number;
}

/** The page's header: who schedules, the fleet in four numbers, and whether the data is fresh. */
export function SummaryBar({ snapshot, error, receivedAt, now }: Props) {
  const workers = snapshot?.workers ?? [];
  const running = workers.reduce((n, w) => n + w.running.length, 0);
  const waiting = snapshot
    ? PRIORITY_CLASSES.reduce((n, c) => n + snapshot.queue.waiting[c], 0)
    : 0;
  const rate = workers.flatMap((w) => w.running).reduce((sum, j) => sum + j.tokensPerSecond, 0);
  const scheduler = snapshot?.scheduler;
  const stale = receivedAt !== null && now - receivedAt > 10_000;
  return (
    <header class="top">
      <div class="brand">
        <h1>Switchyard</h1>
        <span class="muted">fleet</span>
      </div>
      <div class="stats">
        <Stat label="workers" value={formatNumber(workers.length)} />
        <Stat label="running" value={formatNumber(running)} />
        <Stat label="waiting" value={formatNumber(waiting)} />
        <Stat label="tokens/s" value={formatNumber(rate)} />
      </div>
      <div class="leader">
        {scheduler?.leader ? (
          <span title={scheduler.leader}>
            <span class="dot ok" /> scheduler {shortId(scheduler.leader, 18)} ·{' '}
            {scheduler.policy ?? '?'}
            {scheduler.decideMs !== null && ` · decide ${formatDuration(scheduler.decideMs)}`}
          </span>
        ) : snapshot ? (
          <span class="bad">
            <span class="dot bad" /> no scheduler leads: nothing is being placed
          </span>
        ) : null}
        <span class={error || stale ? 'bad' : 'muted'} id="freshness">
          {error ? error : receivedAt === null ? 'loading…' : `updated ${ago(receivedAt, now)}`}
        </span>
      </div>
    </header>
  );
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div class="stat">
      <div class="stat-value">{value}</div>
      <div class="stat-label">{label}</div>
    </div>
  );
}
