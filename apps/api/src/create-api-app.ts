import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { LogLevelName } from '#switchyard/contracts';
import { loggerFor } from '#switchyard/logging';
import type { JobsQueue } from '#switchyard/fleet';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { BULL_BOARD_PATH, mountBullBoard } from './admin/bull-board.js';
import { AppModule } from './app.module.js';
import { ApiExceptionFilter } from './common/api-exception.filter.js';
import { ApiValidationPipe } from './common/api-validation.pipe.js';
import { ApiEnv } from './config/api-env.js';
import { DOCS_PATH, setupOpenApi } from './docs/openapi.js';
import { JOBS_QUEUE_TOKEN } from './core/tokens.js';
import { mountFleetPage } from './fleet/fleet-page.js';
import { ApiMetrics } from './metrics/api-metrics.js';

/** Largest JSON body accepted: long prompts and chats exceed Express's 100 kB default. */
const JSON_BODY_LIMIT = '8mb';

/**
 * Builds and initialises the api for `env` (routes, validation, error mapping, Bull Board, the
 * fleet page, metrics, OpenAPI docs),
 * without listening: main listens, tests hand `app.getHttpServer()` to supertest.
 */
export async function createApiApp(env: ApiEnv): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(env), {
    logger: loggerFor('api', env.LOG_FORMAT, env.LOG_LEVEL as LogLevelName),
    bodyParser: false,
  });
  app.use(app.get(ApiMetrics).middleware());
  useSecurityHeaders(app);
  if (env.CORS_ORIGINS !== '') {
    app.enableCors({
      origin: env.CORS_ORIGINS === '*' ? true : env.CORS_ORIGINS.split(',').map((o) => o.trim()),
      exposedHeaders: ['x-request-id', 'location', 'idempotent-replayed', 'retry-after'],
    });
  }
  app.useBodyParser('json', { limit: JSON_BODY_LIMIT });
  app.useGlobalPipes(new ApiValidationPipe(env));
  app.useGlobalFilters(new ApiExceptionFilter());
  mountBullBoard(app, app.get<JobsQueue>(JOBS_QUEUE_TOKEN));
  mountFleetPage(app);
  setupOpenApi(app);
  await app.init();
  return app;
}

/**
 * helmet's headers on every answer; Bull Board's pages and Swagger UI run inline scripts and
 * styles, so their paths get them without the content security policy. The fleet page keeps it:
 * it loads only its own bundled script and stylesheet.
 */
function useSecurityHeaders(app: NestExpressApplication): void {
  const strict = helmet();
  const relaxed = helmet({ contentSecurityPolicy: false });
  app.use((request: Request, response: Response, next: NextFunction) =>
    (request.path.startsWith(BULL_BOARD_PATH) || request.path.startsWith(DOCS_PATH)
      ? relaxed
      : strict)(request, response, next),
  );
}
