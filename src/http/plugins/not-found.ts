// Unknown routes are seen: counted (method and a bounded area label, never the raw path, so a scanner cannot grow
// the metric), logged at info with method and path, and answered with a message that names the routes that exist
// (clients such as LangChain otherwise tell their users "MODEL_NOT_FOUND" for a missing route).
import type { FastifyInstance } from 'fastify';
import { GatewayError } from '../../errors.js';
import type { Metrics } from '../../metrics.js';
import type { Redact } from '../surfaces/surface.js';
import { renderOpenAIError } from '../surfaces/openai-chat/errors.js';

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD']);
const AREAS = new Set(['v1', 'api', 'health', 'metrics', 'docs', 'openapi.json', 'admin', 'ui']);

/** The first path segment when it is one the gateway knows, else 'other'. */
export function areaOf(url: string): string {
  const segment = url.split(/[/?#]/, 2)[1] ?? '';
  return AREAS.has(segment) ? segment : 'other';
}

/** Call before any route is registered: it collects the public routes (those documented in /openapi.json). */
export function seeUnknownRoutes(app: FastifyInstance, metrics: Metrics, redact: Redact): void {
  const routes: string[] = [];
  app.addHook('onRoute', (route) => {
    const schema = route.schema as { hide?: boolean } | undefined;
    if (!schema || schema.hide) return;
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push(`${method} ${route.url}`);
  });
  app.setNotFoundHandler((req, reply) => {
    const method = METHODS.has(req.method) ? req.method : 'OTHER';
    metrics.unknownRoutes.inc({ method, area: areaOf(req.url) });
    const path = redact(req.url.split('?', 1)[0] ?? '');
    req.log.info({ method: req.method, path }, 'unknown route');
    const message = `No route ${req.method} ${path}. Routes: ${routes.join(', ')}.`;
    const rendered = renderOpenAIError(new GatewayError({ status: 404, message, code: 'not_found' }), redact);
    return reply.status(404).send(rendered.body);
  });
}
