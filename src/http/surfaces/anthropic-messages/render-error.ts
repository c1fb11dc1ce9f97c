// GatewayError → Anthropic's error envelope `{"type":"error","error":{type,message}}` with Anthropic's types and
// statuses (docs.claude.com/en/api/errors; wire doc §3.4): overloaded is 529, which the SDK retries.
import type { GatewayError } from '../../../errors.js';
import { defaultRetryAfter } from '../../../errors-limits.js';
import type { Redact, RenderedError } from '../surface.js';

export type AnthropicErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'timeout_error'
  | 'overloaded_error';

export interface AnthropicErrorBody {
  type: 'error';
  error: { type: AnthropicErrorType; message: string };
}

const OVERLOADED = { status: 529, type: 'overloaded_error' } as const;

function classify(err: GatewayError): { status: number; type: AnthropicErrorType } {
  // An upstream's 529 arrives as a 502 flagged upstream_overloaded; the gateway's own 503 means the same to a client.
  if (err.status === 503 || err.code === 'upstream_overloaded') return OVERLOADED;
  switch (err.status) {
    case 401:
      return { status: 401, type: 'authentication_error' };
    case 403:
      return { status: 403, type: 'permission_error' };
    case 404:
      return { status: 404, type: 'not_found_error' };
    case 413:
      return { status: 413, type: 'request_too_large' };
    case 429:
      return { status: 429, type: 'rate_limit_error' };
    case 504:
      return { status: 504, type: 'timeout_error' };
  }
  if (err.status >= 400 && err.status < 500) return { status: err.status, type: 'invalid_request_error' };
  return { status: err.status >= 500 ? err.status : 500, type: 'api_error' };
}

/** The gateway's own 401 text names OpenAI's headers; an Anthropic client sends x-api-key. */
const INVALID_KEY_MESSAGE = 'Missing or invalid gateway API key. Send x-api-key: <key> or Authorization: Bearer <key>.';

export function renderAnthropicError(err: GatewayError, redact: Redact): RenderedError & { body: AnthropicErrorBody } {
  const { status, type } = classify(err);
  const message = err.code === 'invalid_api_key' ? INVALID_KEY_MESSAGE : redact(err.message);
  const headers: Record<string, string> = {};
  if (err.retryAfter !== undefined) headers['retry-after'] = String(Math.ceil(err.retryAfter));
  else if (status === 529 || defaultRetryAfter(err)) headers['retry-after'] = '1';
  return { status, body: { type: 'error', error: { type, message } }, headers };
}
