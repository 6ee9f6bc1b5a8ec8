import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { OPERATION_DOCS } from './operation-docs.js';

/** Where the docs are served; the JSON document is at `${DOCS_PATH}-json`. */
export const DOCS_PATH = '/docs';

const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** Builds the OpenAPI document from the controllers and DTOs, with the summaries and examples. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Switchyard')
    .setDescription(
      'A distributed LLM inference job queue: native jobs with priority classes and SLAs, ' +
        'and OpenAI-compatible chat/completions, files and batches. Send an API key as ' +
        '`Authorization: Bearer <key>` (scopes: read for GETs, submit for the rest, admin for ' +
        'operations); /health, /metrics and these docs need none.',
    )
    .setVersion('1')
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'API key',
      description: 'An API key (API_KEYS)',
    })
    .addSecurityRequirements('bearer')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const doc = OPERATION_DOCS[`${method.toUpperCase()} ${path}`];
      if (!doc) continue;
      operation.summary ??= doc.summary;
      if (doc.description) operation.description ??= doc.description;
      operation.tags = [doc.tag];
      if (doc.requestBody) operation.requestBody ??= doc.requestBody;
      const json =
        operation.requestBody && 'content' in operation.requestBody
          ? operation.requestBody.content['application/json']
          : undefined;
      if (json && doc.examples) json.examples = doc.examples;
      if (path === '/health' || path === '/metrics') operation.security = [];
    }
  }
  return document;
}

/** Serves the docs at /docs (Swagger UI) and /docs-json; call before app.init(). */
export function setupOpenApi(app: INestApplication): void {
  SwaggerModule.setup(DOCS_PATH.slice(1), app, buildOpenApiDocument(app), {
    jsonDocumentUrl: `${DOCS_PATH.slice(1)}-json`,
    customSiteTitle: 'Switchyard API',
  });
}
