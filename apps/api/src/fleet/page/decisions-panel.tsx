import type { DecisionRecord } from './contracts.js';
import { clock, shortId } from './format.js';

/** What a decision did, in a few words: the job or model and the worker. */
function target(d: DecisionRecord): string {
  const worker = shortId(d.workerId, 14);
  switch (d.type) {
    case 'dispatch':
      return `job ${shortId(d.jobId ?? '?')} → ${worker}`;
    case 'preempt':
      return `job ${shortId(d.jobId ?? '?')} on ${worker} (${d.path})`;
    case 'load':
    case 'reoffload':
      return `${d.model} → ${worker}, ${d.gpuLayers} GPU layers`;
    case 'unload':
      return `${d.model} from ${worker}`;
  }
}

/** The scheduler's latest applied actions with the policy's reasons, newest first. */
export function DecisionsPanel({ decisions }: { decisions: DecisionRecord[] }) {
  return (
    <section class="panel decisions-panel">
      <h2>Scheduler decisions</h2>
      {decisions.length === 0 ? (
        <p class="muted">no decision yet</p>
      ) : (
        <ol class="decisions">
          {decisions.map((d) => (
            <li data-type={d.type} data-job={d.jobId}>
              <span class="mono muted">{clock(d.at)}</span>
              <span class={`badge ${d.type}`}>{d.type}</span>
              <span class="decision-target">{target(d)}</span>
              <span class="reason">{d.reason}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
