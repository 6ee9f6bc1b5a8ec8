import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WorkerCommand } from '#switchyard/contracts';
import { FINISHED_KEPT, RunnerTable } from './runner-table.js';

type RunCommand = Extract<WorkerCommand, { type: 'run' }>;

/** A stand-in for JobRunner: the table only reads its command. */
interface Run {
  readonly command: RunCommand;
}

const run = (jobId: string, lockToken: string, dispatchedAt = 1): Run => ({
  command: { type: 'run', jobId, lockToken, model: 'm', priority: 'standard', dispatchedAt },
});

describe('RunnerTable', () => {
  it('ignores a run delivered twice while it runs, and after it finished', () => {
    const table = new RunnerTable<Run>();
    const first = run('j1', 'token-a');
    assert.deepEqual(table.admit(first.command), { kind: 'start' });
    table.add(first);

    // The same command again (an XADD resent on reconnect): same job, same lock token.
    const again = run('j1', 'token-a');
    assert.deepEqual(table.admit(again.command), { kind: 'duplicate', of: 'running' });
    assert.equal(table.get('j1'), first);
    assert.deepEqual(table.list(), [first]);

    table.remove(first);
    assert.equal(table.has('j1'), false);
    assert.deepEqual(table.admit(again.command), { kind: 'duplicate', of: 'finished' });
  });

  it('starts the job again under a new lock token (preempted here, then resumed here)', () => {
    const table = new RunnerTable<Run>();
    const first = run('j1', 'token-a');
    table.add(first);
    table.remove(first);
    assert.deepEqual(table.admit(run('j1', 'token-b').command), { kind: 'start' });
  });

  it('a later dispatch under a new token supersedes the run still here; its end leaves the new one in place', () => {
    const table = new RunnerTable<Run>();
    const stale = run('j1', 'token-a', 1_000);
    table.add(stale);
    const fresh = run('j1', 'token-b', 6_000);
    assert.deepEqual(table.admit(fresh.command), { kind: 'supersedes', stale });

    table.remove(stale);
    table.add(fresh);
    // The stale run's bookkeeping runs late here: it must not forget the fresh run.
    table.remove(stale);
    assert.equal(table.get('j1'), fresh);
    assert.deepEqual(table.admit(stale.command), { kind: 'duplicate', of: 'finished' });
    assert.deepEqual(table.admit(fresh.command), { kind: 'duplicate', of: 'running' });
  });

  it('an earlier dispatch than the run here (a copy it never saw finish) is outdated', () => {
    const table = new RunnerTable<Run>();
    const fresh = run('j1', 'token-b', 6_000);
    table.add(fresh);
    assert.deepEqual(table.admit(run('j1', 'token-a', 1_000).command), { kind: 'outdated' });
    assert.equal(table.get('j1'), fresh);
  });

  it(`remembers the last ${FINISHED_KEPT} finished runs`, () => {
    const table = new RunnerTable<Run>();
    const runs = Array.from({ length: FINISHED_KEPT + 1 }, (_, i) => run(`j${i}`, `t${i}`));
    for (const r of runs) {
      table.add(r);
      table.remove(r);
    }
    assert.deepEqual(table.admit(runs[0].command), { kind: 'start' });
    assert.deepEqual(table.admit(runs[1].command), { kind: 'duplicate', of: 'finished' });
    assert.deepEqual(table.admit(runs[FINISHED_KEPT].command), {
      kind: 'duplicate',
      of: 'finished',
    });
  });
});
