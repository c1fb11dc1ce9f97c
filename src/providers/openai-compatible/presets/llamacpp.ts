// llama.cpp's llama-server through its OpenAI API: system prompts and max_tokens only, reasoning under either name,
// its extra `timings` passed along untouched; probed on /health, listed from /v1/models (owned_by "llamacpp").
import type { OpenAIWirePreset } from '../adapter.js';
import { localServerKind, ownedByDiscovery } from './local-server.js';
import { allCapabilities, forNonOpenAIServer, reasoningAliasChunk, reasoningAliasCompletion } from './shared.js';

/**
 * One GGUF per server (several in router mode): vision needs --mmproj and embeddings --embeddings, neither knowable
 * from the model name, so both are assumed and the server refuses otherwise. Errors are `{error:{code:<int>,…}}`.
 */
export const llamacppPreset: OpenAIWirePreset = {
  capabilities: () => ({ ...allCapabilities, files: false }),
  toUpstreamBody: forNonOpenAIServer,
  normaliseChunk: reasoningAliasChunk,
  normaliseCompletion: reasoningAliasCompletion,
};

/**
 * llama-server listens on 8080 by default, the gateway's own port: it is looked for only where LLAMACPP_DETECT_URL
 * says (src/config.ts), never on its default port, or the gateway would find itself.
 */
export const llamacppKind = localServerKind(llamacppPreset, {
  envPrefix: 'LLAMACPP',
  defaultBaseUrl: 'http://localhost:8080',
  local: { ...ownedByDiscovery('llamacpp'), onlyAtConfiguredUrl: true },
});
