// POST /v1/messages and /v1/messages/count_tokens on today's ChatExchange, in their own plugin scope so that every
// error for these routes (auth, bad JSON, body too large included) leaves in Anthropic's envelope.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Deps } from '../../../deps.js';
import { GatewayError, toGatewayError } from '../../../errors.js';
import { ChatExchange } from '../../../routes/exchange.js';
import { parseOrThrow } from '../../../routes/validate.js';
import { nowSeconds } from '../../../schemas/chat-response.js';
import type { RenderContext } from '../surface.js';
import { estimateInputTokens } from './count-tokens.js';
import { anthropicMessagesSurface as surface } from './index.js';
import { rendererSink } from './sse-sink.js';
import { countTokensRequestSchema } from './wire.js';

export const MESSAGES_ENDPOINT = '/v1/messages';

/** Fastify's own 4xx (unparsable body, body over the limit) keep their status; anything else is classified once. */
function asGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  const { statusCode, code, message } = err as Partial<FastifyError>;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    return new GatewayError({ status: statusCode, message: message ?? 'Bad request', code: code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'request_too_large' : 'invalid_request' });
  }
  return toGatewayError(err);
}

export function registerAnthropicMessages(app: FastifyInstance, deps: Deps): void {
  async function messages(req: FastifyRequest, reply: FastifyReply) {
    const parsed = surface.parse(req.body, req.headers);
    const exchange = new ChatExchange(deps, req, reply.raw, parsed.chat, { endpoint: MESSAGES_ENDPOINT, sessionId: parsed.sessionId });
    const createdAt = nowSeconds();
    const context = (headers: Record<string, string>): RenderContext => ({
      requestId: req.id,
      createdAt,
      model: headers['x-gateway-model'] ?? parsed.chat.model,
      extras: parsed.extras,
    });
    if (parsed.stream) {
      // Failures before the first event propagate to the scope's error handler as a plain HTTP error.
      await exchange.stream(rendererSink(reply, (headers) => surface.openStream(context(headers)), deps.redact), parsed.includeUsage);
      return reply;
    }
    const { completion, headers } = await exchange.json();
    return reply.headers(headers).send(surface.renderJson(completion, context(headers)));
  }

  async function countTokens(req: FastifyRequest, reply: FastifyReply) {
    const body = parseOrThrow(countTokensRequestSchema, req.body);
    // Resolving answers 404 for a model nothing serves, as Anthropic does; the count itself is the estimate.
    const target = (await deps.resolver.resolve(body.model)).targets[0];
    if (target) reply.headers({ 'x-gateway-provider': target.provider, 'x-gateway-model': `${target.provider}/${target.model}` });
    return reply.header('x-gateway-token-count', 'estimate').send({ input_tokens: estimateInputTokens(body) });
  }

  void app.register(async (scope) => {
    scope.setErrorHandler((err, req, reply) => {
      const error = asGatewayError(err);
      if (error.status >= 500) req.log.error({ err: error.message, code: error.code, provider: error.provider }, 'request failed');
      else req.log.info({ status: error.status, code: error.code }, error.message);
      const rendered = surface.renderError(error, deps.redact);
      return reply.status(rendered.status).headers(rendered.headers ?? {}).send(rendered.body);
    });
    scope.post(MESSAGES_ENDPOINT, messages);
    scope.post(`${MESSAGES_ENDPOINT}/count_tokens`, countTokens);
  });
}
