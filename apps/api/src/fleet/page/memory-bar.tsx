import type { FleetWorker } from './contracts.js';
import { formatBytes, modelColor } from './format.js';

/**
 * The worker's memory budget as a bar: one segment per loaded model, as wide as its share of the
 * budget, labelled with its GPU layers; the rest is free.
 */
export function MemoryBar({ worker }: { worker: FleetWorker }) {
  const budget = Math.max(worker.memoryBudgetBytes, worker.memoryUsedBytes, 1);
  const used = (worker.memoryUsedBytes / budget) * 100;
  return (
    <div class="memory">
      <div class="memory-head">
        <span>Memory</span>
        <span class="muted">
          {formatBytes(worker.memoryUsedBytes)} of {formatBytes(worker.memoryBudgetBytes)} (
          {used > 0 && used < 1 ? '<1' : Math.round(used)} %)
        </span>
      </div>
      <div class="memory-bar" role="img" aria-label={`memory ${Math.round(used)} % used`}>
        {worker.loaded.map((m) => {
          const share = (m.memoryBytes / budget) * 100;
          return (
            <div
              class="memory-segment"
              style={{ width: `${share}%`, background: modelColor(m.model) }}
              title={`${m.model}: ${formatBytes(m.memoryBytes)}, ${m.gpuLayers}/${m.totalLayers} layers on the GPU`}
            >
              {share > 18 ? `${m.model} · ${m.gpuLayers}/${m.totalLayers}` : ''}
            </div>
          );
        })}
      </div>
    </div>
  );
}
