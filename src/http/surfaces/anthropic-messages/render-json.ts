// ChatCompletion → Anthropic `Message`: content blocks (thinking, text, tool_use), stop reason and usage, with every
// field the SDK's Message type declares (null where the gateway has nothing to say).
import type { ChatCompletion, Usage } from '../../../schemas/chat-response.js';
import type { RenderContext } from '../surface.js';
import { estimateInputTokens } from './count-tokens.js';
import type { MessagesExtras } from './parse.js';
import { matchedStopSequence, stopSequencesOf } from './stop-sequence.js';
import { GATEWAY_THINKING_SIGNATURE } from '../../../schemas/signed-thinking.js';

export type StopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'refusal';

export type OutputBlock =
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'text'; text: string; citations: null }
  | { type: 'tool_use'; id: string; name: string; input: unknown; caller: { type: 'direct' } };

export interface MessageUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number | null;
  cache_read_input_tokens: number | null;
  cache_creation: null;
  output_tokens_details: { thinking_tokens: number } | null;
  server_tool_use: null;
  service_tier: null;
  inference_geo: null;
  speed: null;
}

export interface AnthropicMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: OutputBlock[];
  stop_reason: StopReason | null;
  stop_sequence: string | null;
  stop_details: null;
  container: null;
  diagnostics: null;
  usage: MessageUsage;
}

/**
 * OpenAI finish reasons → Anthropic's. `stop` is end_turn here: whether a stop sequence matched is decided apart,
 * on evidence (stop-sequence.ts).
 */
export function toStopReason(finish: string | null | undefined): StopReason | null {
  switch (finish) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    case null:
    case undefined:
      return null;
    default:
      return 'end_turn';
  }
}

/**
 * prompt_tokens includes cached tokens; Anthropic's input_tokens excludes cache reads (wire doc §9.2).
 * `estimatedInput`: what input_tokens says while the provider has not counted (count_tokens' estimate).
 */
export function toMessageUsage(usage: Usage | null | undefined, estimatedInput = 0): MessageUsage {
  const cached = usage?.prompt_tokens_details?.cached_tokens ?? 0;
  const thinking = usage?.completion_tokens_details?.reasoning_tokens;
  return {
    input_tokens: usage ? Math.max(0, usage.prompt_tokens - cached) : estimatedInput,
    output_tokens: usage?.completion_tokens ?? 0,
    // The internal model has no cache-write count: what a translated target wrote is already in prompt_tokens.
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: cached,
    cache_creation: null,
    output_tokens_details: thinking != null ? { thinking_tokens: thinking } : null,
    server_tool_use: null,
    service_tier: null,
    inference_geo: null,
    speed: null,
  };
}

/** Arguments as the model wrote them; anything that is not a JSON object (a truncated call) becomes {}. */
export function toolInput(args: string): unknown {
  try {
    const value: unknown = JSON.parse(args);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {};
  } catch {
    return {};
  }
}

/** The ids the renderers hand out: one per request, so a JSON answer and the log agree. */
export function messageId(context: RenderContext): string {
  return `msg_${context.requestId.replaceAll(/[^A-Za-z0-9]/g, '')}`;
}

/** count_tokens' estimate for the request, for an input_tokens the provider has not (yet) counted. */
export function estimatedInputOf(context: RenderContext): number {
  const body = (context.extras as MessagesExtras | undefined)?.body;
  return body ? estimateInputTokens(body) : 0;
}

export function renderMessage(completion: ChatCompletion, context: RenderContext): AnthropicMessage {
  const choice = completion.choices[0];
  const message = choice?.message;
  const content: OutputBlock[] = [];
  if (message?.reasoning_content) content.push({ type: 'thinking', thinking: message.reasoning_content, signature: GATEWAY_THINKING_SIGNATURE });
  const text = message?.content ?? message?.refusal;
  if (text) content.push({ type: 'text', text, citations: null });
  for (const call of message?.tool_calls ?? []) {
    content.push({ type: 'tool_use', id: call.id, name: call.function.name, input: toolInput(call.function.arguments), caller: { type: 'direct' } });
  }
  const finish = choice?.finish_reason ?? 'stop';
  const matched = matchedStopSequence(stopSequencesOf(context), finish, message?.content ?? '', (choice as { stop_reason?: unknown } | undefined)?.stop_reason);
  return {
    id: messageId(context),
    type: 'message',
    role: 'assistant',
    model: context.model,
    content,
    stop_reason: matched === null ? toStopReason(finish) : 'stop_sequence',
    stop_sequence: matched,
    stop_details: null,
    container: null,
    diagnostics: null,
    usage: toMessageUsage(completion.usage, completion.usage ? 0 : estimatedInputOf(context)),
  };
}
