// POST /v1/embeddings: OpenAI embeddings through the first target of the model's route that offers them.
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../deps.js';
import { GatewayError, toGatewayError } from '../errors.js';
import { embeddingsRequestSchema, type EmbeddingsRequest, type EmbeddingsResponse } from '../schemas/embeddings.js';
import { Deadline } from '../routing/deadline.js';
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
    const plan = await deps.resolver.resolve(request.model);
    const abort = new AbortController();
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) abort.abort();
    });
    // A disposable deadline, not AbortSignal.timeout: that timer would keep the request alive until it fires.
    const deadline = new Deadline(abort.signal, plan.settings.timeout_ms);
    try {
      let lastError: GatewayError | undefined;
      for (const target of plan.targets) {
        const provider = deps.registry.get(target.provider);
        if (!provider?.embeddings || !provider.capabilities(target.model).embeddings) continue;
        try {
          const result = await provider.embeddings(request, target.model, {
            signal: deadline.signal,
            firstByteTimeoutMs: plan.settings.first_token_timeout_ms,
            idleTimeoutMs: plan.settings.idle_timeout_ms,
          });
          reply.headers({ 'x-gateway-provider': target.provider, 'x-gateway-model': `${target.provider}/${target.model}` });
          return inRequestedEncoding(result, request.encoding_format);
        } catch (err) {
          lastError = toGatewayError(err, target.provider);
          if (!lastError.fallbackable) throw lastError;
        }
      }
      throw lastError ?? new GatewayError({ status: 400, message: `No provider of '${request.model}' offers embeddings`, param: 'model', code: 'unsupported_capability' });
    } finally {
      deadline.dispose();
    }
  });
}
