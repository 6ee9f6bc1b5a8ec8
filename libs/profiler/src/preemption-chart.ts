import { ChartScale, tickLabel } from './chart-scale.js';
import type { PreemptionBreakdown } from './preemption-breakdown.js';
import { formatBytes, formatMs } from './profile-tables.js';
import { SvgDocument } from './svg-document.js';

const BARS = [
  { key: 'reloadCold', label: 'reload (cold)', color: '#8c564b' },
  { key: 'reloadWarm', label: 'reload (warm)', color: '#d62728' },
  { key: 'kvSaveRestore', label: 'KV save + restore', color: '#2ca02c' },
  { key: 'recompute', label: 'recompute KV', color: '#1f77b4' },
] as const;
const BAR_HEIGHT = 14;
const LEFT = 150;
const RIGHT = 210;

/**
 * The preemption-cost breakdown as horizontal bars on a log-ms axis, one group per model: reload
 * cold and warm, KV save + restore, recompute; each labelled with its time and the bytes moved.
 */
export function preemptionChartSvg(
  breakdowns: readonly PreemptionBreakdown[],
  subtitle?: string,
): string {
  const groupHeight = BARS.length * (BAR_HEIGHT + 3) + 16;
  const top = 76;
  const width = 820;
  const height = top + breakdowns.length * groupHeight + 46;
  const svg = new SvgDocument(width, height);
  svg.text(10, 22, 'Preemption cost: what each way of freeing a slot takes, measured', {
    'font-size': 16,
    'font-weight': 'bold',
  });
  if (subtitle) svg.text(10, 40, subtitle, { fill: '#555' });
  BARS.forEach((bar, i) => {
    svg.rect(10 + i * 150, 52, 12, 12, { fill: bar.color });
    svg.text(27 + i * 150, 62, bar.label);
  });

  const values = breakdowns.flatMap((b) =>
    BARS.map((bar) => b[bar.key]?.ms).filter((v): v is number => v !== undefined),
  );
  const scale = ChartScale.log(Math.min(...values), Math.max(...values), LEFT, width - RIGHT);
  const bottom = top + breakdowns.length * groupHeight;
  for (const tick of scale.ticks()) {
    const x = scale.map(tick);
    svg.line(x, top - 4, x, bottom, { stroke: '#e5e5e5' });
    svg.text(x, bottom + 16, tickLabel(tick), { 'text-anchor': 'middle', fill: '#444' });
  }
  svg.text((LEFT + width - RIGHT) / 2, bottom + 34, 'milliseconds (log scale)', {
    'text-anchor': 'middle',
  });

  breakdowns.forEach((b, g) => {
    const y0 = top + g * groupHeight;
    svg.text(10, y0 + 26, b.model, { 'font-weight': 'bold' });
    svg.text(10, y0 + 42, `${b.threads} thread(s), ${b.tokens} tokens`, {
      fill: '#555',
      'font-size': 11,
    });
    BARS.forEach((bar, i) => {
      const cost = b[bar.key];
      const y = y0 + i * (BAR_HEIGHT + 3);
      if (cost === undefined) {
        svg.text(LEFT + 4, y + BAR_HEIGHT - 3, `${bar.label}: not measured`, {
          fill: '#999',
          'font-size': 10,
        });
        return;
      }
      const x1 = scale.map(cost.ms);
      svg.rect(LEFT, y, Math.max(1, x1 - LEFT), BAR_HEIGHT, { fill: bar.color });
      svg.text(x1 + 5, y + BAR_HEIGHT - 3, `${formatMs(cost.ms)} ms · ${formatBytes(cost.bytes)}`, {
        'font-size': 10,
      });
    });
    svg.line(10, y0 + groupHeight - 6, width - 10, y0 + groupHeight - 6, { stroke: '#f0f0f0' });
  });
  return svg.toString();
}
