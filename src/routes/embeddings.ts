// POST /v1/embeddings: OpenAI embeddings through the first target of the model's route that offers them.
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../deps.js';
import { GatewayError, toGatewayError } from '../errors.js';
import { embeddingsRequestSchema } from '../schemas/embeddings.js';
import { parseOrThrow } from './validate.js';

export function registerEmbeddings(app: FastifyInstance, deps: Deps): void {
  app.post('/v1/embeddings', async (req, reply) => {
    const request = parseOrThrow(embeddingsRequestSchema, req.body);
    const plan = await deps.resolver.resolve(request.model);
    const abort = new AbortController();
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) abort.abort();
    });
    let lastError: GatewayError | undefined;
    for (const target of plan.targets) {
      const provider = deps.registry.get(target.provider);
      if (!provider?.embeddings || !provider.capabilities(target.model).embeddings) continue;
      try {
        const result = await provider.embeddings(request, target.model, {
          signal: AbortSignal.any([abort.signal, AbortSignal.timeout(plan.settings.timeout_ms)]),
          firstByteTimeoutMs: plan.settings.first_token_timeout_ms,
          idleTimeoutMs: plan.settings.idle_timeout_ms,
        });
        reply.headers({ 'x-gateway-provider': target.provider, 'x-gateway-model': `${target.provider}/${target.model}` });
        return result;
      } catch (err) {
        lastError = toGatewayError(err, target.provider);
        if (!lastError.fallbackable) throw lastError;
      }
    }
    throw lastError ?? new GatewayError({ status: 400, message: `No provider of '${request.model}' offers embeddings`, param: 'model', code: 'unsupported_capability' });
  });
}
