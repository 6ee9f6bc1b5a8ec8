import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { JsonLogger } from './json-logger.js';

function capture(): { lines: Record<string, unknown>[]; stream: Writable } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, stream };
}

describe('JsonLogger', () => {
  it('writes one JSON object per line with role, context and message, at pino levels', async () => {
    const { lines, stream } = capture();
    const logger = new JsonLogger('worker', 'log', stream);
    logger.log('job j1 completed (request r1)', 'Worker');
    logger.error('boom', 'Error: boom\n    at x', 'Engine');
    logger.warn({ jobId: 'j2', msg: 'slow' }, 'Worker');
    logger.debug('not at this level', 'Worker');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(
      lines.map(({ level, role, context, msg, stack, jobId }) => ({
        level,
        role,
        context,
        msg,
        stack,
        jobId,
      })),
      [
        {
          level: 30,
          role: 'worker',
          context: 'Worker',
          msg: 'job j1 completed (request r1)',
          stack: undefined,
          jobId: undefined,
        },
        {
          level: 50,
          role: 'worker',
          context: 'Engine',
          msg: 'boom',
          stack: 'Error: boom\n    at x',
          jobId: undefined,
        },
        {
          level: 40,
          role: 'worker',
          context: 'Worker',
          msg: 'slow',
          stack: undefined,
          jobId: 'j2',
        },
      ],
    );
    assert.equal(typeof lines[0].time, 'string');
    assert.equal(lines[0].pid, process.pid);
  });
});
