// POST /v1/messages and /v1/messages/count_tokens: Anthropic Messages through the exchange pipeline, in their own
// scope so that every error for these routes (auth, bad JSON, body too large included) leaves in Anthropic's envelope.
import type { FastifyInstance } from 'fastify';
import { errorHandlerFor } from '../../errors.js';
import { parseOrThrow } from '../../validate.js';
import { serveChat, type SurfaceRoutes } from '../serve.js';
import { estimateInputTokens } from './count-tokens.js';
import { anthropicMessagesSurface as surface } from './index.js';
import { countTokensRequestSchema } from './wire.js';

export const MESSAGES_ENDPOINT = '/v1/messages';

export const registerAnthropicMessages: SurfaceRoutes = (scope: FastifyInstance, { deps, pipeline }) => {
  scope.setErrorHandler(errorHandlerFor(surface.renderError, deps.redact));
  scope.post(MESSAGES_ENDPOINT, (req, reply) => serveChat(pipeline, surface, MESSAGES_ENDPOINT, req, reply));
  scope.post(`${MESSAGES_ENDPOINT}/count_tokens`, async (req, reply) => {
    const body = parseOrThrow(countTokensRequestSchema, req.body);
    // Resolving answers 404 for a model nothing serves, as Anthropic does; the count itself is the estimate.
    const target = (await deps.resolver.resolve(body.model)).targets[0];
    if (target) reply.headers({ 'x-gateway-provider': target.provider, 'x-gateway-model': `${target.provider}/${target.model}` });
    return reply.header('x-gateway-token-count', 'estimate').send({ input_tokens: estimateInputTokens(body) });
  });
};
