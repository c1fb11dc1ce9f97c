// buildApp(deps): the Fastify instance with its scopes, plugins and routes. It never listens.
// Scopes: the root (request id, CORS, unknown routes, docs); open ops routes (health, metrics); the console (the admin
// API behind the admin key or open on a keyless loopback start, and /ui); keyed routes
// behind the auth plugin: the surfaces run by the exchange pipeline, and the plain keyed routes (models, history)
// behind the rate-limit plugin. Each surface answers errors in its own envelope.
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Deps } from './deps.js';
import { errorHandlerFor } from './http/errors.js';
import { registerHealth } from './http/ops/health.js';
import { registerMetrics } from './http/ops/metrics.js';
import { registerOpenApi, registerOpenApiDocument } from './http/ops/openapi.js';
import { authPlugin, createAuthHook } from './http/plugins/auth.js';
import { answerClientError } from './http/plugins/client-errors.js';
import { corsPlugin } from './http/plugins/cors.js';
import { lazyChildLogger } from './http/lazy-request-logger.js';
import { readEveryBodyAsJson } from './http/plugins/json-body.js';
import { metricsAuthHooks } from './http/plugins/metrics-auth.js';
import { seeUnknownRoutes } from './http/plugins/not-found.js';
import { rateLimitPlugin, requestRateLimit } from './http/plugins/rate-limit.js';
import { serverTimeouts } from './http/plugins/timeouts.js';
import { serializerCompiler, validatorCompiler } from './http/route-schemas.js';
import { renderOpenAIError } from './http/surfaces/openai-chat/errors.js';
import { registerModels } from './http/surfaces/openai-chat/models.js';
import { registerAnthropicMessages } from './http/surfaces/anthropic-messages/routes.js';
import { registerChatCompletions } from './http/surfaces/openai-chat/routes.js';
import { registerEmbeddings } from './http/surfaces/openai-embeddings/routes.js';
import { registerResponses } from './http/surfaces/openai-responses/routes.js';
import type { SurfaceDeps, SurfaceRoutes } from './http/surfaces/serve.js';
import { registerHistory, registerSimpleApi } from './http/surfaces/simple/routes.js';
import { registerWebSocket } from './http/surfaces/ws/routes.js';
import { registerConsole } from './http/ui/index.js';
import { createPipeline } from './pipeline/index.js';

const REQUEST_ID = /^[\w.:-]{1,128}$/;
const VERSION = '1';

/** The proxied surfaces, each in its own scope (its error envelope); a new dialect is one more line here. */
const SURFACES: SurfaceRoutes[] = [registerChatCompletions, registerResponses, registerEmbeddings, registerSimpleApi, registerAnthropicMessages];

export function buildApp(deps: Deps, logger: Logger): FastifyInstance {
  const timeouts = serverTimeouts(deps.config);
  const answerOpenAIError = errorHandlerFor(renderOpenAIError, deps.redact);
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    childLoggerFactory: lazyChildLogger,
    // Per-request access lines cost throughput; the request log store already records every request.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.config.bodyLimitBytes,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    // Slow senders and dead sockets are cut; long generations are not (see src/http/plugins/timeouts.ts).
    http: timeouts.http,
    requestTimeout: timeouts.requestTimeout,
    connectionTimeout: timeouts.connectionTimeout,
    keepAliveTimeout: timeouts.keepAliveTimeout,
    // The parser's refusals, and Fastify's own before routing (a bad % escape), in OpenAI's envelope too.
    clientErrorHandler: answerClientError,
    frameworkErrors: answerOpenAIError,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  readEveryBodyAsJson(app, deps.config.maxJsonDepth);
  seeUnknownRoutes(app, deps.metrics, deps.redact);
  app.setErrorHandler(answerOpenAIError);

  // On the reply: SseWriter.open carries its headers to a stream's writeHead.
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id);
    done();
  });
  // CORS first: a preflight is answered before auth (browsers send no credentials on it).
  void app.register(corsPlugin, { origins: deps.config.corsOrigins });
  void app.register(async (root) => {
    await registerOpenApi(root, VERSION);
    registerOpenApiDocument(root);
    // Open: the probes and the scrape endpoint (METRICS_AUTH puts the two operator views behind the key).
    const operatorViewsAuth = metricsAuthHooks(deps.config, createAuthHook(deps.config.apiKeys, { directory: deps.keys, adminKey: deps.config.adminKey }));
    const opsScope = (register: (ops: FastifyInstance, deps: Deps) => void) =>
      root.register(async (ops) => {
        for (const hook of operatorViewsAuth) ops.addHook('onRequest', hook);
        register(ops, deps);
      });
    void opsScope(registerHealth);
    void opsScope(registerMetrics);
    // The admin API and the console at /ui (its files, its session cookie).
    registerConsole(root, deps);
    // Its own key lookup (query token, subprotocol) before the upgrade: outside the keyed scope's header-only auth.
    registerWebSocket(root, { deps, pipeline: createPipeline(deps) });
    void root.register(async (keyed) => {
      await keyed.register(authPlugin, { keys: deps.config.apiKeys, directory: deps.keys, adminKey: deps.config.adminKey });
      const pipeline = createPipeline(deps);
      const context: SurfaceDeps = { deps, pipeline };
      for (const surface of SURFACES) void keyed.register(async (scope) => surface(scope, context));
      void keyed.register(async (plain) => {
        await plain.register(rateLimitPlugin, { limit: requestRateLimit(deps.state, deps.config.rateLimitRpm) });
        registerModels(plain, deps);
        registerHistory(plain, deps);
      });
    });
  });
  return app;
}
