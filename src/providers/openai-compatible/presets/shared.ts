// Helpers shared by the OpenAI-wire presets: capability sets and the small request/response rewrites several vendors need.
import type { ChatMessage, ChatRequest } from '../../../schemas/chat-request.js';
import type { ChatCompletion, ChatCompletionChunk } from '../../../schemas/chat-response.js';
import type { Capabilities } from '../../provider.js';

export const allCapabilities: Capabilities = { tools: true, vision: true, jsonSchema: true, reasoning: true, embeddings: true, files: true };

/**
 * `developer` is OpenAI's newer name for `system`; other servers' chat templates know only `system`
 * (Mistral rejects the role with 422). Same array back when there is none.
 */
export function developerAsSystem(messages: ChatMessage[]): ChatMessage[] {
  if (!messages.some((m) => m.role === 'developer')) return messages;
  return messages.map((m) => (m.role === 'developer' ? { ...m, role: 'system' as const } : m));
}

/** Vendors that know only `max_tokens` (Mistral, DeepSeek, Ollama, LM Studio) silently ignore the newer name. */
export function maxTokensOnly(body: ChatRequest): ChatRequest {
  if (body.max_completion_tokens == null) return body;
  const { max_completion_tokens, ...rest } = body;
  return { ...rest, max_tokens: body.max_tokens ?? max_completion_tokens };
}

/** The common rewrite for servers that are not OpenAI itself: developer → system, max_completion_tokens → max_tokens. */
export function forNonOpenAIServer(body: ChatRequest): ChatRequest {
  const messages = developerAsSystem(body.messages);
  const renamed = maxTokensOnly(body);
  return messages === body.messages ? renamed : { ...renamed, messages };
}

function reasoningText(holder: Record<string, unknown>): string | undefined {
  const value = holder.reasoning;
  return typeof value === 'string' ? value : undefined;
}

/**
 * Ollama, vLLM ≥ 0.11 and some LM Studio builds name the reasoning text `reasoning`; the gateway exposes
 * `reasoning_content` (wire doc §6.2, §8). Same chunk back when there is nothing to rename (hot path).
 */
export function reasoningAliasChunk(chunk: ChatCompletionChunk): ChatCompletionChunk {
  if (!chunk.choices.some((c) => reasoningText(c.delta) !== undefined)) return chunk;
  return {
    ...chunk,
    choices: chunk.choices.map((choice) => {
      const reasoning = reasoningText(choice.delta);
      if (reasoning === undefined) return choice;
      const { reasoning: _dropped, ...delta } = choice.delta;
      return { ...choice, delta: { ...delta, reasoning_content: delta.reasoning_content ?? reasoning } };
    }),
  };
}

export function reasoningAliasCompletion(completion: ChatCompletion): ChatCompletion {
  if (!completion.choices.some((c) => reasoningText(c.message) !== undefined)) return completion;
  return {
    ...completion,
    choices: completion.choices.map((choice) => {
      const reasoning = reasoningText(choice.message);
      if (reasoning === undefined) return choice;
      const { reasoning: _dropped, ...message } = choice.message;
      return { ...choice, message: { ...message, reasoning_content: message.reasoning_content ?? reasoning } };
    }),
  };
}
