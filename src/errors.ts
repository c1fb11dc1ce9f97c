// The GatewayError family and the one place where a failure is classified: its status, its code, and the named
// policy flags routing reads (retry the same target? try other targets? count against the deployment's health?).
export type OpenAIErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'api_error'
  | 'timeout_error'
  | 'service_unavailable'
  | 'requests' | 'tokens' | 'insufficient_quota'; // OpenAI's own 429 types: which limit was hit (errors-limits.ts)

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export interface GatewayErrorInit {
  status: number;
  message: string;
  type?: OpenAIErrorType;
  code?: string | null;
  param?: string | null;
  /** Seconds a client should wait; sent as Retry-After on 429 and 503. */
  retryAfter?: number;
  /** Which upstream produced it, when one did. */
  provider?: string;
  /** Status the upstream actually answered, before mapping. */
  upstreamStatus?: number;
  /** Another attempt at the same deployment may succeed (a transient failure). Default: 408, 409, 429 and 5xx. */
  retrySameTarget?: boolean;
  /** Another deployment may succeed where this one failed. Default: whenever retrySameTarget, or a 5xx. */
  tryOtherTargets?: boolean;
  /**
   * The failure says something about the deployment, so its breaker counts it. Default: whenever another target is
   * worth trying, except for the request's own faults (a 4xx other than 404, 408, 409 and 429).
   */
  countsAgainstHealth?: boolean;
  cause?: unknown;
}

const TRANSIENT_STATUS = new Set([408, 409, 429]);
/** 4xx statuses that describe the deployment (model missing there, slow, busy, rate limited), not the request. */
const DEPLOYMENT_4XX = new Set([404, 408, 409, 429]);

export function isRetryableStatus(status: number): boolean {
  return TRANSIENT_STATUS.has(status) || status >= 500;
}

function typeForStatus(status: number): OpenAIErrorType {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status === 503) return 'service_unavailable';
  if (status === 504) return 'timeout_error';
  if (status >= 400 && status < 500) return 'invalid_request_error';
  return 'api_error';
}

export class GatewayError extends Error {
  readonly status: number;
  readonly type: OpenAIErrorType;
  readonly code: string | null;
  readonly param: string | null;
  readonly retryAfter: number | undefined;
  readonly provider: string | undefined;
  readonly upstreamStatus: number | undefined;
  /** Computed once, here; routing reads only these three. */
  readonly retrySameTarget: boolean;
  readonly tryOtherTargets: boolean;
  readonly countsAgainstHealth: boolean;

  constructor(init: GatewayErrorInit) {
    super(init.message, { cause: init.cause });
    this.name = 'GatewayError';
    this.status = init.status;
    this.type = init.type ?? typeForStatus(init.status);
    this.code = init.code ?? null;
    this.param = init.param ?? null;
    this.retryAfter = init.retryAfter;
    this.provider = init.provider;
    this.upstreamStatus = init.upstreamStatus;
    this.retrySameTarget = init.retrySameTarget ?? isRetryableStatus(init.status);
    // Worth trying again here means worth trying elsewhere too.
    this.tryOtherTargets = this.retrySameTarget || (init.tryOtherTargets ?? init.status >= 500);
    const requestsOwnFault = init.status >= 400 && init.status < 500 && !DEPLOYMENT_4XX.has(init.status);
    this.countsAgainstHealth = init.countsAgainstHealth ?? (this.tryOtherTargets && !requestsOwnFault);
  }

  /** The older name of retrySameTarget, read by provider tests. */
  get retryable(): boolean {
    return this.retrySameTarget;
  }

  /** The older name of tryOtherTargets, read by provider tests. */
  get fallbackable(): boolean {
    return this.tryOtherTargets;
  }

