import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Job } from 'bullmq';
import {
  CANCELLED_REASON,
  type JobData,
  type JobProgress,
  type JobResult,
} from '#switchyard/contracts';
import { publicState, toJobView } from './job-view.mapper.js';

const data: JobData = {
  model: 'm',
  prompt: 'p',
  maxTokens: 8,
  temperature: 0.8,
  priority: 'standard',
  submittedAt: 1000,
};

function job(fields: Partial<Job<JobData, JobResult>>): Job<JobData, JobResult> {
  return { id: 'j1', data, progress: 0, failedReason: '', ...fields } as Job<JobData, JobResult>;
}

function progress(fields: Partial<JobProgress>): JobProgress {
  return { phase: 'decoding', updatedAt: 0, ...fields };
}

describe('publicState', () => {
  it('maps waiting, prioritized and delayed to queued', () => {
    for (const state of ['waiting', 'prioritized', 'delayed'] as const) {
      assert.equal(publicState(state, job({})), 'queued');
    }
  });

  it('keeps an active job queued while it has no progress or its phase is queued', () => {
    assert.equal(publicState('active', job({})), 'queued');
    assert.equal(publicState('active', job({ progress: progress({ phase: 'queued' }) })), 'queued');
    assert.equal(
      publicState('active', job({ progress: progress({ phase: 'loading' }) })),
      'running',
    );
  });

  it('tells a cancelled job from a failed one', () => {
    assert.equal(publicState('failed', job({ failedReason: CANCELLED_REASON })), 'cancelled');
    assert.equal(publicState('failed', job({ failedReason: 'out of memory' })), 'failed');
    assert.equal(publicState('completed', job({})), 'completed');
  });
});

describe('toJobView', () => {
  it('shows why a queued job waits, but no worker from an earlier run', () => {
    const view = toJobView(
      job({ progress: progress({ phase: 'queued', workerId: 'w1', reason: 'preempted by j2' }) }),
      'prioritized',
    );
    assert.equal(view.phase, 'queued');
    assert.equal(view.worker, null);
    assert.equal(view.reason, 'preempted by j2');
    assert.equal(view.startedAt, undefined);
  });

  it('reports the failure reason of a failed job', () => {
    const view = toJobView(
      job({ failedReason: 'model load failed', finishedOn: 5000, processedOn: 2000 }),
      'failed',
    );
    assert.equal(view.state, 'failed');
    assert.equal(view.phase, 'failed');
    assert.equal(view.error, 'model load failed');
    assert.equal(view.finishedAt, 5000);
    assert.equal(view.startedAt, 2000);
    assert.equal(view.output, null);
  });
});
