import type { INestApplication } from '@nestjs/common';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { JobsQueue } from '#switchyard/fleet';
import { adminOnly } from '../auth/admin-only.middleware.js';
import { ApiKeyRegistry } from '../auth/api-key-registry.js';

/** Where Bull Board is served. */
export const BULL_BOARD_PATH = '/admin/queues';

/**
 * Mounts Bull Board for the jobs queue as Express middleware. Nest guards do not reach it, so
 * it gets its own check: an admin key, as Bearer or (for a browser's prompt) Basic password.
 */
export function mountBullBoard(app: INestApplication, queue: JobsQueue): void {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(BULL_BOARD_PATH);
  createBullBoard({ queues: [new BullMQAdapter(queue)], serverAdapter });
  app.use(BULL_BOARD_PATH, adminOnly(app.get(ApiKeyRegistry), 'Bull Board'));
  app.use(BULL_BOARD_PATH, serverAdapter.getRouter());
}
