import { useMemo } from 'preact/hooks';
import { PRIORITY_CLASSES, type QueueDepthSample } from './contracts.js';
import { CLASS_COLORS, RATE_COLOR } from './format.js';
import { TimeChart, type ChartSeries } from './time-chart.js';

/** Queue depth by class, and running jobs with the fleet's decode rate, over the last minutes. */
export function QueueCharts({ samples }: { samples: QueueDepthSample[] }) {
  const times = useMemo(() => samples.map((s) => s.at), [samples]);
  const waiting = useMemo<ChartSeries[]>(
    () =>
      PRIORITY_CLASSES.map((c) => ({
        label: c,
        color: CLASS_COLORS[c],
        values: samples.map((s) => s.waiting[c]),
      })),
    [samples],
  );
  const running = useMemo<ChartSeries[]>(
    () => [
      ...PRIORITY_CLASSES.map((c) => ({
        label: `${c} running`,
        color: CLASS_COLORS[c],
        values: samples.map((s) => s.running[c]),
      })),
      {
        label: 'tokens/s',
        color: RATE_COLOR,
        values: samples.map((s) => s.tokensPerSecond),
        scale: 'rate' as const,
      },
    ],
    [samples],
  );
  return (
    <div class="charts">
      <TimeChart id="chart-waiting" title="Waiting jobs by class" times={times} series={waiting} />
      <TimeChart
        id="chart-running"
        title="Running jobs and decode tokens/s"
        times={times}
        series={running}
        rateUnit="tokens/s"
      />
    </div>
  );
}
