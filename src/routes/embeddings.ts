// POST /v1/embeddings: OpenAI embeddings through the first target of the model's route that offers them.
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../deps.js';
import { GatewayError, toGatewayError } from '../errors.js';
import type { RoutePlan } from '../routing/resolve.js';
import { embeddingsRequestSchema, type EmbeddingsRequest, type EmbeddingsResponse } from '../schemas/embeddings.js';
import { parseOrThrow } from './validate.js';

interface Embedded {
  result: EmbeddingsResponse;
  provider: string;
  model: string;
}

async function embedWithFallback(deps: Deps, request: EmbeddingsRequest, plan: RoutePlan, signal: AbortSignal): Promise<Embedded> {
  let lastError: GatewayError | undefined;
  for (const target of plan.targets) {
    const provider = deps.registry.get(target.provider);
    if (!provider?.embeddings || !provider.capabilities(target.model).embeddings) continue;
    try {
      const result = await provider.embeddings(request, target.model, {
        signal,
        firstByteTimeoutMs: plan.settings.first_token_timeout_ms,
        idleTimeoutMs: plan.settings.idle_timeout_ms,
      });
      return { result, provider: target.provider, model: target.model };
    } catch (err) {
      lastError = toGatewayError(err, target.provider);
      if (!lastError.fallbackable) throw lastError;
    }
  }
  throw lastError ?? new GatewayError({ status: 400, message: `No provider of '${request.model}' offers embeddings`, param: 'model', code: 'unsupported_capability' });
}

export function registerEmbeddings(app: FastifyInstance, deps: Deps): void {
  app.post('/v1/embeddings', async (req, reply) => {
    const request = parseOrThrow(embeddingsRequestSchema, req.body);
    const plan = await deps.resolver.resolve(request.model);
    const abort = new AbortController();
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) abort.abort();
    });
    // A cleared timer, not AbortSignal.timeout: that one would keep the whole request alive until it fires.
    const timer = setTimeout(() => abort.abort(), plan.settings.timeout_ms);
    try {
      const { result, provider, model } = await embedWithFallback(deps, request, plan, abort.signal);
      reply.headers({ 'x-gateway-provider': provider, 'x-gateway-model': `${provider}/${model}` });
      return result;
    } finally {
      clearTimeout(timer);
    }
  });
}
