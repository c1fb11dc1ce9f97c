// Ollama through its OpenAI-compatible /v1 on the server root: native model list and version probe, reasoning alias, inlined images.
import { z } from 'zod';
import { badUpstreamResponse } from '../../../errors.js';
import type { ChatRequest } from '../../../schemas/chat-request.js';
import { createImageFetcher, inlineImageUrls, type ImageFetcher } from '../../shared/images.js';
import { createOpenAIWireProvider, type OpenAIWireCall, type OpenAIWirePreset } from '../adapter.js';
import type { Provider, ProviderConfig, ProviderDeps, ProviderKind } from '../../provider.js';
import { localFromEnv } from '../../shared/env.js';
import { serverRoot } from './local-server.js';
import { allCapabilities, forNonOpenAIServer, reasoningAliasChunk, reasoningAliasCompletion } from './shared.js';

const tagsSchema = z.looseObject({ models: z.array(z.looseObject({ name: z.string(), modified_at: z.string().nullish() })) });
const versionSchema = z.looseObject({ version: z.string() });

export interface OllamaOptions {
  /** How remote image URLs are fetched for inlining (tests inject one); default: over the provider's dispatcher. */
  fetchImage?: ImageFetcher;
}

/**
 * Ollama's /v1 ignores `tool_choice` (wire doc §6.2). Keep what it would have meant where we can:
 * `none` → send no tools; a named function → offer only that tool.
 */
export function withoutToolChoice(body: ChatRequest): ChatRequest {
  if (body.tool_choice == null) return body;
  const { tool_choice: choice, ...rest } = body;
  if (choice === 'none') {
    const { tools: _tools, ...noTools } = rest;
    return noTools;
  }
  if (typeof choice === 'object' && choice.type === 'function' && 'function' in choice && rest.tools) {
    return { ...rest, tools: rest.tools.filter((t) => t.type === 'function' && t.function.name === choice.function.name) };
  }
  return rest;
}

async function toOllamaBody(body: ChatRequest, call: OpenAIWireCall, fetchImage: ImageFetcher | undefined): Promise<ChatRequest> {
  const base = withoutToolChoice(forNonOpenAIServer(body));
  // Ollama accepts only base64 data URLs for images (wire doc §6.2): fetch remote ones here.
  const fetcher = fetchImage ?? call.ctx.deps.fetchImage ?? createImageFetcher({ provider: call.ctx.config.id, dispatcher: call.ctx.deps.dispatcher });
  const messages = await inlineImageUrls(base.messages, fetcher, call.signal);
  return messages === base.messages ? base : { ...base, messages };
}

export function createOllamaPreset(options: OllamaOptions = {}): OpenAIWirePreset {
  return {
    chatPath: '/v1/chat/completions',
    modelsPath: '/v1/models',
    embeddingsPath: '/v1/embeddings',
    // Vision and thinking depend on the pulled model, which the name does not tell: assume yes, Ollama rejects otherwise.
    capabilities: () => ({ ...allCapabilities, files: false }),
    toUpstreamBody: (body, call) => toOllamaBody(body, call, options.fetchImage),
    normaliseChunk: reasoningAliasChunk,
    normaliseCompletion: reasoningAliasCompletion,
    async listModels(ctx, signal) {
      const parsed = tagsSchema.safeParse(await ctx.get('/api/tags', signal));
      if (!parsed.success) {
        throw badUpstreamResponse(ctx.config.id, '/api/tags model list');
      }
      return parsed.data.models.map((m) => {
        const modified = m.modified_at ? Date.parse(m.modified_at) : Number.NaN;
        return { id: m.name, ownedBy: 'ollama', created: Number.isNaN(modified) ? undefined : Math.floor(modified / 1000) };
      });
    },
    async probe(ctx, signal) {
      if (!versionSchema.safeParse(await ctx.get('/api/version', signal)).success) {
        throw badUpstreamResponse(ctx.config.id, '/api/version did not answer like Ollama');
      }
    },
  };
}

export function createOllamaProvider(config: ProviderConfig, deps: ProviderDeps, options: OllamaOptions = {}): Provider {
  return createOpenAIWireProvider({ ...config, baseUrl: serverRoot(config.baseUrl) }, deps, createOllamaPreset(options));
}

const BASE_URL = 'http://localhost:11434';
export const ollamaKind: ProviderKind = {
  create: (config, deps) => createOllamaProvider(config, deps),
  defaultBaseUrl: BASE_URL,
  fromEnv: localFromEnv('OLLAMA', BASE_URL),
  local: { path: '/api/version', looksRight: (json) => versionSchema.safeParse(json).success },
};
