import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { OPERATION_DOCS } from './operation-docs.js';

/** Where the docs are served; the JSON document is at `${DOCS_PATH}-json`. */
export const DOCS_PATH = '/docs';

type OperationObject = NonNullable<OpenAPIObject['paths'][string]['get']>;

const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

// Routes marked @Public(): no API key needed.
const PUBLIC_PATHS = ['/health', '/metrics'];

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
      for (const [status, answer] of Object.entries(doc.responses ?? {})) {
        operation.responses[status] = {
          description: answer.description,
          ...(answer.example === undefined
            ? {}
            : { content: { [answer.type ?? 'application/json']: { example: answer.example } } }),
        };
      }
      describeErrors(operation, path, method);
    }
  }
  return document;
}

/** The errors every route may answer, and no security on the public ones. */
function describeErrors(operation: OperationObject, path: string, method: string): void {
  const responses = operation.responses;
  for (const [status, answer] of Object.entries(responses)) {
    // Nest's default entry for a 2xx the docs table overrides.
    if (answer && 'description' in answer && answer.description === '') {
      if (Object.keys(responses).some((s) => s !== status && s.startsWith('2'))) {
        delete responses[status];
      } else answer.description = 'OK';
    }
  }
  if (PUBLIC_PATHS.includes(path)) {
    operation.security = [];
    return;
  }
  responses['401'] ??= { description: 'No API key, or an unknown one' };
  responses['403'] ??= { description: 'The API key lacks the scope this route needs' };
  responses['429'] ??= { description: 'Rate limit of the API key reached (see Retry-After)' };
  if (method === 'post')
    responses['400'] ??= { description: 'Invalid body: every bad field named' };
}

/** Serves the docs at /docs (Swagger UI) and /docs-json; call before app.init(). */
export function setupOpenApi(app: INestApplication): void {
  SwaggerModule.setup(DOCS_PATH.slice(1), app, buildOpenApiDocument(app), {
    jsonDocumentUrl: `${DOCS_PATH.slice(1)}-json`,
    customSiteTitle: 'Switchyard API',
  });
}
