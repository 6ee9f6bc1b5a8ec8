import {
  BYTES_PER_MIB,
  weightBytes,
  type CostModel,
  type ModelSpec,
  type OffloadCurve,
} from '#switchyard/cost-model';
import { ChartScale, tickLabel } from './chart-scale.js';
import { SvgDocument } from './svg-document.js';

/** A model to draw, with its measured all-host decode rates. */
export interface SensitivityModel {
  spec: ModelSpec;
  /** Decode tokens/s measured on this host with every layer on the CPU, per thread count. */
  measuredCpu: { threads: number; tokensPerSecond: number }[];
}

/** What the sensitivity chart shows. */
export interface SensitivityChartInput {
  models: SensitivityModel[];
  /** Catalog GPUs to predict the offload curve on. */
  gpus: string[];
  /** The cost model to predict with: the formulas with this host's probed figures. */
  costModel: CostModel;
  contextSize: number;
  /** Host threads for the layers left on the CPU, and for the CPU prediction. */
  threads: number;
  /** A line under the title: where the measurements come from. */
  subtitle?: string;
}

const GPU_COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];
const MODEL_COLORS = ['#17becf', '#e377c2', '#7f7f7f', '#bcbd22', '#9467bd', '#8c564b'];
const PANEL = { width: 360, height: 250, left: 56, right: 14, top: 34, bottom: 40 };
const HEADER = 92;

/**
 * The offload sensitivity picture: one panel per model with the predicted decode tokens/s at
 * every GPU-layer count on each catalog GPU (log scale) and, at 0 layers, this host's measured
 * CPU rate (filled) beside the cost model's CPU prediction (hollow); a last panel overlays the
 * models' relative throughput against the MiB of weights left on the host, where the smaller
 * models fall first (the study's first finding).
 */
export function sensitivityChartSvg(input: SensitivityChartInput): string {
  const { models, gpus, costModel, contextSize, threads } = input;
  const panels = models.length + 1;
  const columns = Math.min(2, panels);
  const rows = Math.ceil(panels / columns);
  const svg = new SvgDocument(columns * PANEL.width + 20, HEADER + rows * PANEL.height + 10);
  svg.text(10, 22, 'Offload sensitivity: predicted decode tokens/s by GPU layers', {
    'font-size': 16,
    'font-weight': 'bold',
  });
  wrap(input.subtitle ?? '', 115).forEach((line, i) =>
    svg.text(10, 40 + i * 15, line, { fill: '#555' }),
  );
  gpus.forEach((gpu, i) => {
    const x = 10 + i * 130;
    svg.line(x, 76, x + 22, 76, { stroke: GPU_COLORS[i % GPU_COLORS.length], 'stroke-width': 2 });
    svg.text(x + 27, 80, costModel.device(gpu).name.replace(/^NVIDIA (GeForce )?/, ''));
  });
  const legendX = 10 + gpus.length * 130;
  svg.circle(legendX + 6, 76, 4, { fill: '#000' });
  svg.text(legendX + 14, 80, 'measured on this host (0 layers)');
  svg.circle(legendX + 226, 76, 4, { fill: 'none', stroke: '#000' });
  svg.text(legendX + 234, 80, `predicted CPU, ${threads} thread${threads === 1 ? '' : 's'}`);

  const curves = models.map((model) =>
    gpus.map((device) =>
      costModel.offloadCurve({ model: model.spec, device, contextSize, threads }),
    ),
  );
  models.forEach((model, i) => {
    const x0 = 10 + (i % columns) * PANEL.width;
    const y0 = HEADER + Math.floor(i / columns) * PANEL.height;
    modelPanel(svg, x0, y0, model, curves[i]!, input);
  });
  const last = models.length;
  relativePanel(
    svg,
    10 + (last % columns) * PANEL.width,
    HEADER + Math.floor(last / columns) * PANEL.height,
    models,
    curves.map((c) => c[0]!),
    gpus[0] ? costModel.device(gpus[0]).name.replace(/^NVIDIA (GeForce )?/, '') : '',
  );
  return svg.toString();
}

function plotArea(x0: number, y0: number) {
  return {
    left: x0 + PANEL.left,
    right: x0 + PANEL.width - PANEL.right,
    top: y0 + PANEL.top,
    bottom: y0 + PANEL.height - PANEL.bottom,
  };
}

function axes(
  svg: SvgDocument,
  area: ReturnType<typeof plotArea>,
  xScale: ChartScale,
  yScale: ChartScale,
  xLabel: string,
  yLabel: string,
  xTicks: number[],
  xTickLabel: (v: number) => string = tickLabel,
): void {
  for (const tick of yScale.ticks()) {
    const y = yScale.map(tick);
    svg.line(area.left, y, area.right, y, { stroke: '#e5e5e5' });
    svg.text(area.left - 5, y + 4, tickLabel(tick), { 'text-anchor': 'end', fill: '#444' });
  }
  for (const tick of xTicks) {
    const x = xScale.map(tick);
    svg.line(x, area.bottom, x, area.bottom + 4, { stroke: '#444' });
    svg.text(x, area.bottom + 16, xTickLabel(tick), { 'text-anchor': 'middle', fill: '#444' });
  }
  svg.rect(area.left, area.top, area.right - area.left, area.bottom - area.top, {
    fill: 'none',
    stroke: '#444',
  });
  svg.text((area.left + area.right) / 2, area.bottom + 32, xLabel, { 'text-anchor': 'middle' });
  const yMid = (area.top + area.bottom) / 2;
  svg.text(area.left - 42, yMid, yLabel, {
    'text-anchor': 'middle',
    transform: `rotate(-90 ${area.left - 42} ${yMid})`,
  });
}

