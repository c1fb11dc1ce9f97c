// DeepSeek: reasoning_content passes through; history reasoning stripped, cache-hit usage mapped, resource errors thrown.
import { GatewayError } from '../../../errors.js';
import type { ChatMessage } from '../../../schemas/chat-request.js';
import type { ChatCompletion, ChatCompletionChunk, Usage } from '../../../schemas/chat-response.js';
import { openAIWireKind, type OpenAIWirePreset } from '../adapter.js';
import { keyedFromEnv } from '../../shared/env.js';
import { forNonOpenAIServer } from './shared.js';

/**
 * `reasoning_content` sent back in ordinary history is a 400 on deepseek-reasoner; inside a running tool loop
 * (the assistant turns after the last user message) thinking models need it echoed back (wire doc §5).
 */
export function stripHistoryReasoning(messages: ChatMessage[]): ChatMessage[] {
  let lastUser = -1;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]?.role === 'user') {
      lastUser = i;
      break;
    }
  }
  let changed = false;
  const out = messages.map((m, i) => {
    if (i > lastUser || m.role !== 'assistant' || !('reasoning_content' in m)) return m;
    changed = true;
    const { reasoning_content: _dropped, ...rest } = m;
    return rest;
  });
  return changed ? out : messages;
}

/** `prompt_cache_hit_tokens` is DeepSeek's name for cached prompt tokens; older responses lack the OpenAI details object. */
export function deepseekUsage(usage: Usage): Usage {
  if (usage.prompt_tokens_details?.cached_tokens != null || typeof usage.prompt_cache_hit_tokens !== 'number') return usage;
  return { ...usage, prompt_tokens_details: { ...usage.prompt_tokens_details, cached_tokens: usage.prompt_cache_hit_tokens } };
}

/** `insufficient_system_resource` is DeepSeek running out of capacity mid-answer: a server failure worth retrying. */
function assertFinishReason(reason: string | null | undefined, provider: string): void {
  if (reason !== 'insufficient_system_resource') return;
  throw new GatewayError({
    status: 502,
    type: 'api_error',
    message: `${provider}: the upstream stopped for lack of system resources (finish_reason insufficient_system_resource)`,
    code: 'insufficient_system_resource',
    provider,
    retrySameTarget: true,
  });
}

export function normaliseDeepSeekChunk(chunk: ChatCompletionChunk, provider: string): ChatCompletionChunk {
  for (const choice of chunk.choices) assertFinishReason(choice.finish_reason, provider);
  if (!chunk.usage) return chunk;
  const usage = deepseekUsage(chunk.usage);
  return usage === chunk.usage ? chunk : { ...chunk, usage };
}

export function normaliseDeepSeekCompletion(completion: ChatCompletion, provider: string): ChatCompletion {
  for (const choice of completion.choices) assertFinishReason(choice.finish_reason, provider);
  if (!completion.usage) return completion;
  const usage = deepseekUsage(completion.usage);
  return usage === completion.usage ? completion : { ...completion, usage };
}

/** Models that think (R1-era `deepseek-reasoner`, and any later `*reasoner*` / `*-r1*` id). */
const THINKING_MODEL = /reasoner|(^|[-_/])r1/;

export const deepseekPreset: OpenAIWirePreset = {
  // Chat models are text-only; JSON mode is json_object only; no embeddings endpoint (wire doc §5, §9.3).
  capabilities: (model) => ({ tools: true, vision: false, jsonSchema: false, reasoning: THINKING_MODEL.test(model), embeddings: false, files: false }),
  toUpstreamBody(body) {
    const base = forNonOpenAIServer(body);
    const messages = stripHistoryReasoning(base.messages);
    return messages === base.messages ? base : { ...base, messages };
  },
  normaliseChunk: normaliseDeepSeekChunk,
  normaliseCompletion: normaliseDeepSeekCompletion,
};

const BASE_URL = 'https://api.deepseek.com/v1';
export const deepseekKind = openAIWireKind(deepseekPreset, { defaultBaseUrl: BASE_URL, fromEnv: keyedFromEnv('DEEPSEEK', BASE_URL) });
