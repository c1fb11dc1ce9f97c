// Any other OpenAI-wire server (vLLM, llama.cpp server, OpenRouter…): assume the OpenAI surface, accept both reasoning field names.
import { openAIWireKind, type OpenAIWirePreset } from '../adapter.js';
import { allCapabilities, developerAsSystem, reasoningAliasChunk, reasoningAliasCompletion } from './shared.js';

/**
 * Error bodies come as `{error:{…}}` or, on older vLLM, `{object:"error",message,type,code:<int>}` at the top
 * level; ../errors.ts parses both (wire doc §8). The server rejects what it lacks, so capabilities are permissive.
 */
export const genericPreset: OpenAIWirePreset = {
  capabilities: () => ({ ...allCapabilities, files: false }),
  toUpstreamBody(body) {
    const messages = developerAsSystem(body.messages);
    return messages === body.messages ? body : { ...body, messages };
  },
  normaliseChunk: reasoningAliasChunk,
  normaliseCompletion: reasoningAliasCompletion,
};

/** Configured only in the config file (its base_url says where): no environment switch, no default host. */
export const genericKind = openAIWireKind(genericPreset, { defaultBaseUrl: '' });
