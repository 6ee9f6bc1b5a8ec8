import { PRIORITY_CLASSES, type FleetSnapshot } from './contracts.js';
import { CLASS_COLORS, formatDuration, formatNumber, fromNow, shortId } from './format.js';
import { JobLookup } from './job-lookup.js';

/** Why jobs wait: the first waiting jobs with position, estimated start and the policy's reason. */
export function WaitingPanel({ snapshot, now }: { snapshot: FleetSnapshot; now: number }) {
  const total = PRIORITY_CLASSES.reduce((n, c) => n + snapshot.queue.waiting[c], 0);
  const shown = snapshot.waiting.length;
  return (
    <section class="panel waiting-panel">
      <h2>Why is my job waiting?</h2>
      <JobLookup now={now} />
      <p class="muted">
        {formatNumber(total)} waiting (
        {PRIORITY_CLASSES.map((c) => `${formatNumber(snapshot.queue.waiting[c])} ${c}`).join(', ')})
        {shown > 0 && total > shown ? `; the first ${shown} in the scheduler's order:` : ''}
      </p>
      {shown > 0 && (
        <div class="table-scroll">
          <table class="waiting">
            <thead>
              <tr>
                <th>#</th>
                <th>job</th>
                <th>class</th>
                <th>model</th>
                <th>waited</th>
                <th>starts</th>
                <th>reason</th>
              </tr>
            </thead>
            <tbody>
              {snapshot.waiting.map((j) => (
                <tr data-job={j.id}>
                  <td class="num">{j.position ?? '–'}</td>
                  <td class="mono" title={j.id}>
                    {shortId(j.id)}
                  </td>
                  <td style={{ color: CLASS_COLORS[j.priority] }}>{j.priority}</td>
                  <td>{j.model}</td>
                  <td class="muted">{formatDuration(now - j.submittedAt)}</td>
                  <td>{j.estimatedStartAt === null ? '–' : fromNow(j.estimatedStartAt, now)}</td>
                  <td class="reason">{j.reason ?? 'not yet in the scheduler window'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
