// POST /v1/messages and /v1/messages/count_tokens: Anthropic Messages through the exchange pipeline, in their own
// scope so that every error for these routes (auth, bad JSON, body too large included) leaves in Anthropic's envelope.
import type { FastifyInstance } from 'fastify';
import { flatHeaders } from '../../../pipeline/headers.js';
import { ClientConnection } from '../../client-connection.js';
import { errorHandlerFor } from '../../errors.js';
import { parseOrThrow } from '../../validate.js';
import { serveChat, type SurfaceRoutes } from '../serve.js';
import { estimateInputTokens } from './count-tokens.js';
import { anthropicMessagesSurface as surface } from './index.js';
import { toChatRequest } from './parse.js';
import { countTokensRequestSchema, type MessagesRequest } from './wire.js';

export const MESSAGES_ENDPOINT = '/v1/messages';

export const registerAnthropicMessages: SurfaceRoutes = (scope: FastifyInstance, { deps, pipeline }) => {
  scope.setErrorHandler(errorHandlerFor(surface.renderError, deps.redact));
  scope.post(MESSAGES_ENDPOINT, (req, reply) => serveChat(pipeline, surface, MESSAGES_ENDPOINT, req, reply));
  scope.post(`${MESSAGES_ENDPOINT}/count_tokens`, async (req, reply) => {
    const body = parseOrThrow(countTokensRequestSchema, req.body);
    // Resolving answers 404 for a model nothing serves, as Anthropic does.
    const plan = await deps.resolver.resolve(body.model);
    const request = { chat: toChatRequest({ ...body, max_tokens: 1 } as MessagesRequest), dialect: surface.name, body: req.body as Record<string, unknown>, headers: flatHeaders(req.headers) };
    // The upstream's own count (Anthropic's count_tokens on the body as sent, Gemini's countTokens translated) with
    // the retries, fallback, breakers and timeouts of any upstream call; an estimate when no target can count.
    const counted = await deps.router.countTokens(request, plan, { signal: new ClientConnection(reply.raw), attempts: [] });
    const target = counted?.target ?? plan.targets[0];
    if (target) reply.headers({ 'x-gateway-provider': target.provider, 'x-gateway-model': `${target.provider}/${target.model}` });
    if (!counted) return reply.header('x-gateway-token-count', 'estimate').send({ input_tokens: estimateInputTokens(body) });
    return reply.header('x-gateway-token-count', 'upstream').send({ input_tokens: counted.inputTokens });
  });
};
