import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Counter, Histogram, Registry } from 'prom-client';
import { findSamples, parsePrometheusText } from './prometheus-text.js';

describe('parsePrometheusText', () => {
  test('reads names, labels (with escapes) and values, skipping comments', () => {
    const samples = parsePrometheusText(
      [
        '# HELP x_total a counter',
        '# TYPE x_total counter',
        'x_total{class="interactive",model="m \\"1\\""} 3',
        'up 1 1700000000000',
        'h_bucket{le="+Inf"} 2',
        'lag Nan',
        '',
      ].join('\n'),
    );
    assert.deepEqual(samples, [
      { name: 'x_total', labels: { class: 'interactive', model: 'm "1"' }, value: 3 },
      { name: 'up', labels: {}, value: 1 },
      { name: 'h_bucket', labels: { le: '+Inf' }, value: 2 },
      { name: 'lag', labels: {}, value: NaN },
    ]);
  });

  test('round-trips what prom-client writes', async () => {
    const registry = new Registry();
    new Counter({ name: 'c_total', help: 'c', labelNames: ['a'], registers: [registry] })
      .labels({ a: 'x' })
      .inc(2);
    new Histogram({
      name: 'h_seconds',
      help: 'h',
      buckets: [1],
      labelNames: ['a'],
      registers: [registry],
    })
      .labels({ a: 'y' })
      .observe(0.5);
    const samples = parsePrometheusText(await registry.metrics());
    assert.equal(findSamples(samples, 'c_total', { a: 'x' })[0].value, 2);
    assert.equal(findSamples(samples, 'h_seconds_count', { a: 'y' })[0].value, 1);
    assert.equal(findSamples(samples, 'h_seconds_bucket', { a: 'y', le: '1' })[0].value, 1);
    assert.deepEqual(findSamples(samples, 'c_total', { a: 'z' }), []);
  });

  test('refuses a line that is not a sample', () => {
    assert.throws(() => parsePrometheusText('what is this'), /not a Prometheus sample/);
  });
});
