import type { FleetWorker } from './contracts.js';
import {
  ago,
  CLASS_COLORS,
  formatBytes,
  formatDuration,
  formatNumber,
  modelColor,
  shortId,
} from './format.js';
import { MemoryBar } from './memory-bar.js';

/** One worker: its device, memory by model, loaded models with their GPU layers, running jobs. */
export function WorkerCard({ worker, now }: { worker: FleetWorker; now: number }) {
  const device = worker.device;
  const gpu = device.kind !== 'cpu';
  return (
    <article class={`panel worker${worker.draining ? ' draining' : ''}`} data-worker={worker.id}>
      <header class="worker-head">
        <span class={`device-kind ${device.kind}`}>{device.kind.toUpperCase()}</span>
        <h3 title={worker.id}>{worker.id}</h3>
        {worker.draining && <span class="badge warn">draining</span>}
      </header>
      <p class="device muted">
        {device.name}
        {gpu ? ` · ${formatBytes(device.gpuMemoryTotalBytes)} GPU` : ''} · {device.threads} thread
        {device.threads === 1 ? '' : 's'} · {worker.host}
      </p>
      <MemoryBar worker={worker} />
      <ul class="models">
        {worker.loaded.length === 0 && <li class="muted">no model loaded</li>}
        {worker.loaded.map((m) => (
          <li class="model" data-model={m.model}>
            <span class="swatch" style={{ background: modelColor(m.model) }} />
            <span class="model-name">{m.model}</span>
            <span class="layers" title="layers on the GPU / all layers">
              <span class="layer-bar">
                <span style={{ width: `${(m.gpuLayers / Math.max(m.totalLayers, 1)) * 100}%` }} />
              </span>
              {m.gpuLayers}/{m.totalLayers} layers on GPU
            </span>
            <span class="muted">{formatBytes(m.memoryBytes)}</span>
            <span class="muted">
              slots {m.busySlots}/{m.slots}
            </span>
          </li>
        ))}
      </ul>
      <h4>
        Running <span class="muted">{worker.running.length}</span>
        <span class="muted"> / {worker.maxConcurrentJobs}</span>
      </h4>
      {worker.running.length === 0 ? (
        <p class="muted idle">idle</p>
      ) : (
        <table class="jobs">
          <tbody>
            {worker.running.map((j) => (
              <tr data-job={j.jobId} title={`${j.jobId}: ${j.phase}`}>
                <td class="mono">{shortId(j.jobId)}</td>
                <td>
                  {j.model}
                  {j.phase !== 'decoding' && <span class="muted"> · {j.phase}</span>}
                </td>
                <td>
                  <span class="chip" style={{ color: CLASS_COLORS[j.priority] }}>
                    {j.priority}
                  </span>
                </td>
                <td class="num">
                  {formatNumber(j.completionTokens)}/{formatNumber(j.maxTokens)}
                </td>
                <td class="num rate">{formatNumber(j.tokensPerSecond)} tok/s</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <footer class="worker-foot muted">
        {worker.keptKvStates.count > 0 &&
          `${worker.keptKvStates.count} KV state(s) kept (${formatBytes(worker.keptKvStates.bytes)}) · `}
        up {formatDuration(now - worker.startedAt)} · heartbeat {ago(worker.heartbeatAt, now)}
      </footer>
    </article>
  );
}
