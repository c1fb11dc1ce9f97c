// LM Studio's OpenAI-compatible server (base URL ends in /v1): reasoning_content passes, remote images are inlined,
// the rest is the generic surface.
import type { ChatRequest } from '../../../schemas/chat-request.js';
import { createImageFetcher, inlineImageUrls } from '../../shared/images.js';
import { openAIWireKind, type OpenAIWireCall, type OpenAIWirePreset } from '../adapter.js';
import { localFromEnv } from '../../shared/env.js';
import { allCapabilities, forNonOpenAIServer, reasoningAliasChunk, reasoningAliasCompletion } from './shared.js';

/**
 * LM Studio reads only base64 data URLs in `image_url`; a remote URL is not fetched (lmstudio-bug-tracker#1120),
 * so the gateway downloads it and sends the bytes, as for Ollama.
 */
async function toLmStudioBody(body: ChatRequest, call: OpenAIWireCall): Promise<ChatRequest> {
  const base = forNonOpenAIServer(body);
  const fetcher = call.ctx.deps.fetchImage ?? createImageFetcher({ provider: call.ctx.config.id, dispatcher: call.ctx.deps.dispatcher });
  const messages = await inlineImageUrls(base.messages, fetcher, call.signal);
  return messages === base.messages ? base : { ...base, messages };
}

/**
 * Listing and probing use GET /v1/models (wire doc §7), which also works when "Require Authentication" is on.
 * Its documented chat fields name only `max_tokens`, and chat templates know only `system`.
 * Vision depends on the loaded model and is not knowable from the name: assume yes, the server rejects otherwise.
 */
export const lmstudioPreset: OpenAIWirePreset = {
  capabilities: () => ({ ...allCapabilities, reasoning: false, files: false }),
  // Whether the loaded model reasons is not knowable from its name; LM Studio applies the effort to models that
  // reason (gpt-oss, qwen3) and ignores it for the rest, so it is always forwarded.
  reasoningEffort: () => true,
  toUpstreamBody: toLmStudioBody,
  normaliseChunk: reasoningAliasChunk,
  normaliseCompletion: reasoningAliasCompletion,
};

const BASE_URL = 'http://localhost:1234/v1';
export const lmstudioKind = openAIWireKind(lmstudioPreset, {
  defaultBaseUrl: BASE_URL,
  fromEnv: localFromEnv('LMSTUDIO', BASE_URL),
  local: { path: '/models', looksRight: (json) => Array.isArray((json as { data?: unknown } | undefined)?.data) },
});
