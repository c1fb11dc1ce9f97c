// vLLM's OpenAI-compatible server: the generic OpenAI surface (it knows max_completion_tokens), developer → system
// for chat templates, both reasoning field names; probed on /health, listed from /v1/models (owned_by "vllm").
import type { OpenAIWirePreset } from '../adapter.js';
import { localServerKind, ownedByDiscovery } from './local-server.js';
import { genericPreset } from './generic.js';

/**
 * Error bodies are `{error:{…}}` on current builds and `{object:"error",message,type,code:<int>}` on older ones, and a
 * failure mid-stream is a `data: {"error":…}` event after the 200 (wire doc §8): ../errors.ts and ../stream.ts read
 * all three. Tools need --enable-auto-tool-choice, reasoning --reasoning-parser: the server refuses what it lacks.
 */
export const vllmPreset: OpenAIWirePreset = { ...genericPreset };

export const vllmKind = localServerKind(vllmPreset, {
  envPrefix: 'VLLM',
  defaultBaseUrl: 'http://localhost:8000',
  local: ownedByDiscovery('vllm'),
});
