// POST /v1/embeddings: OpenAI embeddings through the same exchange pipeline as chat (limits, retries, fallback,
// breakers, timeouts, the log), answered in OpenAI's envelope.
import type { FastifyInstance } from 'fastify';
import { Exchange } from '../../../pipeline/exchange.js';
import { embeddingsRequestSchema, embeddingsResponseSchema, type EmbeddingsRequest, type EmbeddingsResponse } from '../../../schemas/embeddings.js';
import { openAIErrorSchema } from '../../openapi-shapes.js';
import { documented } from '../../route-schemas.js';
import { parseOrThrow } from '../../validate.js';
import type { SurfaceRoutes } from '../serve.js';

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

export const registerEmbeddings: SurfaceRoutes = (scope: FastifyInstance, { pipeline }) => {
  const schema = {
    summary: 'Create embeddings',
    tags: ['OpenAI'],
    body: documented(embeddingsRequestSchema),
    response: { 200: embeddingsResponseSchema, default: openAIErrorSchema },
  };
  scope.post('/v1/embeddings', { schema }, async (req, reply) => {
    const request = parseOrThrow(embeddingsRequestSchema, req.body);
    const x = new Exchange(req, reply, { endpoint: '/v1/embeddings', work: { kind: 'embeddings', request }, sessionId: undefined });
    return inRequestedEncoding(await pipeline.embeddings(x), request.encoding_format);
  });
};
