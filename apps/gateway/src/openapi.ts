import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { OperationObject, ParameterObject, PathItemObject } from '@nestjs/swagger';
import { cleanupOpenApiDoc } from 'nestjs-zod';
import { SESSION_COOKIE } from './auth/session-cookie';

const PROBLEM_SCHEMA = {
  type: 'object',
  description: 'RFC 9457 problem details',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string', description: 'What went wrong, for a person' },
    instance: { type: 'string' },
    code: { type: 'string', description: 'Stable machine-readable code, e.g. app/not_found' },
    errors: {
      type: 'array',
      description: 'The failing fields of an invalid request',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: { field: { type: 'string' }, message: { type: 'string' } },
      },
    },
    errorId: { type: 'string', description: 'For unexpected errors: quote it when reporting' },
  },
};

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/**
 * Path parameters such as `:tenant` are resolved by the access guard, not by handler arguments,
 * so Nest does not see them; the path template is the truth, so declare what it names. Every
 * operation can also fail with a problem document.
 */
function completeOperations(document: OpenAPIObject): void {
  for (const [path, item] of Object.entries(document.paths) as [string, PathItemObject][]) {
    const names = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] as string);
    for (const method of METHODS) {
      const operation = item[method] as OperationObject | undefined;
      if (!operation) continue;
      const declared = (operation.parameters ?? []) as ParameterObject[];
      const inPath = (name: string) => declared.find((p) => p.in === 'path' && p.name === name);
      // In the template's order, whichever way each was declared (@CurrentApp declares `app` last).
      const pathParameters: ParameterObject[] = names.map(
        (name) => inPath(name) ?? { name, in: 'path', required: true, schema: { type: 'string' } },
      );
      operation.parameters = [...pathParameters, ...declared.filter((p) => p.in !== 'path')];
      operation.responses.default = {
        description: 'An error, as application/problem+json',
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      };
    }
  }
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, Problem: PROBLEM_SCHEMA },
  };
}

/** The API's OpenAPI 3.1 document, generated from the controllers and their zod DTOs. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('Nimbus API')
    .setDescription(
      'Tenants, namespaces, apps, config and secrets, tokens. Errors are application/problem+json (RFC 9457).',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API or session token (nmb_…)' })
    .addCookieAuth(SESSION_COOKIE, {
      type: 'apiKey',
      in: 'cookie',
      description: "The console's session (HttpOnly); writes also need the session's X-CSRF-Token",
    })
    .build();
  const document = cleanupOpenApiDoc(
    SwaggerModule.createDocument(app, config, {
      operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '')}_${method}`,
    }),
    { version: '3.1' },
  );
  completeOperations(document);
  return document;
}
