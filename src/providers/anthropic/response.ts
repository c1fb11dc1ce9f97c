// Anthropic Messages wire: zod schemas of the fields we read, and the pure translators of answers, usage,
// stop reasons and errors into OpenAI shapes (wire doc §3.2–3.4, §9). Requests: anthropic.request.ts.
import { z } from 'zod';
import { GatewayError, upstreamHttpError } from '../../errors.js';
import { makeUsage, type ChatCompletion, type FinishReason, type Usage } from '../../schemas/chat-response.js';
import { safeJsonParse } from '../../upstream/http.js';
import { makeCompletion } from '../chunks.js';

export { JSON_TOOL_NAME, toAnthropicRequest, type AnthropicRequest, type AnthropicRequestPlan } from './request.js';

const count = z.number().nullish();
export const anthropicUsageSchema = z.looseObject({
  input_tokens: count,
  output_tokens: count,
  cache_creation_input_tokens: count,
  cache_read_input_tokens: count,
  // Newer API versions split out reasoning: output_tokens_details.thinking_tokens (≤ output_tokens).
  output_tokens_details: z.looseObject({ thinking_tokens: count }).nullish(),
});
export type AnthropicUsage = z.infer<typeof anthropicUsageSchema>;

export const anthropicContentBlockSchema = z.looseObject({
  type: z.string(),
  text: z.string().optional(),
  thinking: z.string().optional(),
  id: z.string().optional(),
  name: z.string().optional(),
  input: z.unknown().optional(),
});
export type AnthropicContentBlock = z.infer<typeof anthropicContentBlockSchema>;

export const anthropicMessageSchema = z.looseObject({
  id: z.string(),
  type: z.literal('message'),
  model: z.string(),
  content: z.array(anthropicContentBlockSchema),
  stop_reason: z.string().nullish(),
  usage: anthropicUsageSchema.nullish(),
});
export type AnthropicMessage = z.infer<typeof anthropicMessageSchema>;

export const anthropicErrorSchema = z.looseObject({
  type: z.literal('error'),
  error: z.looseObject({ type: z.string(), message: z.string() }),
  request_id: z.string().nullish(),
});

export const anthropicModelListSchema = z.looseObject({
  data: z.array(z.looseObject({ id: z.string(), created_at: z.string().nullish(), display_name: z.string().nullish() })),
  has_more: z.boolean().nullish(),
  last_id: z.string().nullish(),
});

/** Stop reasons per wire doc §3.2; `tool_use` becomes `stop` when the only tool used was our JSON-mode tool. */
export function mapAnthropicStopReason(reason: string | null | undefined, clientToolCalls: boolean): FinishReason {
  switch (reason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return clientToolCalls ? 'tool_calls' : 'stop';
    case 'refusal':
      return 'content_filter';
    default: // end_turn, stop_sequence, pause_turn, and values added later
      return 'stop';
  }
}

/** input_tokens excludes cached tokens; OpenAI's prompt_tokens includes them (wire doc §9.2). */
export function fromAnthropicUsage(usage: AnthropicUsage | null | undefined): Usage {
  const cacheRead = usage?.cache_read_input_tokens ?? 0;
  const prompt = (usage?.input_tokens ?? 0) + (usage?.cache_creation_input_tokens ?? 0) + cacheRead;
  const reasoning = usage?.output_tokens_details?.thinking_tokens ?? undefined;
  return makeUsage(prompt, usage?.output_tokens ?? 0, { cached: cacheRead, ...(reasoning != null ? { reasoning } : {}) });
}

export function fromAnthropicResponse(message: AnthropicMessage, jsonTool?: string): ChatCompletion {
  let text = '';
  let reasoning = '';
  let json: string | undefined;
  const toolCalls: { id: string; type: 'function'; function: { name: string; arguments: string } }[] = [];
  for (const block of message.content) {
    if (block.type === 'text') text += block.text ?? '';
    else if (block.type === 'thinking') reasoning += block.thinking ?? '';
    else if (block.type === 'tool_use' && jsonTool && block.name === jsonTool) json = JSON.stringify(block.input ?? {});
    else if (block.type === 'tool_use') {
      toolCalls.push({ id: block.id ?? '', type: 'function', function: { name: block.name ?? '', arguments: JSON.stringify(block.input ?? {}) } });
    }
    // redacted_thinking, server tool blocks: nothing an OpenAI client can use.
  }
  // JSON mode: the tool input is the answer; preamble text would make the content invalid JSON.
  const content = json ?? (text || (toolCalls.length > 0 ? null : ''));
  return makeCompletion(
    message.model,
    {
      role: 'assistant',
      content,
      ...(reasoning ? { reasoning_content: reasoning } : {}),
      ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
    },
    mapAnthropicStopReason(message.stop_reason, toolCalls.length > 0),
    fromAnthropicUsage(message.usage),
  );
}

// Error `type` → HTTP status, for errors that arrive inside a 200 stream (wire doc §3.4).
const ERROR_STATUS: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

export function anthropicErrorStatus(type: string): number {
  return ERROR_STATUS[type] ?? 500;
}

/**
 * An Anthropic error (HTTP status + body text) → GatewayError by the contract's mapping. 529 (overloaded) is an
 * upstream 5xx: 502, retryable, code `upstream_overloaded`, with upstreamStatus 529 kept. 503 stays the
 * gateway's own "no provider usable".
 */
export function fromAnthropicError(provider: string, status: number, bodyText: string, retryAfter?: number): GatewayError {
  const parsed = anthropicErrorSchema.safeParse(safeJsonParse(bodyText));
  const snippet = bodyText.trim().slice(0, 200);
  const message = parsed.success
    ? `${parsed.data.error.message}${parsed.data.request_id ? ` (request_id ${parsed.data.request_id})` : ''}`
    : `HTTP ${status}${snippet ? `: ${snippet}` : ''}`;
  const type = parsed.success ? parsed.data.error.type : undefined;
  const code = status === 529 || type === 'overloaded_error' ? 'upstream_overloaded' : status === 413 ? 'request_too_large' : undefined;
  return upstreamHttpError(provider, status, { message, code, retryAfter });
}
