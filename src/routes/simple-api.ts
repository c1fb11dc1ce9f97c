// The simple API: ask a question, get an answer (JSON or SSE), and read back the recent question/answer history.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { GatewayError } from '../errors.js';
import type { ChatRequest } from '../schemas/chat-request.js';
import { ChatExchange } from './exchange.js';
import { sseSink, type SseFormat } from './sse-reply.js';
import { parseOrThrow } from './validate.js';

const askSchema = z.object({
  question: z.string().min(1).max(100_000),
  model: z.string().min(1).optional(),
  session_id: z.string().min(1).max(200).optional(),
});

const historyQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(20),
  session_id: z.string().min(1).optional(),
});

function defaultModel(deps: Deps): string {
  if (deps.config.defaultModel) return deps.config.defaultModel;
  if (deps.registry.has('mock')) return 'mock/echo';
  const alias = deps.resolver.aliasNames()[0];
  if (alias) return alias;
  for (const provider of deps.config.fallbackOrder.length ? deps.config.fallbackOrder : deps.registry.all().map((p) => p.id)) {
    const model = deps.registry.defaultModel(provider);
    if (model) return `${provider}/${model}`;
  }
  throw new GatewayError({ status: 400, message: 'No default model: send "model" or set DEFAULT_MODEL', param: 'model', code: 'model_required' });
}

export function registerSimpleApi(app: FastifyInstance, deps: Deps): void {
  const toChat = (body: z.infer<typeof askSchema>, stream: boolean): ChatRequest => ({
    model: body.model ?? defaultModel(deps),
    messages: [{ role: 'user', content: body.question }],
    stream,
  });

  app.post('/api/ask', async (req, reply) => {
    const body = parseOrThrow(askSchema, req.body);
    const exchange = new ChatExchange(deps, req, reply.raw, toChat(body, false), { endpoint: '/api/ask', sessionId: body.session_id });
    const { completion, headers } = await exchange.json();
    reply.headers(headers);
    return {
      answer: completion.choices[0]?.message.content ?? '',
      model: headers['x-gateway-model'],
      provider: headers['x-gateway-provider'],
      request_id: req.id,
      session_id: body.session_id ?? null,
    };
  });

  app.post('/api/streaming', async (req, reply) => {
    const body = parseOrThrow(askSchema, req.body);
    const exchange = new ChatExchange(deps, req, reply.raw, toChat(body, true), { endpoint: '/api/streaming', sessionId: body.session_id });
    const format: SseFormat = {
      preamble: (headers) => JSON.stringify({ request_id: req.id, model: headers['x-gateway-model'], provider: headers['x-gateway-provider'] }),
      payload: (event) => {
        const content = event.chunk.choices[0]?.delta.content;
        return content ? JSON.stringify({ content }) : undefined;
      },
    };
    await exchange.stream(sseSink(reply, format), false);
    return reply;
  });

  app.get('/api/history', async (req) => {
    const query = parseOrThrow(historyQuerySchema, req.query);
    // Show what was just asked, but never make every read hit a database that is known to be down.
    if (!deps.logWriter.stats.degraded) await deps.logWriter.flush(true);
    return { items: await deps.logStore.history(query.limit, query.session_id) };
  });
}
