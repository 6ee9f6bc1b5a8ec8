import { useEffect, useState } from 'preact/hooks';
import { DecisionsPanel } from './decisions-panel.js';
import { QueueCharts } from './queue-charts.js';
import { SlaPanel } from './sla-panel.js';
import { SummaryBar } from './summary-bar.js';
import { useFleet } from './use-fleet.js';
import { WaitingPanel } from './waiting-panel.js';
import { WorkerCard } from './worker-card.js';

/** The fleet page: header, charts, SLA, one card per worker, waiting jobs and decisions. */
export function App() {
  const { snapshot, samples, error, receivedAt } = useFleet();
  const clientNow = useNow();
  // Times in the snapshot come from the servers' clocks: read them against the api's.
  const now = snapshot && receivedAt !== null ? clientNow + snapshot.at - receivedAt : clientNow;
  return (
    <>
      <SummaryBar snapshot={snapshot} error={error} receivedAt={receivedAt} now={clientNow} />
      <main>
        <QueueCharts samples={samples} />
        {snapshot && (
          <>
            <SlaPanel sla={snapshot.sla} minutes={snapshot.slaRecentMinutes} />
            <h2 class="section">Workers</h2>
            <div class="workers">
              {snapshot.workers.length === 0 && (
                <p class="panel muted">no live worker: start one with npm run start:worker</p>
              )}
              {snapshot.workers.map((w) => (
                <WorkerCard key={w.id} worker={w} now={now} />
              ))}
            </div>
            <div class="columns">
              <WaitingPanel snapshot={snapshot} now={now} />
              <DecisionsPanel decisions={snapshot.decisions} />
            </div>
          </>
        )}
      </main>
    </>
  );
}

/** The time, once a second, so "ago" and "in" read right between polls. */
function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return now;
}
