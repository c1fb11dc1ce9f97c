// Reading OpenAI-wire upstream answers: error bodies in their several vendor shapes, and reasoning-field aliases.
import { z } from 'zod';
import { upstreamHttpError, type GatewayError } from '../../errors.js';
import { parseRetryAfter } from '../shared/retry-after.js';
import { safeJsonParse, type UpstreamResponse } from '../../upstream/http.js';

const errorEnvelopeSchema = z.looseObject({
  error: z.union([
    z.string(),
    z.looseObject({
      message: z.unknown().optional(),
      type: z.string().nullish(),
      code: z.union([z.string(), z.number()]).nullish(),
      param: z.string().nullish(),
    }),
  ]),
});
// vLLM (older), Mistral: the envelope's fields at the top level; Mistral 401: {message, request_id}; FastAPI: {detail}.
const flatErrorSchema = z.looseObject({
  message: z.unknown().optional(),
  detail: z.unknown().optional(),
  type: z.string().nullish(),
  code: z.union([z.string(), z.number()]).nullish(),
  param: z.string().nullish(),
});

// FastAPI/pydantic validation detail (Mistral 422 `message.detail`, vLLM `detail`): [{loc:[…], msg}].
const validationDetailSchema = z.array(z.looseObject({ loc: z.array(z.union([z.string(), z.number()])).optional(), msg: z.string() }));
const detailHolderSchema = z.looseObject({ detail: validationDetailSchema });

/** `body.max_completion_tokens: Extra inputs are not permitted` rather than the raw JSON. */
function describeValidation(value: unknown): string | undefined {
  const list = validationDetailSchema.safeParse(value);
  const holder = list.success ? undefined : detailHolderSchema.safeParse(value);
  const items = list.success ? list.data : holder?.success ? holder.data.detail : undefined;
  if (!items || items.length === 0) return undefined;
  return items.map((d) => (d.loc?.length ? `${d.loc.join('.')}: ${d.msg}` : d.msg)).join('; ');
}

/** The request field a validation error names (`loc: ["body", "max_completion_tokens"]` → `max_completion_tokens`). */
function validationParam(value: unknown): string | undefined {
  const list = validationDetailSchema.safeParse(value);
  const holder = list.success ? undefined : detailHolderSchema.safeParse(value);
  const first = list.success ? list.data[0] : holder?.success ? holder.data.detail[0] : undefined;
  const loc = first?.loc?.filter((part) => part !== 'body');
  return loc?.length ? loc.join('.') : undefined;
}

function describe(value: unknown): string | undefined {
  if (value == null) return undefined;
  if (typeof value === 'string') return value;
  return describeValidation(value) ?? JSON.stringify(value);
}

export interface ParsedUpstreamError {
  message: string;
  type?: string;
  code?: string;
  param?: string;
}

export function parseOpenAIErrorBody(text: string, status: number): ParsedUpstreamError {
  const json = safeJsonParse(text);
  const envelope = errorEnvelopeSchema.safeParse(json);
  if (envelope.success) {
    const err = envelope.data.error;
    if (typeof err === 'string') return { message: err };
    return {
      message: describe(err.message) ?? `HTTP ${status}`,
      type: err.type ?? undefined,
      code: err.code == null ? undefined : String(err.code),
      param: err.param ?? validationParam(err.message),
    };
  }
  const flat = flatErrorSchema.safeParse(json);
  if (flat.success && (flat.data.message !== undefined || flat.data.detail !== undefined)) {
    return {
      message: describe(flat.data.message) ?? describe(flat.data.detail) ?? `HTTP ${status}`,
      type: flat.data.type ?? undefined,
      code: flat.data.code == null ? undefined : String(flat.data.code),
      param: flat.data.param ?? validationParam(flat.data.message) ?? validationParam(flat.data.detail),
    };
  }
  const snippet = text.trim().slice(0, 300);
  return { message: snippet ? `HTTP ${status}: ${snippet}` : `HTTP ${status}` };
}

/** OpenAI marks quota exhaustion as a 429 that no retry can fix. */
function isPermanent429(parsed: ParsedUpstreamError): boolean {
  return parsed.code === 'insufficient_quota' || parsed.type === 'insufficient_quota';
}

export function openAIWireError(provider: string, status: number, headers: UpstreamResponse['headers'], text: string): GatewayError {
  const parsed = parseOpenAIErrorBody(text, status);
  return upstreamHttpError(provider, status, {
    message: parsed.message,
    code: parsed.code ?? null,
    param: parsed.param ?? null,
    retryAfter: parseRetryAfter(headers['retry-after']),
    permanent: status === 429 && isPermanent429(parsed),
  });
}

/**
 * An `{"error": …}` object sent inside a 200 stream (vLLM, OpenRouter, OpenAI itself), or a bare
 * `{"object":"error", message}` (older vLLM, Mistral).
 */
export function streamedErrorOf(json: unknown): ParsedUpstreamError | undefined {
  if (!json || typeof json !== 'object') return undefined;
  if ('object' in json && json.object === 'error') {
    const flat = flatErrorSchema.safeParse(json);
    if (!flat.success) return { message: 'upstream sent an error in the stream' };
    return { message: describe(flat.data.message) ?? 'upstream error', type: flat.data.type ?? undefined, code: flat.data.code == null ? undefined : String(flat.data.code) };
  }
  if (!('error' in json)) return undefined;
  const parsed = errorEnvelopeSchema.safeParse(json);
  if (!parsed.success) return { message: 'upstream sent an error in the stream' };
  const err = parsed.data.error;
  if (typeof err === 'string') return { message: err };
  return { message: describe(err.message) ?? 'upstream error', type: err.type ?? undefined, code: err.code == null ? undefined : String(err.code) };
}
