// CORS, off unless CORS_ORIGINS is set: then allowed origins get Access-Control-* headers and preflights are answered
// (before auth: browsers send no credentials on a preflight). Other origins get no CORS headers at all.
// Registered on the root scope: every route a browser may call needs it, unknown routes (the preflight's) included.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sharedHooks } from './shared-hooks.js';

const ALLOW_METHODS = 'GET, POST, OPTIONS';
/** What a browser client needs besides the simple headers: auth, JSON, our request id and routing header. */
const DEFAULT_ALLOW_HEADERS = 'authorization, content-type, x-internal-auth, x-request-id, x-gateway-fallback';
/** Response headers a browser script may read. */
const EXPOSE_HEADERS = [
  'x-request-id',
  'x-gateway-provider',
  'x-gateway-model',
  'x-gateway-attempts',
  'x-gateway-overhead-ms',
  'retry-after',
  'x-ratelimit-limit-requests',
  'x-ratelimit-remaining-requests',
].join(', ');
const PREFLIGHT_MAX_AGE_S = '600';

const normalize = (origin: string) => origin.trim().replace(/\/+$/, '').toLowerCase();

/** The onRequest hook, registered before auth; undefined when no origins are configured (CORS off). */
export function createCorsHook(origins: string[]) {
  if (origins.length === 0) return undefined;
  const any = origins.includes('*');
  const allowed = new Set(origins.map(normalize));
  return async function cors(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const origin = req.headers.origin;
    if (typeof origin !== 'string' || origin === '') return undefined;
    // The answer depends on Origin whenever it is not a blanket '*': caches must key on it.
    if (!any) reply.header('vary', 'Origin');
    if (!any && !allowed.has(normalize(origin))) return undefined;
    // On the reply: SseWriter.open carries its headers to a stream's writeHead.
    reply.header('access-control-allow-origin', any ? '*' : origin);
    const requestedMethod = req.headers['access-control-request-method'];
    if (req.method === 'OPTIONS' && typeof requestedMethod === 'string') {
      const requestedHeaders = req.headers['access-control-request-headers'];
      reply.header('access-control-allow-methods', ALLOW_METHODS);
      // Echoing what was asked lets SDKs add their own headers (x-stainless-*, openai-beta) without a config change.
      reply.header('access-control-allow-headers', typeof requestedHeaders === 'string' && requestedHeaders ? requestedHeaders : DEFAULT_ALLOW_HEADERS);
      reply.header('access-control-max-age', PREFLIGHT_MAX_AGE_S);
      return reply.status(204).send();
    }
    reply.header('access-control-expose-headers', EXPOSE_HEADERS);
    return undefined;
  };
}

export const corsPlugin = sharedHooks(async (scope: FastifyInstance, opts: { origins: string[] }) => {
  const cors = createCorsHook(opts.origins);
  if (cors) scope.addHook('onRequest', cors);
});
