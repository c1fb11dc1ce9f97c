// Gemini / Vertex error bodies (HTTP, or an error event inside a 200 stream) → GatewayErrors (wire doc §2.5, §9).
import { upstreamHttpError, type GatewayError, type UpstreamErrorDetails } from '../../errors.js';
import { parseRetryAfter } from '../shared/retry-after.js';
import { geminiErrorSchema } from './wire.js';

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
