import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { authenticate } from './api-key.guard.js';
import type { ApiKeyRegistry } from './api-key-registry.js';

/**
 * Express middleware for pages mounted outside Nest's router (Bull Board, the fleet page), which
 * Nest guards do not reach: an admin key as Bearer, or as a Basic password so that a browser
 * prompts for it. `what` names the page in the refusal.
 */
export function adminOnly(registry: ApiKeyRegistry, what: string): RequestHandler {
  return (request: Request, response: Response, next: NextFunction) => {
    if (registry.open) return next();
    const caller = authenticate(registry, request.headers.authorization);
    if (caller?.scopes.has('admin')) return next();
    response
      .status(caller ? 403 : 401)
      .setHeader('www-authenticate', 'Basic realm="switchyard admin", charset="UTF-8"')
      .json({
        statusCode: caller ? 403 : 401,
        error: caller ? 'Forbidden' : 'Unauthorized',
        message: caller ? `${what} needs an admin key` : `${what} needs an admin API key`,
        path: request.originalUrl,
      });
  };
}
