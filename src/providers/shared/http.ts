// The one provider HTTP helper: send a JSON call, check for 2xx (else read the vendor's error body into a
// GatewayError), check a stream's content type, read JSON bodies; every early exit consumes or dumps the body.
import type { Dispatcher } from 'undici';
import { badUpstreamResponse, type GatewayError } from '../../errors.js';
import { discardBody, readText, safeJsonParse, sendUpstream, type UpstreamResponse } from '../../upstream/http.js';

export interface ProviderHttpOptions {
  /** The configured provider id: every error and attempt names it. */
  provider: string;
  dispatcher: Dispatcher;
  /** Headers of every call (auth included); may be async (OAuth tokens). */
  headers(): Record<string, string> | Promise<Record<string, string>>;
  /** The vendor's error body (read whole, '' when unreadable) → the GatewayError to throw. */
  toError(status: number, text: string, headers: UpstreamResponse['headers']): GatewayError;
}

export interface UpstreamCall {
  url: string;
  /** JSON-serialised as the request body; a call without one is a GET. */
  body?: unknown;
  /** Headers of this call only (a pass-through's version and betas), over the provider's own. */
  headers?: Record<string, string>;
  signal: AbortSignal;
  /** Until response headers (the first byte). */
  headersTimeoutMs: number;
  /** Between two body chunks. */
  bodyTimeoutMs: number;
}

export interface ProviderHttp {
  readonly provider: string;
  /** The upstream's 2xx response; anything else is read and thrown as the vendor's error. */
  send(call: UpstreamCall): Promise<UpstreamResponse>;
  /** A 2xx `text/event-stream` response; any other content type is dumped and thrown as a malformed answer. */
  stream(call: UpstreamCall): Promise<UpstreamResponse>;
  /** A 2xx answer's body parsed as JSON (undefined when it is not JSON: the caller's schema says what was wrong). */
  json(call: UpstreamCall): Promise<unknown>;
  readJson(res: UpstreamResponse): Promise<unknown>;
}

export function createProviderHttp(options: ProviderHttpOptions): ProviderHttp {
  const { provider } = options;
  const readJson = async (res: UpstreamResponse) => safeJsonParse(await readText(res, provider));

  async function send(call: UpstreamCall): Promise<UpstreamResponse> {
    const res = await sendUpstream({
      provider,
      method: call.body === undefined ? 'GET' : 'POST',
      url: call.url,
      headers: call.headers ? { ...(await options.headers()), ...call.headers } : await options.headers(),
      body: call.body === undefined ? undefined : JSON.stringify(call.body),
      signal: call.signal,
      dispatcher: options.dispatcher,
      headersTimeoutMs: call.headersTimeoutMs,
      bodyTimeoutMs: call.bodyTimeoutMs,
    });
    if (res.status >= 200 && res.status < 300) return res;
    // Reading the error body to its end also frees the connection.
    const text = await readText(res, provider).catch(() => '');
    throw options.toError(res.status, text, res.headers);
  }

  return {
    provider,
    send,
    readJson,
    async stream(call) {
      const res = await send(call);
      const contentType = String(res.headers['content-type'] ?? '');
      if (!contentType.includes('text/event-stream')) {
        discardBody(res);
        throw badUpstreamResponse(provider, `expected text/event-stream, got '${contentType || 'none'}'`);
      }
      return res;
    },
    // One frame, not json → readJson: each suspended async level is held for the whole upstream wait.
    async json(call) {
      return safeJsonParse(await readText(await send(call), provider));
    },
  };
}

/** A short GET (listing, probe, discovery), with one timeout for headers and body. */
export const getCall = (url: string, signal: AbortSignal, timeoutMs = 10_000): UpstreamCall => ({
  url,
  signal,
  headersTimeoutMs: timeoutMs,
  bodyTimeoutMs: timeoutMs,
});
