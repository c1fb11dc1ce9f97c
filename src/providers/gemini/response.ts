// Gemini answers → OpenAI: completions, finish reasons, usage, model lists, embeddings (wire doc §2.3–2.6, §9). Pure.
import type { z } from 'zod';
import { makeUsage, type ChatCompletion, type CompletionMessage, type FinishReason, type Usage } from '../../schemas/chat-response.js';
import type { EmbeddingsResponse } from '../../schemas/embeddings.js';
import { makeCompletion } from '../chunks.js';
import type { ModelInfo } from '../provider.js';
import { defaultSignatureCodec, type ThoughtSignatureCodec } from './signature.js';
import type { GeminiPart, GeminiResponse, GeminiUsageMetadata, modelsListSchema } from './wire.js';

const CONTENT_FILTER = new Set(['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY']);

/** Wire doc §9.1. MALFORMED_FUNCTION_CALL, OTHER, LANGUAGE and unknown values end as `stop`. */
export function mapGeminiFinishReason(reason: string | null | undefined, hasToolCalls: boolean): FinishReason {
  if (reason === 'MAX_TOKENS') return 'length';
  if (reason && CONTENT_FILTER.has(reason)) return 'content_filter';
  return hasToolCalls ? 'tool_calls' : 'stop';
}

/** Wire doc §9.2: candidatesTokenCount excludes thoughts, so completion = candidates + thoughts. */
export function fromGeminiUsage(meta: GeminiUsageMetadata): Usage {
  const thoughts = meta.thoughtsTokenCount ?? 0;
  return makeUsage(meta.promptTokenCount ?? 0, (meta.candidatesTokenCount ?? 0) + thoughts, {
    cached: meta.cachedContentTokenCount ?? 0,
    reasoning: thoughts,
  });
}

type ToolCallOut = NonNullable<CompletionMessage['tool_calls']>[number];

export function toolCallFromGemini(call: { name: string; args: unknown }, id: string): ToolCallOut {
  return { id, type: 'function', function: { name: call.name, arguments: JSON.stringify(call.args ?? {}) } };
}

/** One candidate's parts → an OpenAI assistant message; thought parts become reasoning_content. */
export function messageFromGeminiParts(parts: GeminiPart[], codec: ThoughtSignatureCodec): CompletionMessage {
  let text = '';
  let reasoning = '';
  const toolCalls: ToolCallOut[] = [];
  for (const part of parts) {
    if (part.functionCall?.name) {
      const call = { name: part.functionCall.name, args: part.functionCall.args ?? {} };
      toolCalls.push(toolCallFromGemini(call, codec.newId(part.thoughtSignature)));
    } else if (typeof part.text === 'string') {
      if (part.thought) reasoning += part.text;
      else text += part.text;
    }
  }
  const message: CompletionMessage = { role: 'assistant', content: text || (toolCalls.length > 0 ? null : ''), refusal: null };
  if (reasoning) message.reasoning_content = reasoning;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return message;
}

/** A whole generateContent answer → chat.completion (one choice per candidate). */
export function fromGeminiResponse(
  body: GeminiResponse,
  model: string,
  codec: ThoughtSignatureCodec = defaultSignatureCodec,
): ChatCompletion {
  const usage = body.usageMetadata ? fromGeminiUsage(body.usageMetadata) : undefined;
  const candidates = body.candidates ?? [];
  if (candidates.length === 0) {
    // No candidates: the prompt itself was blocked (promptFeedback.blockReason), wire doc §2.3.
    const reason: FinishReason = body.promptFeedback?.blockReason ? 'content_filter' : 'stop';
    return makeCompletion(model, { role: 'assistant', content: '' }, reason, usage);
  }
  const choices = candidates.map((candidate, position) => {
    const message = messageFromGeminiParts(candidate.content?.parts ?? [], codec);
    const finish = mapGeminiFinishReason(candidate.finishReason, (message.tool_calls?.length ?? 0) > 0);
    return { index: candidate.index ?? position, message, finish_reason: finish, logprobs: null };
  });
  const first = choices[0]!;
  const completion = makeCompletion(model, first.message, first.finish_reason, usage);
  completion.choices = choices;
  return completion;
}

/** models.list → ids without the `models/` prefix, only models that can generateContent (wire doc §2.1). */
export function fromGeminiModels(body: z.infer<typeof modelsListSchema>): ModelInfo[] {
  return (body.models ?? [])
    .filter((m) => m.supportedGenerationMethods?.includes('generateContent'))
    .map((m) => ({ id: m.name.replace(/^models\//, ''), ownedBy: 'google' }));
}

/** Float vectors → OpenAI's embeddings list; base64 is the little-endian float32 bytes OpenAI sends. */
export function toOpenAIEmbeddings(
  vectors: number[][],
  model: string,
  encoding: 'float' | 'base64',
  promptTokens: number,
): EmbeddingsResponse {
  return {
    object: 'list',
    data: vectors.map((values, index) => ({
      object: 'embedding',
      index,
      embedding: encoding === 'base64' ? Buffer.from(new Float32Array(values).buffer).toString('base64') : values,
    })),
    model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  };
}
