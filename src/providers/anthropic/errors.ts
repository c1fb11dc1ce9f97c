// Anthropic error bodies and in-stream error events → GatewayErrors by the contract's mapping (wire doc §3.4, §9).
import { upstreamHttpError, type GatewayError } from '../../errors.js';
import { safeJsonParse } from '../../upstream/http.js';
import { anthropicErrorSchema } from './wire.js';

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
