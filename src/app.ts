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

const REQUEST_ID = /^[\w.:-]{1,128}$/;

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
    // Long generations: the server itself must not cut a slow upstream's stream.
    requestTimeout: 0,
    connectionTimeout: 0,
    keepAliveTimeout: 65_000,
  });

  // Any content type is read as JSON: `curl -d` sends form-urlencoded, and clients forget the header.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(new GatewayError({ status: 400, message: 'The request body is empty; send a JSON object.', code: 'invalid_json' }));
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(new GatewayError({ status: 400, message: `Invalid JSON body: ${(err as Error).message}`, code: 'invalid_json' }));
    }
  });

  const authenticate = createAuthHook(deps.config.apiKeys);
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
    if (req.url.startsWith('/v1/') || req.url.startsWith('/api/')) await authenticate(req);
  });

  app.setErrorHandler((err, req, reply) => {
    const error = asGatewayError(err);
    if (error.status >= 500) req.log.error({ err: error.message, code: error.code, provider: error.provider }, 'request failed');
    else req.log.info({ status: error.status, code: error.code }, error.message);
    if (error.retryAfter !== undefined) reply.header('retry-after', String(Math.ceil(error.retryAfter)));
    else if (error.status === 429 || error.status === 503) reply.header('retry-after', '1');
    // 499 is ours for "client went away"; nobody is listening, but keep the status honest in logs.
    return reply.status(error.status).send(error.toBody());
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
  return app;
}
