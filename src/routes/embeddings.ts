// POST /v1/embeddings: OpenAI embeddings through the router (retries, fallback, breakers, timeouts), logged like chat.
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../deps.js';
import { toGatewayError } from '../errors.js';
import { embeddingsRequestSchema, type EmbeddingsRequest, type EmbeddingsResponse } from '../schemas/embeddings.js';
import type { AttemptRecord } from '../routing/router.js';
import { exchangeRecord, type ExchangeContext } from '../request-log/entry.js';
import { ClientConnection } from './client-connection.js';
import { recordExchange } from './record-exchange.js';
import { parseOrThrow } from './validate.js';

const toBase64 = (values: number[]) => Buffer.from(new Float32Array(values).buffer).toString('base64');
function fromBase64(text: string): number[] {
  // Copied into a fresh buffer: a pooled Buffer's offset need not be a multiple of 4.
  const bytes = Uint8Array.from(Buffer.from(text, 'base64'));
  return Array.from(new Float32Array(bytes.buffer, 0, Math.floor(bytes.length / 4)));
}

/**
 * Servers that ignore `encoding_format` (LM Studio, llama.cpp, older vLLM and Ollama) answer floats to a base64
 * request, which the openai SDK sends by default and then decodes: answer in the encoding the client asked for
 * (OpenAI's float float32 little-endian bytes for base64; float when it named none).
 */
export function inRequestedEncoding(response: EmbeddingsResponse, format: EmbeddingsRequest['encoding_format']): EmbeddingsResponse {
  const base64 = format === 'base64';
  if (response.data.every((d) => typeof d.embedding === (base64 ? 'string' : 'object'))) return response;
  return {
    ...response,
    data: response.data.map((d) => {
      if (base64) return typeof d.embedding === 'string' ? d : { ...d, embedding: toBase64(d.embedding) };
      return typeof d.embedding === 'string' ? { ...d, embedding: fromBase64(d.embedding) } : d;
    }),
  };
}

export function registerEmbeddings(app: FastifyInstance, deps: Deps): void {
  app.post('/v1/embeddings', async (req, reply) => {
    const request = parseOrThrow(embeddingsRequestSchema, req.body);
    const started = performance.now();
    const attempts: AttemptRecord[] = [];
    const client = new ClientConnection(reply.raw);
    const context: ExchangeContext = {
      requestId: req.id,
      startedAt: new Date(),
      endpoint: '/v1/embeddings',
      keyId: req.gatewayKeyId,
      sessionId: undefined,
      request: undefined,
      requestedModel: request.model,
      stream: false,
      attempts,
    };
    try {
      const plan = await deps.resolver.resolve(request.model);
      const { response, target } = await deps.router.embeddings(request, plan, { signal: client, attempts });
      const latencyMs = performance.now() - started;
      const overheadMs = Math.max(0, latencyMs - attempts.reduce((sum, a) => sum + a.latencyMs, 0));
      reply.headers({
        'x-gateway-provider': target.provider,
        'x-gateway-model': `${target.provider}/${target.model}`,
        'x-gateway-attempts': String(attempts.length),
        'x-gateway-overhead-ms': overheadMs.toFixed(2),
      });
      const usage = { prompt_tokens: response.usage.prompt_tokens, completion_tokens: 0, total_tokens: response.usage.total_tokens };
      recordExchange(deps, exchangeRecord(context, { provider: target.provider, model: target.model, status: 200, usage, latencyMs, overheadMs }));
      return inRequestedEncoding(response, request.encoding_format);
    } catch (err) {
      const error = toGatewayError(err);
      const last = attempts.at(-1);
      reply.header('x-gateway-attempts', String(attempts.length));
      recordExchange(deps, exchangeRecord(context, { provider: last?.provider, model: last?.model, status: error.status, latencyMs: performance.now() - started, error: error.message, errorCode: error.code }));
      throw error;
    }
  });
}
