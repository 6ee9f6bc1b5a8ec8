import { useEffect, useState } from 'preact/hooks';
import type { FleetSnapshot, QueueDepthSample } from './contracts.js';

// Polling, not server-sent events: the api has nothing to push (the snapshot is read from Redis
// when asked), any api replica behind a load balancer can answer any poll without a sticky
// stream, and a poll every 2 s matches the scheduler's 2 s queue sampling. A hidden tab slows down.
const POLL_MS = 2_000;
const HIDDEN_POLL_MS = 10_000;
/** How much queue history the charts keep, as the api serves it. */
export const HISTORY_MS = 10 * 60_000;

/** What the page knows: the last snapshot, the queue history so far, and the last failure. */
export interface FleetState {
  snapshot: FleetSnapshot | null;
  samples: QueueDepthSample[];
  error: string | null;
  /** When the last snapshot arrived (the browser's clock). */
  receivedAt: number | null;
}

/** Polls GET /v1/fleet, asking only for queue samples newer than those it has. */
export function useFleet(): FleetState {
  const [state, setState] = useState<FleetState>({
    snapshot: null,
    samples: [],
    error: null,
    receivedAt: null,
  });
  useEffect(() => {
    let samples: QueueDepthSample[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    let inFlight = false;
    const poll = async () => {
      // A tab shown again polls at once; never two polls at a time.
      if (inFlight) return;
      inFlight = true;
      clearTimeout(timer);
      try {
        const newest = samples.at(-1)?.at;
        // The browser sends the Basic credentials it was given for /fleet along (same origin).
        const response = await fetch(`/v1/fleet${newest ? `?since=${newest}` : ''}`, {
          headers: { accept: 'application/json' },
        });
        if (!response.ok) throw new Error(await failure(response));
        const snapshot = (await response.json()) as FleetSnapshot;
        const cutoff = snapshot.at - HISTORY_MS;
        samples = [...samples, ...snapshot.queue.samples].filter((s) => s.at >= cutoff);
        if (!stopped) setState({ snapshot, samples, error: null, receivedAt: Date.now() });
      } catch (error) {
        if (!stopped) setState((s) => ({ ...s, error: (error as Error).message }));
      }
      inFlight = false;
      if (!stopped) timer = setTimeout(poll, document.hidden ? HIDDEN_POLL_MS : POLL_MS);
    };
    const onVisible = () => {
      if (!document.hidden) void poll();
    };
    document.addEventListener('visibilitychange', onVisible);
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, []);
  return state;
}

async function failure(response: Response): Promise<string> {
  if (response.status === 401 || response.status === 403) {
    return `the api answered ${response.status}: the fleet data needs an admin API key`;
  }
  const body = (await response.json().catch(() => null)) as { message?: string } | null;
  return `the api answered ${response.status}${body?.message ? `: ${body.message}` : ''}`;
}
