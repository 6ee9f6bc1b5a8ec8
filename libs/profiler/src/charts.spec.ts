import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CostModel, syntheticModelSpec } from '#switchyard/cost-model';
import { ChartScale, tickLabel } from './chart-scale.js';
import { measuredCurveChartSvg } from './measured-curve-chart.js';
import { preemptionChartSvg } from './preemption-chart.js';
import type { PreemptionBreakdown } from './preemption-breakdown.js';
import { sensitivityChartSvg } from './sensitivity-chart.js';
import { escapeXml, SvgDocument } from './svg-document.js';

const count = (text: string, pattern: RegExp) => text.match(pattern)?.length ?? 0;

describe('ChartScale', () => {
  it('maps linearly and logarithmically onto pixels', () => {
    const linear = ChartScale.linear(0, 10, 100, 200);
    assert.equal(linear.map(5), 150);
    assert.deepEqual(linear.ticks(5), [0, 2, 4, 6, 8, 10]);
    // Widened to 1-2-5 values around the data: 1 to 1,000 (three decades).
    const log = ChartScale.log(1.5, 700, 300, 0);
    assert.equal(log.min, 1);
    assert.equal(log.max, 1000);
    assert.equal(log.map(10), 200);
    assert.equal(log.map(100), 100);
    assert.deepEqual(log.ticks(), [1, 3, 10, 30, 100, 300, 1000]);
    const narrow = ChartScale.log(3, 10_649, 0, 1);
    assert.equal(narrow.min, 2);
    assert.equal(narrow.max, 20_000);
    assert.deepEqual(narrow.ticks(), [3, 10, 30, 100, 300, 1000, 3000, 10_000]);
    assert.throws(() => ChartScale.log(0, 1, 0, 1), RangeError);
    assert.equal(tickLabel(20_000), '20k');
    assert.equal(tickLabel(0.5), '0.5');
  });
});

describe('SvgDocument', () => {
  it('escapes text and attributes', () => {
    assert.equal(escapeXml('a < b & "c"'), 'a &lt; b &amp; &quot;c&quot;');
    const svg = new SvgDocument(10, 10).text(1, 2, '<x>', { fill: '"red"' }).toString();
    assert.match(svg, /<text x="1" y="2" fill="&quot;red&quot;">&lt;x&gt;<\/text>/);
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="10" height="10"/);
  });
});

describe('sensitivityChartSvg', () => {
  it('draws a curve per model and GPU, the measured CPU points and the overlay', () => {
    const models = (['synth-50m', 'synth-300m'] as const).map((shape) => ({
      spec: syntheticModelSpec({ name: shape, shape, quantization: 'Q8_0' }),
      measuredCpu: [
        { threads: 1, tokensPerSecond: 100 },
        { threads: 2, tokensPerSecond: 150 },
      ],
    }));
    const svg = sensitivityChartSvg({
      models,
      gpus: ['h100-sxm', 't4'],
      costModel: new CostModel(),
      contextSize: 2048,
      threads: 1,
      subtitle: 'measured on a test host',
    });
    // 2 models × 2 GPUs, plus one line per model in the overlay.
    assert.equal(count(svg, /<polyline /g), 6);
    // Two measured dots per model (filled), one prediction each (hollow).
    assert.equal(count(svg, /<circle [^>]*fill="#000"/g), 2 * 2 + 1);
    assert.equal(count(svg, /<circle [^>]*fill="none"/g), 2 + 1);
    assert.match(svg, /synth-300m · Q8_0/);
    assert.match(svg, />H100 SXM</);
    assert.match(svg, /100 tok\/s × 1t/);
    assert.match(svg, /synth-50m: S = [\d.]+\/GiB/);
    assert.ok(svg.trimEnd().endsWith('</svg>'));
  });
});

describe('preemptionChartSvg', () => {
  it('draws four bars per model, or says which one was not measured', () => {
    const breakdown: PreemptionBreakdown = {
      model: 'm',
      threads: 1,
      gpuLayers: 0,
      tokens: 512,
      reloadWarm: { ms: 100, bytes: 2 ** 20 },
      reloadCold: { ms: 300, bytes: 2 ** 20 },
      kvSaveRestore: { ms: 5, bytes: 2 ** 21, saveMs: 3, restoreMs: 2 },
      recompute: { ms: 700, bytes: 2048 },
    };
    const { reloadCold: _cold, ...warmOnly } = breakdown;
    const svg = preemptionChartSvg([breakdown, { ...warmOnly, model: 'n' }]);
    // Four legend swatches, then 4 + 3 bars (the background is not counted: no x).
    assert.equal(count(svg, /<rect x=/g), 4 + 7);
    assert.match(svg, />5\.0 ms · 2\.0 MiB</);
    assert.match(svg, />reload \(cold\): not measured</);
  });
});

describe('measuredCurveChartSvg', () => {
  it('draws a dot per measured point and a line per prediction in each panel', () => {
    const series = (label: string, scale: number) => ({
      label,
      points: [0, 1, 2, 3].map((gpuLayers) => ({
        gpuLayers,
        tokensPerSecond: scale * (gpuLayers + 1),
      })),
    });
    const svg = measuredCurveChartSvg({
      title: 'Device check',
      subtitle: 'measured on a <GPU>',
      panels: ['a', 'b'].map((title) => ({
        title,
        maxGpuLayers: 3,
        measured: series('measured', 10),
        predicted: [series('formula', 12), series('other', 9)],
      })),
    });
    // 4 dots per panel, and the legend's.
    assert.equal(count(svg, /<circle/g), 2 * 4 + 1);
    assert.equal(count(svg, /<polyline/g), 2 * 2);
    assert.match(svg, /measured on a &lt;GPU&gt;/);
    assert.match(svg, /<title>2 layers: 30\.0 tok\/s<\/title>/);
  });
});
