import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FleetHarness } from './support/fleet-harness.js';
import { makeTestModels } from './support/test-models.js';

// The default (sensitivity) policy on real processes: urgent work gets a slot by preemption.
describe('priority preemption', () => {
  let models: Awaited<ReturnType<typeof makeTestModels>>;
  let fleet: FleetHarness;

  before(async () => {
    models = await makeTestModels();
    fleet = await new FleetHarness({
      modelsDir: models.dir,
      workers: 2,
      // A tight interactive SLA, so waiting for a batch job to end would miss it.
      env: { SLA_INTERACTIVE_TTFT_MS: '300' },
      workerEnv: { WORKER_SLOTS: '1', WORKER_MAX_JOBS: '1' },
    }).start();
  });

  after(async () => {
    await fleet?.stop();
    models?.remove();
  });

  test('an interactive job for another model starts by preempting batch work; every job completes in full', async () => {
    const batch = [];
    for (let i = 0; i < 2; i++) {
      batch.push(
        await fleet.submit({
          model: 'synth-5m',
          prompt: `batch ${i}`,
          max_tokens: 2000,
          priority: 'batch',
          temperature: 0,
        }),
      );
    }
    await Promise.all(
      batch.map((id) =>
        fleet.waitForJob(id, (j) => (j.usage?.completion_tokens ?? 0) > 20, 'to decode'),
      ),
    );
    const urgent = await fleet.submit({
      model: 'synth-tiny',
      prompt: 'urgent',
      max_tokens: 16,
      priority: 'interactive',
    });

    const urgentView = await fleet.waitForFinished(urgent);
    assert.equal(urgentView.state, 'completed');
    const batchViews = await Promise.all(batch.map((id) => fleet.waitForFinished(id, 120_000)));
    for (const view of batchViews) {
      assert.equal(view.state, 'completed', JSON.stringify(view));
      assert.equal(view.usage?.completion_tokens, 2000, 'exactly max_tokens after a preemption');
    }
    const preempted = batchViews.filter((v) => (v.preemptions?.length ?? 0) > 0);
    assert.equal(preempted.length, 1, 'one batch job made room');
    const [record] = preempted[0].preemptions!;
    assert.ok(record.generatedTokens > 0 && record.stopMs >= 0, JSON.stringify(record));
    assert.ok(record.resumedBy, 'the resume is recorded');
    // The urgent job started before the preempted batch job would have ended.
    const finishOfPreempted = preempted[0].submittedAt + preempted[0].timings!.totalMs;
    assert.ok(urgentView.submittedAt + urgentView.timings!.timeToFirstTokenMs < finishOfPreempted);
  });
});
