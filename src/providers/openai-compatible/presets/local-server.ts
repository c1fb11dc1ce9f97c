// What the local OpenAI-wire servers that live at a server root share (llama.cpp's llama-server, vLLM): `/v1/…`
// paths under the root, a `/health` probe beside them, and a base URL accepted with or without its `/v1`.
import { createOpenAIWireProvider, type OpenAIWirePreset } from '../adapter.js';
import type { LocalDiscovery, ProviderKind } from '../../provider.js';
import { localFromEnv } from '../../shared/env.js';

/** Users copy base URLs from the servers' docs, with /v1 (or Ollama's /api): every path here starts at the root. */
export function serverRoot(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '').replace(/\/(v1|api)$/, '');
}

/** `/v1` paths, and GET /health as the probe: both servers answer 200 once the model is loaded, 503 while loading. */
export function rootedPreset(preset: OpenAIWirePreset): OpenAIWirePreset {
  return {
    chatPath: '/v1/chat/completions',
    modelsPath: '/v1/models',
    embeddingsPath: '/v1/embeddings',
    async probe(ctx, signal) {
      await ctx.get('/health', signal);
    },
    ...preset,
  };
}

/** `/v1/models` whose entries say which server made them (`owned_by`), so another server on the port is not taken for it. */
export function ownedByDiscovery(owner: string): LocalDiscovery {
  return {
    path: '/v1/models',
    looksRight(json) {
      const data = (json as { data?: unknown } | undefined)?.data;
      return Array.isArray(data) && data.some((m) => (m as { owned_by?: unknown } | null)?.owned_by === owner);
    },
  };
}

export function localServerKind(preset: OpenAIWirePreset, options: { envPrefix: string; defaultBaseUrl: string; local: LocalDiscovery }): ProviderKind {
  const rooted = rootedPreset(preset);
  return {
    create: (config, deps) => createOpenAIWireProvider({ ...config, baseUrl: serverRoot(config.baseUrl) }, deps, rooted),
    defaultBaseUrl: options.defaultBaseUrl,
    fromEnv: localFromEnv(options.envPrefix, options.defaultBaseUrl),
    local: options.local,
  };
}
