import { useState } from 'preact/hooks';
import { ago, fromNow } from './format.js';

/** The fields of GET /v1/jobs/:id the lookup shows. */
interface JobView {
  id: string;
  state: string;
  phase: string;
  model: string;
  priority: string;
  worker: string | null;
  gpuLayers: number | null;
  submittedAt: number;
  reason: string | null;
  position: number | null;
  estimatedStartAt: number | null;
  usage: { completion_tokens: number } | null;
  error: string | null;
}

/** "Why is my job waiting?": reads one job as GET /v1/jobs/:id tells it. */
export function JobLookup({ now }: { now: number }) {
  const [id, setId] = useState('');
  const [job, setJob] = useState<JobView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const look = async (event: Event) => {
    event.preventDefault();
    const wanted = id.trim();
    if (!wanted) return;
    setError(null);
    const response = await fetch(`/v1/jobs/${encodeURIComponent(wanted)}`).catch(() => null);
    if (!response?.ok) {
      setJob(null);
      setError(
        response?.status === 404 ? `no job ${wanted}` : `lookup failed (${response?.status})`,
      );
      return;
    }
    setJob((await response.json()) as JobView);
  };
  return (
    <div class="lookup">
      <form onSubmit={look}>
        <input
          type="search"
          placeholder="job id"
          aria-label="job id"
          value={id}
          onInput={(e) => setId((e.target as HTMLInputElement).value)}
        />
        <button type="submit">Why?</button>
      </form>
      {error && <p class="error-text">{error}</p>}
      {job && (
        <dl class="lookup-result" data-job={job.id}>
          <dt>state</dt>
          <dd>
            <strong>{job.state}</strong> ({job.phase}) · {job.priority} · {job.model} · submitted{' '}
            {ago(job.submittedAt, now)}
          </dd>
          {job.state === 'queued' && (
            <>
              <dt>position</dt>
              <dd>
                {job.position ?? '–'} in its class
                {job.estimatedStartAt !== null && `, starts ${fromNow(job.estimatedStartAt, now)}`}
              </dd>
            </>
          )}
          {job.worker && (
            <>
              <dt>worker</dt>
              <dd>
                {job.worker}
                {job.gpuLayers !== null && ` · ${job.gpuLayers} GPU layers`}
                {job.usage && ` · ${job.usage.completion_tokens} tokens`}
              </dd>
            </>
          )}
          {(job.reason || job.error) && (
            <>
              <dt>why</dt>
              <dd>{job.error ?? job.reason}</dd>
            </>
          )}
        </dl>
      )}
    </div>
  );
}
