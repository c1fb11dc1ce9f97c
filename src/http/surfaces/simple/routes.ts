// The simple API: ask a question, get an answer (JSON or SSE), and read back the recent question/answer history.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Deps } from '../../../deps.js';
import { GatewayError } from '../../../errors.js';
import { openAIErrorSchema } from '../../openapi-shapes.js';
import { errorHandlerFor } from '../../errors.js';
import { documented } from '../../route-schemas.js';
import { serveChat, type Prepare, type SurfaceRoutes } from '../serve.js';
import { sessionContext } from './session-context.js';
import { answerSchema, askSchema, simpleSurface, type SimpleExtras } from './surface.js';

const historyQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(20),
  session_id: z.string().min(1).optional(),
});

const sessionParamsSchema = z.object({ id: z.string().min(1).max(200) });
const forgottenSchema = z.object({ session_id: z.string(), deleted: z.number().int() });

const historySchema = z.object({ items: z.array(z.looseObject({ request_id: z.string().optional() })) });

export function defaultModelOf(deps: Deps): () => string {
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

/** The session's earlier turns go before the question, unless the body said `"context": false`. */
function rememberSession(deps: Deps): Prepare {
  return async (parsed, req) => {
    const extras = parsed.extras as SimpleExtras;
    if (!extras.remember) return;
    const earlier = await sessionContext(deps, req.gatewayKeyId, parsed.sessionId);
    if (earlier.length > 0) parsed.chat.messages = [...earlier, ...parsed.chat.messages];
  };
}

/** The proxied routes (ask, streaming), run by the pipeline. */
export const registerSimpleApi: SurfaceRoutes = (scope: FastifyInstance, { deps, pipeline }) => {
  const ask = simpleSurface(defaultModelOf(deps), false);
  scope.setErrorHandler(errorHandlerFor(ask.renderError, deps.redact));
  const streaming = simpleSurface(defaultModelOf(deps), true);
  const body = documented(askSchema);
  const remember = rememberSession(deps);
  scope.post(
    '/api/ask',
    { schema: { summary: 'Ask a question, get the answer', tags: ['Simple API'], body, response: { 200: answerSchema, default: openAIErrorSchema } } },
    (req, reply) => serveChat(pipeline, ask, '/api/ask', req, reply, remember),
  );
  scope.post(
    '/api/streaming',
    { schema: { summary: 'Ask a question, get the answer as SSE ({request_id, model, provider}, then {content} events, then [DONE])', tags: ['Simple API'], body, response: { default: openAIErrorSchema } } },
    (req, reply) => serveChat(pipeline, streaming, '/api/streaming', req, reply, remember),
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
  const forget = { summary: "Forget a session: deletes this key's logged turns of it", tags: ['Simple API'], params: sessionParamsSchema, response: { 200: forgottenSchema, default: openAIErrorSchema } };
  scope.delete('/api/sessions/:id', { schema: forget }, async (req) => {
    const { id } = req.params as z.infer<typeof sessionParamsSchema>;
    // Turns still queued in the writer would otherwise be written after the delete and come back.
    await deps.logWriter.flush(true);
    return { session_id: id, deleted: await deps.logStore.deleteSession(req.gatewayKeyId, deps.redact(id)) };
  });
}
