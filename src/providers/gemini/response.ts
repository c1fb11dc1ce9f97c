// Gemini / Vertex response wire shapes (zod, only the fields we read) and the pure translators back to
// OpenAI: completions, finish reasons, usage, errors, model lists, embeddings. Wire doc §2.3–2.6, §9.
import { z } from 'zod';
import { GatewayError, parseRetryAfter, upstreamHttpError, type UpstreamErrorDetails } from '../../errors.js';
import { makeUsage, type ChatCompletion, type CompletionMessage, type FinishReason, type Usage } from '../../schemas/chat-response.js';
import type { EmbeddingsResponse } from '../../schemas/embeddings.js';
import { makeCompletion } from '../chunks.js';
import { defaultSignatureCodec, type ThoughtSignatureCodec } from './signature.js';
import type { ModelInfo } from '../provider.js';

const count = z.number().nullish();

export const partialArgSchema = z.looseObject({
  jsonPath: z.string().nullish(),
  stringValue: z.string().nullish(),
  numberValue: z.number().nullish(),
  boolValue: z.boolean().nullish(),
  nullValue: z.string().nullish(),
  willContinue: z.boolean().nullish(),
});
export type GeminiPartialArg = z.infer<typeof partialArgSchema>;

export const functionCallSchema = z.looseObject({
  name: z.string().nullish(),
  args: z.record(z.string(), z.unknown()).nullish(),
  /** Vertex `streamFunctionCallArguments` only (fixture vertex-stream-functioncall-partialargs). */
  partialArgs: z.array(partialArgSchema).nullish(),
  willContinue: z.boolean().nullish(),
});
export type GeminiFunctionCall = z.infer<typeof functionCallSchema>;

export const partSchema = z.looseObject({
  text: z.string().nullish(),
  thought: z.boolean().nullish(),
  thoughtSignature: z.string().nullish(),
  functionCall: functionCallSchema.nullish(),
});
export type GeminiPart = z.infer<typeof partSchema>;

const candidateSchema = z.looseObject({
  content: z.looseObject({ parts: z.array(partSchema).nullish() }).nullish(),
  finishReason: z.string().nullish(),
  index: z.number().nullish(),
});

export const usageMetadataSchema = z.looseObject({
  promptTokenCount: count,
  candidatesTokenCount: count,
  thoughtsTokenCount: count,
  cachedContentTokenCount: count,
});
export type GeminiUsageMetadata = z.infer<typeof usageMetadataSchema>;

/** One generateContent body, and equally one `data:` event of streamGenerateContent?alt=sse. */
export const generateContentResponseSchema = z.looseObject({
  candidates: z.array(candidateSchema).nullish(),
  promptFeedback: z.looseObject({ blockReason: z.string().nullish() }).nullish(),
  usageMetadata: usageMetadataSchema.nullish(),
});
export type GeminiResponse = z.infer<typeof generateContentResponseSchema>;

export const geminiErrorSchema = z.looseObject({
  error: z.looseObject({
    code: z.number().nullish(),
    message: z.string().nullish(),
    status: z.string().nullish(),
    details: z
      .array(
        z.looseObject({
          '@type': z.string().nullish(),
          reason: z.string().nullish(),
          retryDelay: z.string().nullish(),
          violations: z.array(z.looseObject({ quotaId: z.string().nullish() })).nullish(),
        }),
      )
      .nullish(),
  }),
});

export const modelsListSchema = z.looseObject({
  models: z
    .array(z.looseObject({ name: z.string(), supportedGenerationMethods: z.array(z.string()).nullish() }))
    .nullish(),
  nextPageToken: z.string().nullish(),
});

export const batchEmbedResponseSchema = z.looseObject({
  embeddings: z.array(z.looseObject({ values: z.array(z.number()) })),
});

/** Vertex `:predict` for text-embedding models. */
export const vertexPredictEmbedResponseSchema = z.looseObject({
  predictions: z.array(
    z.looseObject({
      embeddings: z.looseObject({
        values: z.array(z.number()),
        statistics: z.looseObject({ token_count: count }).nullish(),
      }),
    }),
  ),
});

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
  const message: CompletionMessage = { role: 'assistant', content: text || (toolCalls.length > 0 ? null : '') };
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

/** `"34.4s"` (google.protobuf.Duration JSON) → whole seconds, rounded up. */
function parseDuration(value: string | null | undefined): number | undefined {
  const match = value ? /^(\d+(?:\.\d+)?)s$/.exec(value) : null;
  return match?.[1] ? Math.ceil(Number(match[1])) : undefined;
}

/**
 * Any Gemini/Vertex error body (`{error:{…}}`, or that wrapped in a JSON array by the non-SSE stream,
 * fixture gemini-error-400-api-key-invalid) → the contract's GatewayError via upstreamHttpError.
 */
export function fromGeminiError(
  provider: string,
  status: number,
  body: unknown,
  headers: Record<string, string | string[] | undefined> = {},
): GatewayError {
  const candidate = Array.isArray(body) ? body[0] : body;
  const parsed = geminiErrorSchema.safeParse(candidate);
  if (!parsed.success) {
    const text = typeof body === 'string' ? body.slice(0, 300) : '';
    return upstreamHttpError(provider, status, { message: text || `HTTP ${status}`, retryAfter: parseRetryAfter(headers['retry-after']) });
  }
  const error = parsed.data.error;
  const details = error.details ?? [];
  let effectiveStatus = status >= 400 ? status : (error.code ?? 500);
  // A bad key is a 400 INVALID_ARGUMENT on the wire; it is a credentials failure (wire doc §2.5).
  if (details.some((d) => d.reason === 'API_KEY_INVALID')) effectiveStatus = 401;
  const retryDelay = details.find((d) => d['@type']?.endsWith('google.rpc.RetryInfo'))?.retryDelay;
  const quotaIds = details.flatMap((d) => d.violations ?? []).map((v) => v.quotaId ?? '');
  const info: UpstreamErrorDetails = {
    message: error.message ?? error.status ?? `HTTP ${status}`,
    retryAfter: parseDuration(retryDelay) ?? parseRetryAfter(headers['retry-after']),
    // A per-day quota will not recover within any retry window; another target still may serve it.
    permanent: quotaIds.some((id) => id.includes('PerDay')),
  };
  const clientError = effectiveStatus >= 400 && effectiveStatus < 500 && ![401, 403, 404, 408, 429].includes(effectiveStatus);
  if (clientError && error.status) info.code = error.status.toLowerCase();
  return upstreamHttpError(provider, effectiveStatus, info);
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
