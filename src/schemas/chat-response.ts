// What the gateway emits: chat.completion, chat.completion.chunk and usage, exactly OpenAI's shapes.
// The same schemas read OpenAI-wire upstream answers (loosely: vendors add fields).
import { z } from 'zod';

export const usageSchema = z.looseObject({
  prompt_tokens: z.number(),
  completion_tokens: z.number(),
  total_tokens: z.number(),
  prompt_tokens_details: z.looseObject({ cached_tokens: z.number().nullish() }).nullish(),
  completion_tokens_details: z.looseObject({ reasoning_tokens: z.number().nullish() }).nullish(),
});
export type Usage = z.infer<typeof usageSchema>;

export const finishReasonSchema = z.enum(['stop', 'length', 'tool_calls', 'content_filter', 'function_call']);
export type FinishReason = z.infer<typeof finishReasonSchema>;

const responseToolCallSchema = z.looseObject({
  id: z.string(),
  type: z.literal('function'),
  function: z.looseObject({ name: z.string(), arguments: z.string() }),
});

export const completionMessageSchema = z.looseObject({
  role: z.literal('assistant'),
  content: z.string().nullable(),
  refusal: z.string().nullish(),
  tool_calls: z.array(responseToolCallSchema).nullish(),
  reasoning_content: z.string().nullish(),
});
export type CompletionMessage = z.infer<typeof completionMessageSchema>;

export const chatCompletionSchema = z.looseObject({
  id: z.string(),
  object: z.literal('chat.completion'),
  created: z.number(),
  model: z.string(),
  choices: z.array(
    z.looseObject({
      index: z.number(),
      message: completionMessageSchema,
      finish_reason: z.string().nullable(),
      logprobs: z.unknown().optional(),
    }),
  ),
  usage: usageSchema.nullish(),
  system_fingerprint: z.string().nullish(),
});
export type ChatCompletion = z.infer<typeof chatCompletionSchema>;

export const toolCallDeltaSchema = z.looseObject({
  index: z.number(),
  id: z.string().nullish(),
  type: z.literal('function').nullish(),
  function: z.looseObject({ name: z.string().nullish(), arguments: z.string().nullish() }).nullish(),
});
export type ToolCallDelta = z.infer<typeof toolCallDeltaSchema>;

export const chunkDeltaSchema = z.looseObject({
  role: z.string().nullish(),
  content: z.string().nullish(),
  refusal: z.string().nullish(),
  reasoning_content: z.string().nullish(),
  tool_calls: z.array(toolCallDeltaSchema).nullish(),
});
export type ChunkDelta = z.infer<typeof chunkDeltaSchema>;

export const chatCompletionChunkSchema = z.looseObject({
  id: z.string(),
  object: z.literal('chat.completion.chunk'),
  created: z.number(),
  model: z.string(),
  choices: z.array(
    z.looseObject({
      index: z.number(),
      delta: chunkDeltaSchema,
      finish_reason: z.string().nullish(),
      logprobs: z.unknown().optional(),
    }),
  ),
  usage: usageSchema.nullish(),
  system_fingerprint: z.string().nullish(),
});
export type ChatCompletionChunk = z.infer<typeof chatCompletionChunkSchema>;

export function newCompletionId(): string {
  return `chatcmpl-${crypto.randomUUID().replaceAll('-', '')}`;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export function makeUsage(prompt: number, completion: number, extra?: { cached?: number; reasoning?: number }): Usage {
  const usage: Usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  if (extra?.cached !== undefined) usage.prompt_tokens_details = { cached_tokens: extra.cached };
  if (extra?.reasoning !== undefined) usage.completion_tokens_details = { reasoning_tokens: extra.reasoning };
  return usage;
}
