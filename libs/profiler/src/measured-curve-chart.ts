import { ChartScale, tickLabel } from './chart-scale.js';
import { SvgDocument } from './svg-document.js';

/** One series of a panel: tokens/s by GPU-layer count. */
export interface CurveSeries {
  label: string;
  points: { gpuLayers: number; tokensPerSecond: number }[];
}

/** One model's panel: the measured points and the predictions drawn as lines through them. */
export interface MeasuredCurvePanel {
  title: string;
  /** gpuLayers runs from 0 to this (layers + 1). */
  maxGpuLayers: number;
  measured: CurveSeries;
  predicted: CurveSeries[];
}

/** What the measured-curve chart shows. */
export interface MeasuredCurveChartInput {
  title: string;
  subtitle: string;
  panels: MeasuredCurvePanel[];
}

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728'];
const PANEL = { width: 360, height: 250, left: 56, right: 14, top: 34, bottom: 40 };
const HEADER = 92;

/**
 * Measured tokens/s at each GPU-layer count (dots) against the cost model's predictions (lines),
 * one log-scale panel per model: the picture of a device check, where the sensitivity chart
 * can only predict.
 */
export function measuredCurveChartSvg(input: MeasuredCurveChartInput): string {
  const columns = Math.min(2, input.panels.length);
  const rows = Math.ceil(input.panels.length / columns);
  const svg = new SvgDocument(columns * PANEL.width + 20, HEADER + rows * PANEL.height + 10);
  svg.text(10, 22, input.title, { 'font-size': 16, 'font-weight': 'bold' });
  svg.text(10, 40, input.subtitle, { fill: '#555' });
  svg.circle(16, 70, 4, { fill: '#000' });
  svg.text(24, 74, 'measured');
  (input.panels[0]?.predicted ?? []).forEach((series, i) => {
    const x = 100 + i * 220;
    svg.line(x, 70, x + 22, 70, { stroke: COLORS[i % COLORS.length], 'stroke-width': 2 });
    svg.text(x + 27, 74, series.label);
  });
  input.panels.forEach((panel, i) => {
    const x0 = 10 + (i % columns) * PANEL.width;
    const y0 = HEADER + Math.floor(i / columns) * PANEL.height;
    drawPanel(svg, x0, y0, panel);
  });
  return svg.toString();
}

function drawPanel(svg: SvgDocument, x0: number, y0: number, panel: MeasuredCurvePanel): void {
  const area = {
    left: x0 + PANEL.left,
    right: x0 + PANEL.width - PANEL.right,
    top: y0 + PANEL.top,
    bottom: y0 + PANEL.height - PANEL.bottom,
  };
  const values = [panel.measured, ...panel.predicted].flatMap((s) =>
    s.points.map((p) => p.tokensPerSecond),
  );
  const xScale = ChartScale.linear(0, panel.maxGpuLayers, area.left, area.right);
  const yScale = ChartScale.log(Math.min(...values), Math.max(...values), area.bottom, area.top);
  for (const tick of yScale.ticks()) {
    const y = yScale.map(tick);
    svg.line(area.left, y, area.right, y, { stroke: '#e5e5e5' });
    svg.text(area.left - 5, y + 4, tickLabel(tick), { 'text-anchor': 'end', fill: '#444' });
  }
  const step = Math.max(1, Math.ceil(panel.maxGpuLayers / 8));
  for (let tick = 0; tick <= panel.maxGpuLayers; tick += step) {
    const x = xScale.map(tick);
    svg.line(x, area.bottom, x, area.bottom + 4, { stroke: '#444' });
    svg.text(x, area.bottom + 16, String(tick), { 'text-anchor': 'middle', fill: '#444' });
  }
  svg.rect(area.left, area.top, area.right - area.left, area.bottom - area.top, {
    fill: 'none',
    stroke: '#444',
  });
  svg.text((area.left + area.right) / 2, area.bottom + 32, 'layers on the GPU', {
    'text-anchor': 'middle',
  });
  const yMid = (area.top + area.bottom) / 2;
  svg.text(area.left - 42, yMid, 'tokens/s', {
    'text-anchor': 'middle',
    transform: `rotate(-90 ${area.left - 42} ${yMid})`,
  });
  svg.text(area.left, y0 + 20, panel.title, { 'font-weight': 'bold' });
  const at = (p: { gpuLayers: number; tokensPerSecond: number }): [number, number] => [
    xScale.map(p.gpuLayers),
    yScale.map(p.tokensPerSecond),
  ];
  panel.predicted.forEach((series, i) =>
    svg.polyline(series.points.map(at), {
      stroke: COLORS[i % COLORS.length],
      'stroke-width': 2,
    }),
  );
  for (const point of panel.measured.points) {
    const [x, y] = at(point);
    svg.titled(`${point.gpuLayers} layers: ${point.tokensPerSecond.toFixed(1)} tok/s`, (s) =>
      s.circle(x, y, 3.5, { fill: '#000' }),
    );
  }
}
