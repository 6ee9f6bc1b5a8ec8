import type { INestApplication } from '@nestjs/common';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { JobsQueue } from '#switchyard/fleet';
import type { NextFunction, Request, Response } from 'express';
import { authenticate } from '../auth/api-key.guard.js';
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
  const registry = app.get(ApiKeyRegistry);
  app.use(BULL_BOARD_PATH, (request: Request, response: Response, next: NextFunction) => {
    if (registry.open) return next();
    const caller = authenticate(registry, request.headers.authorization);
    if (caller?.scopes.has('admin')) return next();
    response
      .status(caller ? 403 : 401)
      .setHeader('www-authenticate', 'Basic realm="switchyard admin", charset="UTF-8"')
      .json({
        statusCode: caller ? 403 : 401,
        error: caller ? 'Forbidden' : 'Unauthorized',
        message: caller ? 'Bull Board needs an admin key' : 'Bull Board needs an admin API key',
        path: request.originalUrl,
      });
  });
  app.use(BULL_BOARD_PATH, serverAdapter.getRouter());
}
