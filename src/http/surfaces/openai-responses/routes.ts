// POST /v1/responses through the exchange pipeline (previous_response_id continued from the store), and the
// stored-response routes: retrieve, delete, and the input items paged like OpenAI's.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { GatewayError } from '../../../errors.js';
import { errorHandlerFor } from '../../errors.js';
import { openAIErrorSchema } from '../../openapi-shapes.js';
import { documented } from '../../route-schemas.js';
import { serveParsed, type SurfaceRoutes } from '../serve.js';
import { responsesRequestSchema } from './request-schema.js';
import { resolveItemReferences } from './item-references.js';
import { historyOf, ResponseStore, withIds } from './store.js';
import { previousNotFound } from './to-chat-request.js';
import type { ParsedRequest } from '../surface.js';
import { parsedRequest, relayOnlyRequest, responsesSurface as surface, validRequest, type ResponsesExtras } from './surface.js';

const ENDPOINT = '/v1/responses';

const notFound = (id: string) =>
  new GatewayError({ status: 404, type: 'invalid_request_error', message: `No response found with id '${id}'.`, param: 'response_id', code: 'response_not_found' });

const idParams = z.object({ id: z.string().min(1) });
const itemsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  order: z.enum(['asc', 'desc']).default('desc'),
  after: z.string().min(1).optional(),
});

type IdRequest = FastifyRequest<{ Params: z.infer<typeof idParams> }>;

export const registerResponses: SurfaceRoutes = (scope: FastifyInstance, { deps, pipeline }) => {
  scope.setErrorHandler(errorHandlerFor(surface.renderError, deps.redact));
  const store = new ResponseStore(deps.logStore.database, deps.logWriter, scope.log);
  scope.addHook('onClose', async () => store.close());
  const keeps = deps.config.logBodies;

  scope.post(ENDPOINT, { schema: { summary: 'Create a model response (JSON, or SSE of typed response.* events when stream is true)', tags: ['OpenAI'], body: documented(responsesRequestSchema), response: { default: openAIErrorSchema } } }, async (req, reply) => {
    let request = validRequest(req.body);
    const previous = request.previous_response_id;
    // An id from our store continues through the bridge (never relayed: the upstream does not know it); any other
    // can only be answered by a native upstream (relayed untranslated by the route stage), which may know it.
    const chain = previous && keeps ? await store.chain(previous, req.gatewayKeyId) : undefined;
    const history = chain ? historyOf(chain) : undefined;
    let fromStore = false;
    let parsed: ParsedRequest;
    if (previous && !chain) {
      // LOG_BODIES=false keeps no bodies anywhere, stored responses included: nothing to continue from.
      const refusal = keeps ? previousNotFound(previous, '') : previousNotFound(previous, ': this gateway stores no responses (LOG_BODIES=false); send the whole conversation as input');
      parsed = relayOnlyRequest(request, req.headers, refusal);
    } else {
      try {
        const resolved = keeps ? await resolveItemReferences(request.input, history, (id) => store.item(id, req.gatewayKeyId)) : undefined;
        if (resolved) {
          request = { ...request, input: resolved.input };
          fromStore = resolved.fromStore;
        }
        parsed = parsedRequest(request, req.headers, history);
      } catch (err) {
        // Only what the gateway's store answered binds the request to the bridge; an unknown reference may be
        // OpenAI's own, so a native upstream still gets the chance to answer it.
        if (chain || fromStore || !(err instanceof GatewayError)) throw err;
        parsed = relayOnlyRequest(request, req.headers, err);
      }
    }
    const sent = await serveParsed(pipeline, surface, parsed, ENDPOINT, req, reply, !chain && !fromStore);
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
