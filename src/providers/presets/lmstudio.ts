// LM Studio's OpenAI-compatible server (base URL ends in /v1): reasoning_content passes, the rest is the generic surface.
import type { OpenAIWirePreset } from '../openai-compatible.js';
import { allCapabilities, forNonOpenAIServer, reasoningAliasChunk, reasoningAliasCompletion } from './shared.js';

/**
 * Listing and probing use GET /v1/models (wire doc §7), which also works when "Require Authentication" is on.
 * Its documented chat fields name only `max_tokens`, and chat templates know only `system`.
 * Vision depends on the loaded model and is not knowable from the name: assume yes, the server rejects otherwise.
 */
export const lmstudioPreset: OpenAIWirePreset = {
  capabilities: () => ({ ...allCapabilities, reasoning: false, files: false }),
  toUpstreamBody: (body) => forNonOpenAIServer(body),
  normaliseChunk: reasoningAliasChunk,
  normaliseCompletion: reasoningAliasCompletion,
};
