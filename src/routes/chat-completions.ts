// POST /v1/chat/completions: OpenAI Chat Completions, JSON or SSE.
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../deps.js';
import { chatRequestSchema, wantsStreamUsage } from '../schemas/chat-request.js';
import { ChatExchange } from './exchange.js';
import { openAIFormat, sseSink } from './sse-reply.js';
import { parseOrThrow } from './validate.js';

export function sessionIdOf(headers: Record<string, string | string[] | undefined>, metadata?: Record<string, string> | null): string | undefined {
  const header = headers['x-session-id'];
  if (typeof header === 'string' && header) return header;
  return metadata?.session_id ?? undefined;
}

export function registerChatCompletions(app: FastifyInstance, deps: Deps): void {
  app.post('/v1/chat/completions', async (req, reply) => {
    const request = parseOrThrow(chatRequestSchema, req.body);
    const exchange = new ChatExchange(deps, req, reply.raw, request, {
      endpoint: '/v1/chat/completions',
      sessionId: sessionIdOf(req.headers, request.metadata),
    });
    if (request.stream) {
      // Errors before the first event propagate as a normal JSON error response (status intact).
      await exchange.stream(sseSink(reply, openAIFormat), wantsStreamUsage(request));
      return reply;
    }
    const { completion, headers } = await exchange.json();
    return reply.headers(headers).send(completion);
  });
}
