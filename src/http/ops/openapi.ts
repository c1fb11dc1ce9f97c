// GET /openapi.json (OpenAPI 3.1, generated from the route schemas) and GET /docs (Swagger UI served from its npm
// package's own files: no CDN, nothing leaves the gateway). Registered before the routes it documents.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';

export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'llm-gateway', version, description: 'OpenAI-compatible gateway to many LLM providers, with fallback, retries, breakers and a request log.' },
      components: { securitySchemes: { gatewayKey: { type: 'http', scheme: 'bearer', description: 'A GATEWAY_API_KEYS key (also accepted as X-Internal-Auth or X-API-Key).' } } },
      security: [{ gatewayKey: [] }],
    },
    transform: jsonSchemaTransform,
  });
  // The page reads the document from /docs/json (the same document as /openapi.json); validatorUrl stays null, so
  // the UI never calls swagger.io's online validator.
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
}

export function registerOpenApiDocument(app: FastifyInstance): void {
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
