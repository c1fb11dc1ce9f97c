// OpenAI's error envelope ({"error":{message,type,param,code}}), redacted field by field: an upstream may echo a
// provider key in any of them. Every OpenAI-shaped route (chat, embeddings, models, the simple API) renders with it.
import type { GatewayError } from '../../../errors.js';
import { defaultRetryAfter } from '../../../errors-limits.js';
import { sseData } from '../../../upstream/sse.js';
import type { Redact, RenderedError } from '../surface.js';

export function renderOpenAIError(err: GatewayError, redact: Redact): RenderedError {
  const body = {
    error: {
      message: redact(err.message),
      type: err.type,
      param: err.param === null ? null : redact(err.param),
      code: err.code === null ? null : redact(err.code),
    },
  };
  if (err.retryAfter !== undefined) return { status: err.status, body, headers: { 'retry-after': String(Math.ceil(err.retryAfter)) } };
  if (defaultRetryAfter(err)) return { status: err.status, body, headers: { 'retry-after': '1' } };
  return { status: err.status, body };
}

/** A failure after the first byte: the same envelope as one `data:` event (OpenAI's SDKs raise it as an APIError). */
export const openAIErrorEvent = (err: GatewayError, redact: Redact): string => sseData(JSON.stringify(renderOpenAIError(err, redact).body));
