import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { JobResult } from '#switchyard/contracts';
import { findSamples, parsePrometheusText, type PrometheusSample } from '#switchyard/metrics';
import { DEFAULT_POLICY_SETTINGS } from '#switchyard/policy';
import { SchedulerMetrics } from './scheduler-metrics.js';

function result(ttftMs: number, totalMs: number, preemptions: JobResult['preemptions'] = []) {
  return {
    timings: { queueWaitMs: 5, timeToFirstTokenMs: ttftMs, totalMs },
    preemptions,
  } as unknown as JobResult;
}

async function samples(metrics: SchedulerMetrics): Promise<PrometheusSample[]> {
  return parsePrometheusText(await metrics.registry.metrics());
}

function value(all: PrometheusSample[], name: string, labels: Record<string, string>): number {
  const found = findSamples(all, name, labels);
  assert.equal(found.length, 1, `${name} ${JSON.stringify(labels)}`);
  return found[0].value;
}

describe('SchedulerMetrics', () => {
  test('an SLA is met or missed by the target of the job class', async () => {
    const metrics = new SchedulerMetrics(DEFAULT_POLICY_SETTINGS);
    const interactive = { priority: 'interactive' as const, model: 'm' };
    metrics.recordCompletion('a', interactive, result(2_000, 90_000)); // first token just in time
    metrics.recordCompletion('b', interactive, result(2_001, 2_500));
    metrics.recordCompletion('c', { priority: 'standard', model: 'm' }, result(50_000, 61_000));
    const all = await samples(metrics);
    const sla = (c: string, outcome: string) =>
      value(all, 'switchyard_sla_total', { class: c, outcome });
    assert.deepEqual(
      [sla('interactive', 'met'), sla('interactive', 'missed'), sla('standard', 'missed')],
      [1, 1, 1],
    );
    assert.equal(sla('batch', 'met'), 0);
    const job = { class: 'interactive', model: 'm' };
    assert.equal(value(all, 'switchyard_jobs_completed_total', job), 2);
    assert.equal(value(all, 'switchyard_job_completion_seconds_sum', job), 92.5);
    assert.equal(
      value(all, 'switchyard_job_time_to_first_token_seconds_bucket', { ...job, le: '2.5' }),
      2,
    );
  });

  test('a decision counts its actions, preemptions by class and path, and the window', async () => {
    const metrics = new SchedulerMetrics(DEFAULT_POLICY_SETTINGS);
    metrics.recordDecision(
      0.5,
      [
        { type: 'dispatch', workerId: 'w', jobId: 'j1', model: 'm', reason: '' },
        {
          type: 'preempt',
          workerId: 'w',
          jobId: 'j2',
          model: 'm',
          path: 'keep-kv',
          reason: 'interactive job j3 would miss its SLA (…): …',
        },
      ] as never,
      ['interactive', 'batch', 'batch'],
      (jobId) => (jobId === 'j2' ? 'batch' : undefined),
    );
    const all = await samples(metrics);
    assert.equal(value(all, 'switchyard_scheduler_decisions_total', {}), 1);
    assert.equal(value(all, 'switchyard_scheduler_decide_seconds_sum', {}), 0.0005);
    assert.equal(value(all, 'switchyard_scheduler_actions_total', { type: 'dispatch' }), 1);
    assert.equal(
      value(all, 'switchyard_scheduler_preemptions_total', {
        for_class: 'interactive',
        victim_class: 'batch',
        path: 'keep-kv',
      }),
      1,
    );
    assert.equal(value(all, 'switchyard_scheduler_window_jobs', { class: 'batch' }), 2);
    assert.equal(value(all, 'switchyard_scheduler_window_jobs', { class: 'standard' }), 0);
  });

  test('a completion remembers the dispatch, and a resumed job reports its resume cost', async () => {
    const metrics = new SchedulerMetrics(DEFAULT_POLICY_SETTINGS);
    metrics.recordDispatch('j', { priority: 'batch', model: 'm' });
    assert.deepEqual(metrics.dispatchOf('j'), { priority: 'batch', model: 'm' });
    metrics.recordCompletion(
      'j',
      metrics.dispatchOf('j')!,
      result(10, 20, [
        {
          at: 0,
          workerId: 'w',
          reason: '',
          generatedTokens: 3,
          stopMs: 1,
          resumedBy: 'kv-restore',
          resumeMs: 40,
        },
      ]),
    );
    assert.equal(metrics.dispatchOf('j'), undefined);
    const all = await samples(metrics);
    assert.equal(
      value(all, 'switchyard_preemption_resume_seconds_count', { resumed_by: 'kv-restore' }),
      1,
    );
  });
});
