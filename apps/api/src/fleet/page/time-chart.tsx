import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { HISTORY_MS } from './use-fleet.js';
import { clock, clockMinutes } from './format.js';

/** One line of a chart; `scale: 'rate'` puts it on a second axis at the right. */
export interface ChartSeries {
  label: string;
  color: string;
  values: number[];
  scale?: 'count' | 'rate';
}

interface Props {
  title: string;
  /** Sample times, epoch ms. */
  times: number[];
  series: ChartSeries[];
  /** Unit of the right axis, when a series uses it. */
  rateUnit?: string;
  id: string;
}

const HEIGHT = 210;
const AXIS = { stroke: '#9aa5b5', grid: { stroke: 'rgba(255,255,255,0.06)', width: 1 } };

/** A time-series chart (uPlot on a canvas) that follows its container's width. */
export function TimeChart({ title, times, series, rateUnit, id }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const data = (): uPlot.AlignedData => [
    times.map((t) => t / 1000),
    ...series.map((s) => s.values),
  ];
  // A new set of lines needs a new chart; new values only new data.
  const shape = series.map((s) => `${s.label}/${s.scale ?? 'count'}`).join('|');

  useEffect(() => {
    const element = box.current!;
    const chart = new uPlot(options(element.clientWidth, series, rateUnit), data(), element);
    plot.current = chart;
    const resize = new ResizeObserver(() => {
      chart.setSize({ width: element.clientWidth, height: HEIGHT });
    });
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = null;
    };
  }, [shape]);

  useEffect(() => {
    plot.current?.setData(data());
  }, [times, series]);

  return (
    <section class="panel chart-panel">
      <h2>{title}</h2>
      <div ref={box} class="chart" id={id} data-points={times.length} />
    </section>
  );
}

function options(width: number, series: ChartSeries[], rateUnit?: string): uPlot.Options {
  const usesRate = series.some((s) => s.scale === 'rate');
  return {
    width: Math.max(width, 200),
    height: HEIGHT,
    cursor: { drag: { x: false, y: false } },
    scales: {
      // Always the last ten minutes, new samples coming in at the right: a steady picture.
      x: { time: true, range: (_u, _min, max) => [max - HISTORY_MS / 1000, max] },
      count: { range: (_u, _min, max) => [0, Math.max(4, max)] },
      ...(usesRate ? { rate: { range: (_u, _min, max) => [0, Math.max(10, max * 1.1)] } } : {}),
    },
    series: [
      { value: (_u: uPlot, v: number | null) => (v === null ? 'latest' : clock(v * 1000)) },
      ...series.map((s) => ({
        label: s.label,
        stroke: s.color,
        fill: s.scale === 'rate' ? undefined : `${s.color}1f`,
        width: 2,
        scale: s.scale ?? 'count',
        points: { show: false },
        // Under the cursor its value then; otherwise the latest.
        value: (u: uPlot, v: number | null, index: number, at: number | null) => {
          const shown = at === null ? u.data[index].at(-1) : v;
          return shown === null || shown === undefined ? '–' : shown.toLocaleString('en-US');
        },
      })),
    ],
    axes: [
      {
        ...AXIS,
        space: 70,
        values: (_u: uPlot, splits: number[]) => splits.map((s) => clockMinutes(s * 1000)),
      },
      { ...AXIS, scale: 'count', size: 44 },
      ...(usesRate
        ? [
            {
              ...AXIS,
              scale: 'rate',
              side: 1,
              size: 56,
              grid: { show: false },
              label: rateUnit,
              labelSize: 14,
            },
          ]
        : []),
    ],
    legend: { live: true },
  };
}