  toBody(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

const CLIENT_CLOSED = 'client_closed';

/** The client went away: nothing to retry, nothing to say about any deployment, nothing to send. */
export const clientClosed = (provider?: string, cause?: unknown) =>
  new GatewayError({ status: 499, message: 'client closed the request', code: CLIENT_CLOSED, provider, retrySameTarget: false, tryOtherTargets: false, countsAgainstHealth: false, cause });

export const isClientClosed = (err: GatewayError): boolean => err.code === CLIENT_CLOSED;

/** The whole request ran out of time: no other target can help now, but the slow deployment is counted. */
export const totalTimeout = (ms: number, provider?: string) =>
  new GatewayError({ status: 504, message: `request exceeded the total timeout of ${ms} ms`, code: 'total_timeout', provider, retrySameTarget: false, tryOtherTargets: false, countsAgainstHealth: true });

export const invalidRequest = (message: string, param: string | null = null, code: string | null = null) =>
  new GatewayError({ status: 400, message, param, code: code ?? 'invalid_request' });

/** The upstream answered 2xx with something we cannot read: another deployment may do better. */
export const badUpstreamResponse = (provider: string, detail: string) =>
  new GatewayError({ status: 502, type: 'api_error', message: `${provider}: malformed response (${detail})`, code: 'bad_upstream_response', provider });

const ECHO_LIMIT = 256;
/** What the gateway repeats of a client's value (a model name) in bodies and headers: never more than 256 chars. */
export const echoed = (value: string): string => (value.length <= ECHO_LIMIT ? value : `${value.slice(0, ECHO_LIMIT)}...(${value.length} chars)`);

export const modelNotFound = (model: string) =>
  new GatewayError({
    status: 404,
    message: `The model '${echoed(model)}' does not exist or no configured provider serves it. GET /v1/models lists what is available.`,
    param: 'model',
    code: 'model_not_found',
  });

export const invalidApiKey = () =>
  new GatewayError({
    status: 401,
    type: 'invalid_request_error',
    message: 'Missing or invalid gateway API key. Send Authorization: Bearer <key> or X-Internal-Auth: <key>.',
    code: 'invalid_api_key',
  });

/** The key (or its team) may not use this model: refused before any upstream call. */
export const modelNotAllowed = (model: string) =>
  new GatewayError({ status: 403, message: `This key is not allowed to use the model '${model}'.`, param: 'model', code: 'model_not_allowed' });

/** The key store could not be read: not the caller's fault, worth retrying shortly. */
export const keyLookupUnavailable = (cause: unknown) =>
  new GatewayError({ status: 503, message: 'API keys cannot be checked right now; retry shortly.', code: 'key_lookup_unavailable', retryAfter: 1, cause });

export const upstreamTimeout = (provider: string, phase: string, ms: number) =>
  new GatewayError({
    status: 504,
    message: `${provider}: no ${phase} within ${ms} ms`,
    code: 'upstream_timeout',
    provider,
    retrySameTarget: true,
  });

export const noProviderAvailable = (model: string, retryAfter: number) =>
  new GatewayError({
    status: 503,
    message: `No provider for '${echoed(model)}' is usable right now (all circuits open). Retry later.`,
    code: 'no_provider_available',
    retryAfter,
  });

/** Network-level failures (undici and node codes) that say nothing about the request itself. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_RESPONSE_STATUS_CODE',
]);

function errorCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Any thrown thing → GatewayError, attributing network failures to the provider that caused them. */
export function toGatewayError(err: unknown, provider?: string): GatewayError {
  if (err instanceof GatewayError) return err;
  if (err instanceof Error && err.name === 'AbortError') {
    // Only our own aborts (client gone, or a timeout that is reported separately) produce this.
    return clientClosed(provider, err);
  }
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  const prefix = provider ? `${provider}: ` : '';
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return new GatewayError({ status: 504, message: `${prefix}${message}`, code: 'upstream_timeout', provider, cause: err });
  }
  if (code && NETWORK_CODES.has(code)) {
    return new GatewayError({
      status: 502,
      message: `${prefix}upstream connection failed (${code}): ${message}`,
      code: 'upstream_connection_error',
      provider,
      cause: err,
    });
  }
  // Our own failure (a bug, or a request we could not serialise) says nothing about the deployment's health.
  return new GatewayError({ status: 500, message: `${prefix}${message}`, code: 'internal_error', provider, cause: err, retrySameTarget: false, countsAgainstHealth: false });
}

/** What an attempt's end looked like from the router: who stopped it, if anyone. */
export interface AttemptEnd {
  clientAborted: boolean;
  /** Set once the request's total timeout has fired: its length in ms. */
  totalTimedOutMs: number | undefined;
  /** The reason the attempt's own controller was aborted with (first-token or idle timeout), if any. */
  abortReason: unknown;
}

/**
 * The one classification of an attempt's failure, before or after its first byte: the client leaving wins, then
 * the total timeout, then our own timeouts (the abort reason), then whatever the transport or adapter threw.
 */
export function attemptFailure(thrown: unknown, end: AttemptEnd, provider?: string): GatewayError {
  if (end.clientAborted) return clientClosed(provider);
  if (end.totalTimedOutMs !== undefined) return totalTimeout(end.totalTimedOutMs, provider);
  if (end.abortReason instanceof GatewayError) return end.abortReason;
  return toGatewayError(thrown, provider);
}

export interface UpstreamErrorDetails {
  message: string;
  code?: string | null;
  param?: string | null;
  retryAfter?: number;
  /** The upstream says retrying cannot help (e.g. OpenAI's insufficient_quota 429). */
  permanent?: boolean;
}

/**
 * An upstream's HTTP error → the contract's status: its own 4xx when it rejected the request itself,
 * 502 when it rejected the gateway's credentials or failed, 504 on its timeouts, 429 kept for rate limits.
 */
export function upstreamHttpError(provider: string, status: number, details: UpstreamErrorDetails): GatewayError {
  const base = { provider, upstreamStatus: status, code: details.code ?? null, param: details.param ?? null };
  const message = `${provider}: ${details.message}`;
  if (status === 401 || status === 403 || status === 402) {
    return new GatewayError({
      ...base,
      status: 502,
      type: 'api_error',
      message: `${provider} rejected the gateway's credentials or account (HTTP ${status}): ${details.message}`,
      code: details.code ?? 'upstream_auth_error',
      retrySameTarget: false,
      tryOtherTargets: true,
    });
  }
  if (status === 429) {
    return new GatewayError({
      ...base,
      status: 429,
      message,
      code: details.code ?? 'rate_limit_exceeded',
      retryAfter: details.retryAfter,
      retrySameTarget: !details.permanent,
      tryOtherTargets: true,
    });
  }
  if (status === 408 || status === 504) {
    return new GatewayError({ ...base, status: 504, message, code: details.code ?? 'upstream_timeout', retrySameTarget: true });
  }
  if (status >= 500) {
    return new GatewayError({ ...base, status: 502, type: 'api_error', message, code: details.code ?? 'upstream_error', retrySameTarget: true });
  }
  if (status === 404) {
    // The deployment lacks the model: another target may well have it.
    return new GatewayError({ ...base, status: 404, message, code: details.code ?? 'model_not_found', retrySameTarget: false, tryOtherTargets: true });
  }
  if (status < 400) {
    // A redirect (the gateway follows none: it would resend the key elsewhere) says the base URL is wrong there.
    return new GatewayError({ ...base, status: 502, type: 'api_error', message: `${provider} answered HTTP ${status} (a redirect the gateway does not follow): ${details.message}`, code: 'bad_upstream_response', retrySameTarget: false, tryOtherTargets: true });
  }
  const clientStatus = status === 422 ? 400 : status;
  // 409 (e.g. a lock timeout upstream) is the one 4xx worth trying again; the rest are the request's own fault.
  return new GatewayError({ ...base, status: clientStatus, message, retrySameTarget: status === 409 });
}
