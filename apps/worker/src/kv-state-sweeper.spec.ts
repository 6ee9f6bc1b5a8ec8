import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KvStateStore } from './kv-state-store.js';
import { KvStateSweeper, type SweptJob } from './kv-state-sweeper.js';

describe('KvStateSweeper', () => {
  let root: string;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'sy-kv-sweep-'));
  });

  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('deletes the states of finished, removed and moved-on jobs, and keeps the rest', async () => {
    const store = new KvStateStore(join(root, 'w'), 10_000);
    await store.open();
    const paths: Record<string, string> = {};
    for (const jobId of ['waiting', 'finished', 'removed', 'moved', 'running']) {
      const path = store.pathFor(jobId);
      await writeFile(path, 'kv');
      paths[jobId] = path;
      await store.add({
        jobId,
        model: 'm',
        bytes: 2,
        tokens: 1,
        savedAt: 0,
        path,
        modelLoadedAt: 1,
      });
    }
    const jobs: Record<string, SweptJob | undefined> = {
      waiting: { finished: false, kvStatePath: paths.waiting },
      finished: { finished: true, kvStatePath: paths.finished },
      removed: undefined,
      moved: { finished: false, kvStatePath: '/elsewhere/moved.kv' },
      running: { finished: true },
    };
    const sweeper = new KvStateSweeper(
      store,
      (jobId) => Promise.resolve(jobs[jobId]),
      (jobId) => jobId === 'running',
    );
    assert.deepEqual(await sweeper.sweep(), ['finished', 'removed', 'moved']);
    assert.deepEqual(
      store.held().map((s) => s.jobId),
      ['waiting', 'running'],
    );
  });
});
