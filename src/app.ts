// buildApp(deps): the Fastify instance with its error handling, auth and routes. It never listens.
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { createAuthHook } from './auth.js';
import type { Deps } from './deps.js';
import { GatewayError, toGatewayError } from './errors.js';
import { registerChatCompletions } from './routes/chat-completions.js';
import { registerEmbeddings } from './routes/embeddings.js';
import { registerHealth } from './routes/health.js';
import { registerMetrics } from './routes/metrics.js';
import { registerModels } from './routes/models.js';
import { registerSimpleApi } from './routes/simple-api.js';
import { registerResponses } from './http/surfaces/openai-responses/route.js';
import { createCorsHook } from './security/cors.js';
import { createRateLimitHook } from './security/rate-limit.js';
import { serverTimeouts } from './security/timeouts.js';

const REQUEST_ID = /^[\w.:-]{1,128}$/;
const HEALTH_ROUTES = new Set(['/health', '/health/ready', '/health/providers']);
const OPEN_ROUTES = new Set([...HEALTH_ROUTES, '/metrics']);

/** Fastify's own errors (bad JSON, body too large, wrong content type…) and ours → one GatewayError. */
function asGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  const fastifyError = err as Partial<FastifyError>;
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code = fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'request_too_large' : fastifyError.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError ? 'invalid_json' : 'invalid_request';
    return new GatewayError({ status, message: fastifyError.message ?? 'Bad request', code });
  }
  if (err instanceof SyntaxError) return new GatewayError({ status: 400, message: `Invalid JSON body: ${err.message}`, code: 'invalid_json' });
  return toGatewayError(err);
}

export function buildApp(deps: Deps, logger: Logger): FastifyInstance {
  const timeouts = serverTimeouts(deps.config);
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // Per-request access lines cost throughput; the request log store already records every request.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.config.bodyLimitBytes,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    // Slow senders and dead sockets are cut; long generations are not (see src/security/timeouts.ts).
    http: timeouts.http,
    requestTimeout: timeouts.requestTimeout,
    connectionTimeout: timeouts.connectionTimeout,
    keepAliveTimeout: timeouts.keepAliveTimeout,
  });

  // Any content type is read as JSON: `curl -d` sends form-urlencoded, and clients forget the header.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      // Only a failed parse needs to know whether the body was blank (trimming every body copied it).
      if (!/\S/.test(text)) return done(new GatewayError({ status: 400, message: 'The request body is empty; send a JSON object.', code: 'invalid_json' }));
      return done(new GatewayError({ status: 400, message: `Invalid JSON body: ${(err as Error).message}`, code: 'invalid_json' }));
    }
    done(null, parsed);
  });

  // CORS first: a preflight is answered before auth (browsers send no credentials on it).
  const cors = createCorsHook(deps.config.corsOrigins);
  if (cors) app.addHook('onRequest', cors);
  const authenticate = createAuthHook(deps.config.apiKeys);
  const rateLimit = createRateLimitHook(deps.config.rateLimitRpm);
  // Decided on the matched route, never on the raw URL: the router decodes %xx, so `/%761/models` is /v1/models.
  // Everything is behind the key except the probes and the scrape endpoint.
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
    if (!OPEN_ROUTES.has(req.routeOptions.url ?? '')) {
      await authenticate(req);
      rateLimit?.(req, reply);
    }
  });

  // The health reports need no key and quote upstream errors, which may quote a provider key back.
  app.addHook('onSend', async (req, _reply, payload) =>
    HEALTH_ROUTES.has(req.routeOptions.url ?? '') && typeof payload === 'string' ? deps.redact(payload) : payload,
  );

  app.setErrorHandler((err, req, reply) => {
    const error = asGatewayError(err);
    if (error.status >= 500) req.log.error({ err: error.message, code: error.code, provider: error.provider }, 'request failed');
    else req.log.info({ status: error.status, code: error.code }, error.message);
    if (error.retryAfter !== undefined) reply.header('retry-after', String(Math.ceil(error.retryAfter)));
    else if (error.status === 429 || error.status === 503) reply.header('retry-after', '1');
    // An upstream error may quote the provider key back; no client ever sees it.
    const body = error.toBody();
    body.error.message = deps.redact(body.error.message);
    return reply.status(error.status).send(body);
  });

  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send(new GatewayError({ status: 404, message: `No route ${req.method} ${req.url}`, code: 'not_found' }).toBody());
  });

  registerHealth(app, deps);
  registerMetrics(app, deps);
  registerModels(app, deps);
  registerChatCompletions(app, deps);
  registerEmbeddings(app, deps);
  registerSimpleApi(app, deps);
  registerResponses(app, deps);
  return app;
}
