// The simple API: ask a question, get an answer (JSON or SSE), and read back the recent question/answer history.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Deps } from '../../../deps.js';
import { GatewayError } from '../../../errors.js';
import { openAIErrorSchema } from '../../openapi-shapes.js';
import { errorHandlerFor } from '../../errors.js';
import { documented } from '../../route-schemas.js';
import { serveChat, type SurfaceRoutes } from '../serve.js';
import { answerSchema, askSchema, simpleSurface } from './surface.js';

const historyQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(20),
  session_id: z.string().min(1).optional(),
});

const historySchema = z.object({ items: z.array(z.looseObject({ request_id: z.string().optional() })) });

function defaultModelOf(deps: Deps): () => string {
  return () => {
    if (deps.config.defaultModel) return deps.config.defaultModel;
    if (deps.registry.has('mock')) return 'mock/echo';
    const alias = deps.resolver.aliasNames()[0];
    if (alias) return alias;
    for (const provider of deps.config.fallbackOrder.length ? deps.config.fallbackOrder : deps.registry.all().map((p) => p.id)) {
      const model = deps.registry.defaultModel(provider);
      if (model) return `${provider}/${model}`;
    }
    throw new GatewayError({ status: 400, message: 'No default model: send "model" or set DEFAULT_MODEL', param: 'model', code: 'model_required' });
  };
}

/** The proxied routes (ask, streaming), run by the pipeline. */
export const registerSimpleApi: SurfaceRoutes = (scope: FastifyInstance, { deps, pipeline }) => {
  const ask = simpleSurface(defaultModelOf(deps), false);
  scope.setErrorHandler(errorHandlerFor(ask.renderError, deps.redact));
  const streaming = simpleSurface(defaultModelOf(deps), true);
  const body = documented(askSchema);
  scope.post(
    '/api/ask',
    { schema: { summary: 'Ask a question, get the answer', tags: ['Simple API'], body, response: { 200: answerSchema, default: openAIErrorSchema } } },
    (req, reply) => serveChat(pipeline, ask, '/api/ask', req, reply),
  );
  scope.post(
    '/api/streaming',
    { schema: { summary: 'Ask a question, get the answer as SSE ({request_id, model, provider}, then {content} events, then [DONE])', tags: ['Simple API'], body, response: { default: openAIErrorSchema } } },
    (req, reply) => serveChat(pipeline, streaming, '/api/streaming', req, reply),
  );
};

/** Reading back the log: not an exchange, so not in the pipeline. */
export function registerHistory(scope: FastifyInstance, deps: Deps): void {
  const schema = { summary: 'Recent questions and answers, newest first', tags: ['Simple API'], querystring: historyQuerySchema, response: { 200: historySchema, default: openAIErrorSchema } };
  scope.get('/api/history', { schema }, async (req) => {
    const query = req.query as z.infer<typeof historyQuerySchema>;
    // Show what was just asked, but never make every read hit a database that is known to be down.
    if (!deps.logWriter.stats.degraded) await deps.logWriter.flush(true);
    // Each key reads back only its own questions; the admin key (and an open gateway, which has no keys) reads all.
    const ownedBy = req.gatewayAdmin || deps.config.apiKeys.length === 0 ? undefined : (req.gatewayKeyId ?? '');
    return { items: await deps.logStore.history(query.limit, query.session_id, ownedBy) };
  });
}
