// POST /v1/responses through the exchange pipeline (previous_response_id continued from the store), and the
// stored-response routes: retrieve, delete, and the input items paged like OpenAI's.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { GatewayError } from '../../../errors.js';
import { errorHandlerFor } from '../../errors.js';
import { openAIErrorSchema } from '../../openapi-shapes.js';
import { documented } from '../../route-schemas.js';
import { serveParsed, type SurfaceRoutes } from '../serve.js';
import { responsesRequestSchema, type ResponsesRequest } from './request-schema.js';
import { historyOf, ResponseStore, withIds } from './store.js';
import { previousNotFound, toChatRequest } from './to-chat-request.js';
import { servePassthrough } from './passthrough.js';
import type { Deps } from '../../../deps.js';
import { Exchange } from '../../../pipeline/exchange.js';
import { fallbackOverride } from '../../../pipeline/stages/resolve.js';
import type { ChatRequest } from '../../../schemas/chat-request.js';
import { sessionIdOf } from '../openai-chat/surface.js';
import { parsedRequest, responsesSurface as surface, validRequest, type ResponsesExtras } from './surface.js';

const ENDPOINT = '/v1/responses';

const notFound = (id: string) =>
  new GatewayError({ status: 404, type: 'invalid_request_error', message: `No response found with id '${id}'.`, param: 'response_id', code: 'response_not_found' });

/** Every target of the plan speaks Responses natively (the model names OpenAI, or a server configured so). */
async function passesThrough(deps: Deps, model: string, fallback: string | string[] | undefined): Promise<boolean> {
  return deps.router.speaks('responses', await deps.resolver.resolve(model, fallbackOverride(fallback)));
}

/** The request in the chat model for the log row; a body the bridge cannot read (built-in tools) logs its model only. */
function chatForLog(request: ResponsesRequest): ChatRequest {
  try {
    return toChatRequest(request, []);
  } catch {
    return { model: request.model, messages: [] };
  }
}

const idParams = z.object({ id: z.string().min(1) });
const itemsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  order: z.enum(['asc', 'desc']).default('desc'),
  after: z.string().min(1).optional(),
});

type IdRequest = FastifyRequest<{ Params: z.infer<typeof idParams> }>;

export const registerResponses: SurfaceRoutes = (scope: FastifyInstance, { deps, pipeline }) => {
  scope.setErrorHandler(errorHandlerFor(surface.renderError, deps.redact));
  const store = new ResponseStore(deps.logStore.database, scope.log);
  scope.addHook('onClose', () => store.settle());
  const keeps = deps.config.logBodies;

  scope.post(ENDPOINT, { schema: { summary: 'Create a model response (JSON, or SSE of typed response.* events when stream is true)', tags: ['OpenAI'], body: documented(responsesRequestSchema), response: { default: openAIErrorSchema } } }, async (req, reply) => {
    const request = validRequest(req.body);
    const previous = request.previous_response_id;
    // An id from our store continues through the bridge; any other goes to a native upstream, which may know it.
    const chain = previous && keeps ? await store.chain(previous, req.gatewayKeyId) : undefined;
    if (!chain && (await passesThrough(deps, request.model, req.headers['x-gateway-fallback']))) {
      const x = new Exchange(req, reply.raw, { endpoint: ENDPOINT, work: { kind: 'passthrough', dialect: 'responses', body: req.body as Record<string, unknown>, request: chatForLog(request) }, sessionId: sessionIdOf(req.headers, request.metadata) });
      await servePassthrough(pipeline, x, reply);
      return reply;
    }
    let history;
    if (previous) {
      // LOG_BODIES=false keeps no bodies anywhere, stored responses included: nothing to continue from.
      if (!keeps) throw previousNotFound(previous, ': this gateway stores no responses (LOG_BODIES=false); send the whole conversation as input');
      if (!chain) throw previousNotFound(previous, '');
      history = historyOf(chain);
    }
    const parsed = parsedRequest(request, req.headers, history);
    const sent = await serveParsed(pipeline, surface, parsed, ENDPOINT, req, reply);
    const extras = parsed.extras as ResponsesExtras;
    const response = extras.final;
    if (keeps && extras.echo.store && response && response.status !== 'failed') {
      const id = response.id as string;
      store.put({ id, keyId: req.gatewayKeyId ?? null, createdAt: new Date(), previousResponseId: previous ?? null, response, inputItems: withIds(extras.input, id) });
    }
    return sent;
  });

  const found = async (req: IdRequest) => {
    const row = await store.get(req.params.id, req.gatewayKeyId);
    if (!row) throw notFound(req.params.id);
    return row;
  };
  const byId = { params: idParams, response: { default: openAIErrorSchema } };
  scope.get(`${ENDPOINT}/:id`, { schema: { summary: 'Retrieve a stored response', tags: ['OpenAI'], ...byId } }, async (req: IdRequest) => (await found(req)).response);
  scope.delete(`${ENDPOINT}/:id`, { schema: { summary: 'Delete a stored response', tags: ['OpenAI'], ...byId } }, async (req: IdRequest) => {
    if (!(await store.delete(req.params.id, req.gatewayKeyId))) throw notFound(req.params.id);
    return { id: req.params.id, object: 'response', deleted: true };
  });
  scope.get(
    `${ENDPOINT}/:id/input_items`,
    { schema: { summary: "A stored response's input items, paged (limit, order, after)", tags: ['OpenAI'], querystring: itemsQuery, ...byId } },
    async (req: IdRequest) => {
      const query = req.query as z.infer<typeof itemsQuery>;
      const items = (await found(req)).inputItems;
      const ordered = query.order === 'asc' ? items : [...items].reverse();
      const start = query.after === undefined ? 0 : ordered.findIndex((item) => item.id === query.after) + 1;
      const data = ordered.slice(start, start + query.limit);
      return { object: 'list', data, first_id: (data[0]?.id as string | undefined) ?? null, last_id: (data.at(-1)?.id as string | undefined) ?? null, has_more: start + query.limit < ordered.length };
    },
  );
};
