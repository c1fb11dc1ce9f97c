// POST /v1/responses on today's ChatExchange (JSON, or the surface's SSE events), and the stored-response routes,
// which answer 404 in OpenAI's shape until the response store exists.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Deps } from '../../../deps.js';
import { GatewayError, toGatewayError } from '../../../errors.js';
import { ChatExchange } from '../../../routes/exchange.js';
import { nowSeconds } from '../../../schemas/chat-response.js';
import type { RenderContext } from '../surface.js';
import { rendererSink } from './stream-sink.js';
import { responsesSurface as surface } from './surface.js';

const ENDPOINT = '/v1/responses';

function sendError(deps: Deps, req: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  const error = toGatewayError(err);
  if (error.status >= 500) req.log.error({ err: deps.redact(error.message), code: error.code, provider: error.provider }, 'request failed');
  else req.log.info({ status: error.status, code: error.code }, deps.redact(error.message));
  const rendered = surface.renderError(error, deps.redact);
  return reply.status(rendered.status).headers(rendered.headers ?? {}).send(rendered.body);
}

const notStored = (id: string) =>
  new GatewayError({
    status: 404,
    type: 'invalid_request_error',
    message: `No response found with id '${id}': this gateway does not store responses yet.`,
    param: 'response_id',
    code: 'response_not_found',
  });

export function registerResponses(app: FastifyInstance, deps: Deps): void {
  app.post(ENDPOINT, async (req, reply) => {
    const createdAt = nowSeconds();
    try {
      const parsed = surface.parse(req.body, req.headers);
      const context = (headers: Record<string, string>): RenderContext => ({
        requestId: req.id,
        createdAt,
        model: headers['x-gateway-model'] ?? parsed.chat.model,
        extras: parsed.extras,
      });
      const exchange = new ChatExchange(deps, req, reply.raw, parsed.chat, { endpoint: ENDPOINT, sessionId: parsed.sessionId });
      if (parsed.stream) {
        await exchange.stream(rendererSink(reply, (headers) => surface.openStream(context(headers)), deps.redact), parsed.includeUsage);
        return reply;
      }
      const { completion, headers } = await exchange.json();
      return reply.headers(headers).send(surface.renderJson(completion, context(headers)));
    } catch (err) {
      return sendError(deps, req, reply, err);
    }
  });

  const missing = async (req: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => sendError(deps, req, reply, notStored(req.params.id));
  app.get(`${ENDPOINT}/:id`, missing);
  app.delete(`${ENDPOINT}/:id`, missing);
  app.get(`${ENDPOINT}/:id/input_items`, missing);
}
