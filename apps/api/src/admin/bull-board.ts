import type { INestApplication } from '@nestjs/common';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { JobsQueue } from '#switchyard/fleet';

/** Where Bull Board is served. */
export const BULL_BOARD_PATH = '/admin/queues';

/**
 * Mounts Bull Board for the jobs queue as Express middleware. Nest guards and filters do not
 * reach it: authentication, when added, belongs in its router.
 */
export function mountBullBoard(app: INestApplication, queue: JobsQueue): void {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(BULL_BOARD_PATH);
  createBullBoard({ queues: [new BullMQAdapter(queue)], serverAdapter });
  app.use(BULL_BOARD_PATH, serverAdapter.getRouter());
}
