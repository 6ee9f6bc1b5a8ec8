/**
 * Interactive time to first token while every slot runs batch work, per policy, on real processes:
 * a worker busy with long batch jobs, then interactive jobs arriving one by one. Each policy gets a
 * fresh fleet in the same run; prints p50/p99 TTFT and the ratio to fifo.
 *
 *   npm run bench:interactive -- [--policies sensitivity,lru,fifo] [--batch 8] [--interactive 10]
 *     [--max-preemptions N] [--log-level debug --keep-logs]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { MODEL_PRESETS, writeSyntheticModel } from '#switchyard/gguf';
import { POLICY_NAMES } from '#switchyard/policy';
import { FleetHarness } from '../test/support/fleet-harness.js';

const { values } = parseArgs({
  options: {
    policies: { type: 'string', default: POLICY_NAMES.join(',') },
    batch: { type: 'string', default: '8' },
    'batch-tokens': { type: 'string', default: '1500' },
    interactive: { type: 'string', default: '10' },
    'gap-ms': { type: 'string', default: '400' },
    /** Process log level, and whether the logs stay on disk (their folder is printed). */
    'log-level': { type: 'string', default: 'warn' },
    'keep-logs': { type: 'boolean', default: false },
    /** The scheduler's preemption cap per job (its default when absent). */
    'max-preemptions': { type: 'string' },
  },
});
const policies = values.policies!.split(',');
const batchJobs = Number(values.batch);
const batchTokens = Number(values['batch-tokens']);
const interactiveJobs = Number(values.interactive);
const gapMs = Number(values['gap-ms']);

const quantile = (xs: number[], q: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-'));
await writeSyntheticModel(join(dir, 'synth-5m.gguf'), MODEL_PRESETS['synth-5m']);
const results: {
  policy: string;
  p50: number;
  p99: number;
  preempted: number;
  preemptions: number;
  kvRestores: number;
}[] = [];
try {
  for (const policy of policies) {
    process.stderr.write(
      `${policy}: ${batchJobs} batch jobs of ${batchTokens} tokens, then ${interactiveJobs} interactive…\n`,
    );
    const fleet = new FleetHarness({
      modelsDir: dir,
      env: {
        SCHEDULER_POLICY: policy,
        LOG_LEVEL: values['log-level']!,
        SLA_INTERACTIVE_TTFT_MS: '500',
        ...(values['max-preemptions'] === undefined
          ? {}
          : { MAX_PREEMPTIONS_PER_JOB: values['max-preemptions'] }),
      },
      workerEnv: { WORKER_SLOTS: '1', WORKER_MAX_JOBS: '1' },
      keepLogs: values['keep-logs'],
    });
    if (values['keep-logs']) process.stderr.write(`${policy}: logs in ${fleet.logDir}\n`);
    try {
      await fleet.start();
      const batch: string[] = [];
      for (let i = 0; i < batchJobs; i++) {
        batch.push(
          await fleet.submit({
            model: 'synth-5m',
            prompt: `batch ${i}`,
            max_tokens: batchTokens,
            priority: 'batch',
          }),
        );
      }
      if (batch.length > 0) {
        await fleet.waitForJob(batch[0], (j) => j.state === 'running', 'to run');
      }
      const urgent: string[] = [];
      for (let i = 0; i < interactiveJobs; i++) {
        urgent.push(
          await fleet.submit({
            model: 'synth-5m',
            prompt: `urgent ${i}`,
            max_tokens: 16,
            priority: 'interactive',
          }),
        );
        await sleep(gapMs);
      }
      const views = await Promise.all(urgent.map((id) => fleet.waitForFinished(id, 600_000)));
      const batchViews = await Promise.all(batch.map((id) => fleet.waitForFinished(id, 600_000)));
      for (const v of [...views, ...batchViews]) {
        if (v.state !== 'completed')
          throw new Error(`${policy}: job ${v.id} ${v.state}: ${v.error}`);
      }
      const wrongLength = batchViews.filter((v) => v.usage?.completion_tokens !== batchTokens);
      if (wrongLength.length > 0)
        throw new Error(`${policy}: batch jobs with the wrong length: ${wrongLength.length}`);
      const ttfts = views.map((v) => v.timings!.timeToFirstTokenMs);
      // Time to first token, and the part of it spent before a worker started the job.
      const waits = views.map((v) => v.timings!.queueWaitMs);
      process.stderr.write(
        `${policy}: TTFT (queue wait) ms: ${ttfts.map((t, i) => `${t.toFixed(0)} (${waits[i].toFixed(0)})`).join(' ')}\n`,
      );
      results.push({
        policy,
        p50: quantile(ttfts, 0.5),
        p99: quantile(ttfts, 0.99),
        preempted: batchViews.filter((v) => (v.preemptions?.length ?? 0) > 0).length,
        preemptions: batchViews.reduce((sum, v) => sum + (v.preemptions?.length ?? 0), 0),
        kvRestores: batchViews.reduce(
          (sum, v) =>
            sum + (v.preemptions ?? []).filter((p) => p.resumedBy === 'kv-restore').length,
          0,
        ),
      });
    } finally {
      await fleet.stop();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const fifo = results.find((r) => r.policy === 'fifo');
console.log(
  `\ninteractive TTFT with every slot busy: 1 worker × 1 slot, synth-5m, ${batchJobs} batch jobs × ${batchTokens} tokens, ${interactiveJobs} interactive jobs every ${gapMs} ms\n`,
);
console.log(
  [
    'policy',
    'p50 ms',
    'p99 ms',
    'fifo p99 / p99',
    'batch jobs preempted',
    'preemptions',
    'kv restores',
  ].join('\t'),
);
for (const r of results) {
  const ratio = fifo ? `${(fifo.p99 / r.p99).toFixed(1)}×` : '-';
  console.log(
    [
      r.policy,
      r.p50.toFixed(0),
      r.p99.toFixed(0),
      ratio,
      r.preempted,
      r.preemptions,
      r.kvRestores,
    ].join('\t'),
  );
}
