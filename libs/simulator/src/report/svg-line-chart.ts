/** One line of a chart. */
export interface ChartSeries {
  name: string;
  color: string;
  /** [x, y] points, x ascending. */
  points: [number, number][];
  /** Draw as steps (a value holds until the next point), as timelines are. */
  step?: boolean;
}

/** What a line chart shows and how its axes read. */
export interface LineChartSpec {
  title: string;
  series: ChartSeries[];
  xLabel: string;
  yLabel: string;
  /** Logarithmic x axis (latencies spanning ms to hours). */
  xLog?: boolean;
  /** The x axis is simulated time in ms: ticks on whole seconds, minutes or hours. */
  xTime?: boolean;
  xFormat?: (x: number) => string;
  yFormat?: (y: number) => string;
  /** Fixed y range; from the data (and 0) otherwise. */
  yMin?: number;
  yMax?: number;
  width?: number;
  height?: number;
}

const MARGIN = { left: 64, right: 16, top: 28, bottom: 64 };

/** An inline SVG line chart with axes, ticks, grid and a legend; no script, no external file. */
export function renderLineChart(spec: LineChartSpec): string {
  const width = spec.width ?? 640;
  const height = spec.height ?? 320;
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of spec.series) {
    for (const [x, y] of s.points) {
      if (Number.isFinite(x) && (!spec.xLog || x > 0)) xs.push(x);
      if (Number.isFinite(y)) ys.push(y);
    }
  }
  const fmtX = spec.xFormat ?? compact;
  const fmtY = spec.yFormat ?? compact;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(spec.title)}">`,
    `<text x="${width / 2}" y="18" text-anchor="middle" class="title">${esc(spec.title)}</text>`,
  ];
  if (xs.length === 0) {
    parts.push(
      `<text x="${width / 2}" y="${height / 2}" text-anchor="middle" class="empty">no data</text></svg>`,
    );
    return parts.join('');
  }
  let xMin = Math.min(...xs);
  let xMax = Math.max(...xs);
  if (xMax === xMin) xMax = xMin + (spec.xLog ? xMin * 9 : 1);
  if (spec.xLog) {
    xMin = Math.pow(10, Math.floor(Math.log10(xMin)));
    xMax = Math.pow(10, Math.ceil(Math.log10(xMax)));
  }
  const yMin = spec.yMin ?? Math.min(0, ...ys);
  let yMax = spec.yMax ?? Math.max(...ys, yMin + 1e-9);
  if (yMax === yMin) yMax = yMin + 1;
  const yTicks = niceTicks(yMin, yMax, 5);
  if (spec.yMax === undefined) yMax = Math.max(yMax, yTicks[yTicks.length - 1]);
  const sx = spec.xLog
    ? (x: number) =>
        MARGIN.left +
        ((Math.log10(x) - Math.log10(xMin)) / (Math.log10(xMax) - Math.log10(xMin))) * plotW
    : (x: number) => MARGIN.left + ((x - xMin) / (xMax - xMin)) * plotW;
  const sy = (y: number) => MARGIN.top + plotH - ((y - yMin) / (yMax - yMin)) * plotH;

  const xTicks = spec.xLog
    ? logTicks(xMin, xMax)
    : spec.xTime
      ? timeTicks(xMin, xMax, 6)
      : niceTicks(xMin, xMax, 6);
  for (const t of xTicks) {
    if (t < xMin || t > xMax) continue;
    const x = sx(t).toFixed(1);
    // A label at the right edge would be cut in half by the picture's border: it ends there.
    const anchor = sx(t) > width - 40 ? 'end' : 'middle';
    parts.push(
      `<line x1="${x}" x2="${x}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}" class="grid"/>`,
    );
    parts.push(
      `<text x="${x}" y="${MARGIN.top + plotH + 16}" text-anchor="${anchor}" class="tick">${esc(fmtX(t))}</text>`,
    );
  }
  for (const t of yTicks) {
    if (t < yMin || t > yMax) continue;
    const y = sy(t).toFixed(1);
    parts.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${y}" y2="${y}" class="grid"/>`,
    );
    parts.push(
      `<text x="${MARGIN.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" class="tick">${esc(fmtY(t))}</text>`,
    );
  }
  parts.push(
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999" class="frame"/>`,
    `<text x="${MARGIN.left + plotW / 2}" y="${MARGIN.top + plotH + 34}" text-anchor="middle" class="label">${esc(spec.xLabel)}</text>`,
    `<text transform="translate(14 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle" class="label">${esc(spec.yLabel)}</text>`,
  );
  for (const s of spec.series) {
    const d: string[] = [];
    let previousY: number | undefined;
    for (const [x, y] of s.points) {
      if (!Number.isFinite(x) || !Number.isFinite(y) || (spec.xLog && x <= 0)) continue;
      const px = sx(Math.min(Math.max(x, xMin), xMax)).toFixed(1);
      const py = sy(y).toFixed(1);
      if (d.length === 0) d.push(`M${px} ${py}`);
      else if (s.step && previousY !== undefined) d.push(`H${px}V${py}`);
      else d.push(`L${px} ${py}`);
      previousY = y;
    }
    if (d.length > 0) {
      parts.push(
        `<path d="${d.join('')}" fill="none" stroke="${s.color}" stroke-width="1.6"><title>${esc(s.name)}</title></path>`,
      );
    }
  }
  // Legend under the x label, wrapped over as many rows as needed.
  let lx = MARGIN.left;
  let ly = height - 12;
  const rowStart = MARGIN.left;
  for (const s of spec.series) {
    const w = 22 + s.name.length * 6.2;
    if (lx + w > width - MARGIN.right && lx > rowStart) {
      lx = rowStart;
      ly += 14;
    }
    parts.push(
      `<line x1="${lx}" x2="${lx + 14}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="3"/>`,
      `<text x="${lx + 18}" y="${ly}" class="legend">${esc(s.name)}</text>`,
    );
    lx += w + 10;
  }
  parts.push('</svg>');
  return parts.join('');
}

/** Round tick values covering [min, max] with about `count` steps of 1, 2 or 5 × 10^k. */
export function niceTicks(min: number, max: number, count: number): number[] {
  const raw = (max - min) / Math.max(1, count);
  const magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 0.5; t += step) {
    ticks.push(Number(t.toPrecision(12)));
  }
  return ticks;
}

/** Steps a time axis may use (ms): 1 s up to a day. */
const TIME_STEPS = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
].map((s) => s * 1000);

/** Ticks of a time axis on whole seconds, minutes or hours, about `count` of them. */
export function timeTicks(min: number, max: number, count: number): number[] {
  const raw = (max - min) / Math.max(1, count);
  const step = TIME_STEPS.find((s) => s >= raw);
  if (step === undefined || raw < 1000) return niceTicks(min, max, count);
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max; t += step) ticks.push(t);
  return ticks;
}

function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++)
    ticks.push(Math.pow(10, e));
  return ticks;
}

function compact(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${Number((value / 1e9).toPrecision(3))}G`;
  if (abs >= 1e6) return `${Number((value / 1e6).toPrecision(3))}M`;
  if (abs >= 1e3) return `${Number((value / 1e3).toPrecision(3))}k`;
  return `${Number(value.toPrecision(3))}`;
}

/** Escapes text for HTML and SVG. */
export function esc(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}
