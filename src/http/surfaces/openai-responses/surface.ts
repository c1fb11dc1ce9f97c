// The OpenAI Responses surface (/v1/responses) through the bridge: its four jobs behind the Surface interface.
// The parsed request, its input items and the echo travel as extras, so a store (next) can keep what it needs.
import { GatewayError } from '../../../errors.js';
import { defaultRetryAfter } from '../../../errors-limits.js';
import { parseOrThrow } from '../../validate.js';
import { sessionIdOf } from '../openai-chat/surface.js';
import type { ParsedRequest, RenderContext, Surface } from '../surface.js';
import { renderResponse } from './render-json.js';
import { responsesRequestSchema, type InputItem, type ResponsesRequest } from './request-schema.js';
import { echoOf, type ResponseEcho } from './response-object.js';
import { ResponsesStreamRenderer } from './stream-renderer.js';
import { toChatRequest } from './to-chat-request.js';

export interface ResponsesExtras {
  /** The request as validated: a pass-through forwards it, a store keeps its parameters. */
  request: ResponsesRequest;
  /** The input as items (a string input becomes one user message), in the client's own shapes. */
  input: InputItem[];
  echo: ResponseEcho;
  /** The Response the client received last (set by the renderers, for the store). */
  final?: Record<string, unknown>;
}

function extrasOf(context: RenderContext): ResponsesExtras {
  const extras = context.extras as ResponsesExtras | undefined;
  if (!extras?.echo) throw new GatewayError({ status: 500, message: 'responses surface: render context without its parsed request', code: 'internal_error' });
  return extras;
}

export const validRequest = (body: unknown): ResponsesRequest => parseOrThrow(responsesRequestSchema, body);

/** `history`: what the store rebuilt from previous_response_id's chain (without it such a request is refused). */
export function parsedRequest(request: ResponsesRequest, headers: Record<string, string | string[] | undefined>, history?: InputItem[]): ParsedRequest {
  const chat = toChatRequest(request, history);
  const input: InputItem[] = typeof request.input === 'string' ? [{ type: 'message', role: 'user', content: request.input }] : (request.input ?? []);
  const extras: ResponsesExtras = { request, input, echo: echoOf(request) };
  return { chat, stream: request.stream === true, includeUsage: true, sessionId: sessionIdOf(headers, request.metadata), extras };
}

/**
 * A request the bridge cannot take (built-in tools, a previous_response_id the store does not hold): only a native
 * deployment can answer it, so `refusal` is thrown unless the route stage relays it. `chat` is for the log only.
 */
export function relayOnlyRequest(request: ResponsesRequest, headers: Record<string, string | string[] | undefined>, refusal: GatewayError): ParsedRequest {
  let chat;
  try {
    chat = toChatRequest(request, []);
  } catch {
    chat = { model: request.model, messages: [] };
  }
  const input: InputItem[] = typeof request.input === 'string' ? [{ type: 'message', role: 'user', content: request.input }] : (request.input ?? []);
  const extras: ResponsesExtras = { request, input, echo: echoOf(request) };
  return { chat, stream: request.stream === true, includeUsage: true, sessionId: sessionIdOf(headers, request.metadata), extras, untranslatable: refusal };
}

export const responsesSurface: Surface = {
  name: 'openai-responses',

  parse: (body, headers) => parsedRequest(validRequest(body), headers),

  renderJson(completion, context) {
    const extras = extrasOf(context);
    return (extras.final = renderResponse(completion, extras.echo, context.model, context.createdAt));
  },

  openStream: (context) => {
    const extras = extrasOf(context);
    return new ResponsesStreamRenderer(extras.echo, context, (response) => (extras.final = response));
  },

  renderError(err, redact) {
    const body = { error: { message: redact(err.message), type: redact(err.type), param: err.param === null ? null : redact(err.param), code: err.code === null ? null : redact(err.code) } };
    const retryAfter = err.retryAfter !== undefined ? String(Math.ceil(err.retryAfter)) : defaultRetryAfter(err) ? '1' : undefined;
    return { status: err.status, body, ...(retryAfter ? { headers: { 'retry-after': retryAfter } } : {}) };
  },
};