function modelPanel(
  svg: SvgDocument,
  x0: number,
  y0: number,
  model: SensitivityModel,
  curves: OffloadCurve[],
  input: SensitivityChartInput,
): void {
  const { spec } = model;
  const area = plotArea(x0, y0);
  const predictedCpu = input.costModel.predictDecodeTokensPerSecond({
    model: spec,
    device: 'cpu',
    gpuLayers: 0,
    contextSize: input.contextSize,
    threads: input.threads,
  });
  const values = [
    ...curves.flatMap((c) => c.points.map((p) => p.tokensPerSecond)),
    ...model.measuredCpu.map((m) => m.tokensPerSecond),
    predictedCpu,
  ];
  const top = spec.layers + 1;
  const xScale = ChartScale.linear(0, top, area.left, area.right);
  const yScale = ChartScale.log(Math.min(...values), Math.max(...values), area.bottom, area.top);
  const step = Math.max(1, Math.ceil(top / 8));
  const xTicks = Array.from({ length: Math.floor(top / step) + 1 }, (_, i) => i * step);
  axes(svg, area, xScale, yScale, 'layers on the GPU', 'decode tokens/s', xTicks);
  const mib = weightBytes(spec) / BYTES_PER_MIB;
  svg.text(
    area.left,
    y0 + 20,
    `${spec.name} · ${spec.quantization} · ${mib.toFixed(0)} MiB · ${spec.layers} blocks`,
    { 'font-weight': 'bold' },
  );
  curves.forEach((curve, i) => {
    const color = GPU_COLORS[i % GPU_COLORS.length]!;
    svg.titled(
      `${input.gpus[i]}: ${curve.points.map((p) => p.tokensPerSecond.toFixed(0)).join(', ')} tok/s`,
      (s) =>
        s.polyline(
          curve.points.map((p) => [xScale.map(p.gpuLayers), yScale.map(p.tokensPerSecond)]),
          { stroke: color, 'stroke-width': 2 },
        ),
    );
  });
  // Full-residency rates, top to bottom, at least one label height apart.
  const ends = curves
    .map((curve, i) => ({ i, value: curve.fullTokensPerSecond }))
    .sort((a, b) => b.value - a.value);
  let previous = -Infinity;
  for (const { i, value } of ends) {
    const y = Math.max(yScale.map(value) - 5, previous + 11);
    previous = y;
    svg.text(area.right - 4, y, value.toFixed(0), {
      'text-anchor': 'end',
      fill: GPU_COLORS[i % GPU_COLORS.length],
      'font-size': 10,
    });
  }
  svg.circle(xScale.map(0), yScale.map(predictedCpu), 5, { fill: 'none', stroke: '#000' });
  model.measuredCpu.forEach((m, i) => {
    const y = yScale.map(m.tokensPerSecond);
    svg.circle(xScale.map(0), y, 3.5, { fill: '#000' });
    svg.text(
      xScale.map(0) + 8,
      y + (i === 0 ? 14 : -6),
      `${m.tokensPerSecond.toFixed(0)} tok/s × ${m.threads}t`,
      {
        'font-size': 10,
      },
    );
  });
}

function relativePanel(
  svg: SvgDocument,
  x0: number,
  y0: number,
  models: SensitivityModel[],
  curves: OffloadCurve[],
  gpuName: string,
): void {
  const area = plotArea(x0, y0);
  const series = models.map((model, i) => {
    const total = weightBytes(model.spec);
    const curve = curves[i]!;
    return {
      model,
      curve,
      points: curve.points
        .map((p) => ({
          hostMiB: (total - p.gpuWeightBytes) / BYTES_PER_MIB,
          relative: p.tokensPerSecond / curve.fullTokensPerSecond,
        }))
        .filter((p) => p.hostMiB > 0.5),
    };
  });
  const hosts = series.flatMap((s) => s.points.map((p) => p.hostMiB));
  const xScale = ChartScale.log(Math.min(...hosts), Math.max(...hosts), area.left, area.right);
  const yScale = ChartScale.linear(0, 1, area.bottom, area.top);
  axes(
    svg,
    area,
    xScale,
    yScale,
    'MiB of weights left on the host (log)',
    'share of full-GPU tokens/s',
    xScale.ticks(),
  );
  svg.text(area.left, y0 + 20, `On ${gpuName}: share kept by MiB on the host`, {
    'font-weight': 'bold',
  });
  series.forEach((s, i) => {
    const color = MODEL_COLORS[i % MODEL_COLORS.length]!;
    svg.polyline(
      s.points.map((p) => [xScale.map(p.hostMiB), yScale.map(p.relative)]),
      { stroke: color, 'stroke-width': 2 },
    );
    svg.line(area.right - 150, area.top + 14 + i * 16, area.right - 130, area.top + 14 + i * 16, {
      stroke: color,
      'stroke-width': 2,
    });
    svg.text(
      area.right - 125,
      area.top + 18 + i * 16,
      `${s.model.spec.name}: S = ${s.curve.sensitivityPerGiB.toFixed(1)}/GiB`,
      { 'font-size': 10 },
    );
  });
}

/** Splits text into lines of at most `width` characters at spaces. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ').filter(Boolean)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}
