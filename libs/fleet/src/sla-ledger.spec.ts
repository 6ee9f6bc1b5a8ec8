import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { RedisKeys, SLA_RECENT_MINUTES } from '#switchyard/contracts';
import { SlaLedger } from './sla-ledger.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const MINUTE = 60_000;

// A real Redis under a random prefix; times are given, so the window is exact.
describe('SlaLedger', () => {
  const prefix = `sy-test-sla-${randomBytes(4).toString('hex')}`;
  const keys = new RedisKeys(prefix);
  // The start of a minute some hours from now, so that no bucket expires during the test.
  const now = (Math.floor(Date.now() / MINUTE) + 180) * MINUTE;
  let redis: Redis;
  let ledger: SlaLedger;

  before(async () => {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    ledger = new SlaLedger(redis, keys);
    // Long ago (out of the window), just inside it, and now.
    await ledger.record('interactive', false, now - SLA_RECENT_MINUTES * MINUTE);
    await ledger.record('interactive', false, now - (SLA_RECENT_MINUTES - 1) * MINUTE);
    await ledger.record('interactive', true, now + 59_000);
    await ledger.record('interactive', true, now);
    await ledger.record('batch', true, now - 90 * MINUTE);
  });

  after(async () => {
    const leftover = await redis.keys(`${prefix}:*`);
    if (leftover.length > 0) await redis.del(...leftover);
    await redis.quit();
  });

  it('counts every completion in the totals and those of the last minutes in recent', async () => {
    const readings = await ledger.read(now + 30_000);
    assert.deepEqual(readings.interactive, {
      total: { met: 2, missed: 2 },
      recent: { met: 2, missed: 1 },
    });
    assert.deepEqual(readings.batch, {
      total: { met: 1, missed: 0 },
      recent: { met: 0, missed: 0 },
    });
    assert.deepEqual(readings.standard, {
      total: { met: 0, missed: 0 },
      recent: { met: 0, missed: 0 },
    });
  });

  it('lets a minute bucket expire a minute after it leaves the window', async () => {
    const minute = now / MINUTE;
    const expiresAt = await redis.pexpiretime(keys.slaOutcomesInMinute('interactive', minute));
    assert.equal(expiresAt, (minute + SLA_RECENT_MINUTES + 1) * MINUTE);
  });
});
