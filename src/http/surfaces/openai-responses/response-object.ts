// The Response object's parts shared by the JSON and stream renderers: ids, the request's parameters echoed back
// with the defaults OpenAI reports, output items, usage and status, in the field order OpenAI sends them.
import { randomFillSync } from 'node:crypto';
import type { GatewayError } from '../../../errors.js';
import type { Usage } from '../../../schemas/chat-response.js';
import type { ResponsesRequest } from './request-schema.js';

type Json = Record<string, unknown>;

/** What a response says about the request that made it; computed once per request. */
export interface ResponseEcho {
  instructions: string | null;
  max_output_tokens: number | null;
  max_tool_calls: number | null;
  parallel_tool_calls: boolean;
  previous_response_id: string | null;
  prompt_cache_key: string | null;
  reasoning: { effort: string | null; summary: string | null };
  safety_identifier: string | null;
  service_tier: string;
  store: boolean;
  temperature: number;
  text: Json;
  tool_choice: unknown;
  tools: Json[];
  top_logprobs: number;
  top_p: number;
  truncation: string;
  /** Absent when not sent: the schema has no null for it. */
  user?: string;
  metadata: Record<string, string>;
}

function echoTool(tool: Json): Json {
  if (tool.type !== 'function') return tool;
  return { type: 'function', name: tool.name, description: tool.description ?? null, parameters: tool.parameters ?? null, strict: tool.strict ?? null };
}

export function echoOf(request: ResponsesRequest): ResponseEcho {
  return {
    instructions: request.instructions ?? null,
    max_output_tokens: request.max_output_tokens ?? null,
    max_tool_calls: request.max_tool_calls ?? null,
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    previous_response_id: request.previous_response_id ?? null,
    prompt_cache_key: request.prompt_cache_key ?? null,
    reasoning: { effort: request.reasoning?.effort ?? null, summary: request.reasoning?.summary ?? null },
    safety_identifier: request.safety_identifier ?? null,
    service_tier: 'default',
    store: request.store ?? true,
    temperature: request.temperature ?? 1,
    text: { format: request.text?.format ?? { type: 'text' }, verbosity: request.text?.verbosity ?? 'medium' },
    tool_choice: request.tool_choice ?? 'auto',
    tools: (request.tools ?? []).map(echoTool),
    top_logprobs: request.top_logprobs ?? 0,
    top_p: request.top_p ?? 1,
    truncation: request.truncation ?? 'disabled',
    ...(request.user ? { user: request.user } : {}),
    metadata: request.metadata ?? {},
  };
}

const HEX_BYTES = 20;
/**
 * Random bytes for 256 ids, refilled when used up: one randomBytes(20) per response was 1.4% of the bridge's CPU at
 * c32 (bench:profile --case responses-bridge), about as much as rendering the whole Response.
 */
const pool = Buffer.alloc(HEX_BYTES * 256);
let offset = pool.length;

/** One random hex body per response; its items' ids derive from it (OpenAI's ids share a suffix the same way). */
export function newResponseHex(): string {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  offset += HEX_BYTES;
  return pool.toString('hex', offset - HEX_BYTES, offset);
}

export const itemId = (prefix: 'msg' | 'fc' | 'rs', hex: string, index: number) => `${prefix}_${hex}${index.toString(16).padStart(8, '0')}`;

export type ResponseStatus = 'in_progress' | 'completed' | 'incomplete' | 'failed';
export type IncompleteReason = 'max_output_tokens' | 'content_filter';

export function incompleteReason(finishReason: string | null | undefined): IncompleteReason | undefined {
  if (finishReason === 'length') return 'max_output_tokens';
  if (finishReason === 'content_filter') return 'content_filter';
  return undefined;
}

export interface ResponseState {
  hex: string;
  createdAt: number;
  model: string;
  status: ResponseStatus;
  output: Json[];
  usage: Usage | undefined;
  incomplete?: IncompleteReason;
  error?: { code: string; message: string };
}

export function responsesUsage(usage: Usage | undefined): Json {
  const input = usage?.prompt_tokens ?? 0;
  const output = usage?.completion_tokens ?? 0;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: usage?.prompt_tokens_details?.cached_tokens ?? 0, cache_write_tokens: 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: usage?.completion_tokens_details?.reasoning_tokens ?? 0 },
    total_tokens: usage?.total_tokens ?? input + output,
  };
}

export function responseObject(state: ResponseState, echo: ResponseEcho): Json {
  const finished = state.status !== 'in_progress';
  return {
    id: `resp_${state.hex}`,
    object: 'response',
    created_at: state.createdAt,
    status: state.status,
    background: false,
    completed_at: state.status === 'completed' ? Math.floor(Date.now() / 1000) : null,
    error: state.error ?? null,
    incomplete_details: state.incomplete ? { reason: state.incomplete } : null,
    instructions: echo.instructions,
    max_output_tokens: echo.max_output_tokens,
    max_tool_calls: echo.max_tool_calls,
    model: state.model,
    output: state.output,
    parallel_tool_calls: echo.parallel_tool_calls,
    previous_response_id: echo.previous_response_id,
    prompt_cache_key: echo.prompt_cache_key,
    reasoning: echo.reasoning,
    safety_identifier: echo.safety_identifier,
    service_tier: echo.service_tier,
    store: echo.store,
    temperature: echo.temperature,
    text: echo.text,
    tool_choice: echo.tool_choice,
    tools: echo.tools,
    top_logprobs: echo.top_logprobs,
    top_p: echo.top_p,
    truncation: echo.truncation,
    // OpenAI sends `usage: null` until the end, but its schema has no null there: absent until known.
    ...(finished && state.status !== 'failed' ? { usage: responsesUsage(state.usage) } : {}),
    ...(echo.user !== undefined ? { user: echo.user } : {}),
    metadata: echo.metadata,
  };
}

/** A streamed failure's `response.error`: OpenAI's ResponseErrorCode has no slot for most gateway codes. */
export function responseError(err: GatewayError, message: string): { code: string; message: string } {
  return { code: err.status === 429 ? 'rate_limit_exceeded' : 'server_error', message };
}

export const outputText = (text: string): Json => ({ type: 'output_text', text, annotations: [], logprobs: [] });

/** `text` undefined: the item as announced, before its first content part. */
export function messageItem(id: string, text: string | undefined, status: string, refusal?: string | null): Json {
  const content = refusal ? [{ type: 'refusal', refusal }] : text === undefined ? [] : [outputText(text)];
  return { id, type: 'message', status, content, role: 'assistant' };
}

export const functionCallItem = (id: string, callId: string, name: string, args: string, status: string): Json => ({
  id,
  type: 'function_call',
  status,
  arguments: args,
  call_id: callId,
  name,
});

export const reasoningItem = (id: string, summary: string | undefined): Json => ({
  id,
  type: 'reasoning',
  summary: summary === undefined ? [] : [{ type: 'summary_text', text: summary }],
});
