// The only module that imports undici: pooled keep-alive dispatchers, outbound proxy, timeouts, body helpers.
import { AsyncLocalStorage } from 'node:async_hooks';
import { Agent, EnvHttpProxyAgent, ProxyAgent, buildConnector, type Dispatcher } from 'undici';
import { GatewayError, toGatewayError, upstreamTimeout } from '../errors.js';
import { reportSends, settleOnAbortWhileQueued } from './send-watch.js';

export interface DispatcherOptions {
  connectTimeoutMs?: number;
  /** Explicit proxy for this provider (config file); overrides the environment. */
  proxyUrl?: string;
  /** Honour HTTPS_PROXY / HTTP_PROXY / NO_PROXY. */
  useEnvProxy?: boolean;
  /** The env proxies as the config read (and maybe rewrote) them; fields left out fall back to process.env. */
  envProxy?: { httpProxy?: string; httpsProxy?: string; noProxy?: string };
  /** Sockets per origin; requests beyond wait in the pool, and that wait is not charged to the upstream (send-watch.ts). */
  maxConnections?: number;
}

/** One socket per concurrent stream (HTTP/1.1, no pipelining): 1,024 streams per origin before requests queue. */
export const DEFAULT_MAX_CONNECTIONS = 1024;

function hasEnvProxy(): boolean {
  const env = process.env;
  return Boolean(env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy);
}

/** A route's own connect timeout, for the connections opened while `fn` (one upstream call) runs. */
const connectScope = new AsyncLocalStorage<number>();
export function withConnectTimeout<T>(timeoutMs: number | undefined, fn: () => T): T {
  return timeoutMs === undefined ? fn() : connectScope.run(timeoutMs, fn);
}

/**
 * The connector picks its timeout per connection: a route's (withConnectTimeout) or the dispatcher's default.
 * undici calls the connector synchronously from the dispatch that needs the connection, so the scope is the
 * request's own; pooled connections are shared by every route once open.
 */
function scopedConnector(defaultMs: number): buildConnector.connector {
  const connectors = new Map<number, buildConnector.connector>();
  return (opts, callback) => {
    const timeout = connectScope.getStore() ?? defaultMs;
    let connector = connectors.get(timeout);
    if (!connector) {
      connector = buildConnector({ timeout });
      connectors.set(timeout, connector);
    }
    connector(opts, callback);
  };
}

export function createDispatcher(options: DispatcherOptions = {}): Dispatcher {
  const connect = { timeout: options.connectTimeoutMs ?? 10_000 };
  // Keep-alive long enough to span bursts; pipelining off because LLM calls are long-lived.
  const pool = { keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000, connections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS, connect };
  if (options.proxyUrl) return reportSends(new ProxyAgent({ uri: options.proxyUrl, ...pool }));
  if (options.useEnvProxy !== false && (options.envProxy || hasEnvProxy())) return reportSends(new EnvHttpProxyAgent({ ...pool, ...options.envProxy }));
  return reportSends(new Agent({ ...pool, connect: scopedConnector(connect.timeout) }));
}

export interface UpstreamRequest {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  dispatcher?: Dispatcher;
  /** Time allowed until the response headers arrive (first byte). */
  headersTimeoutMs?: number;
  /** Time allowed between two body chunks (stream idle). */
  bodyTimeoutMs?: number;
  provider: string;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
  /** The idle timeout the body was read under, so a body timeout says which limit it hit. */
  bodyTimeoutMs: number;
}

const DEFAULT_TIMEOUT_MS = 120_000;

let sharedDispatcher: Dispatcher | undefined;
export function defaultDispatcher(): Dispatcher {
  sharedDispatcher ??= createDispatcher();
  return sharedDispatcher;
}

const splitUrls = new Map<string, { origin: string; path: string }>();

/** Upstream URLs are few (a base URL per provider and a handful of paths): each is parsed once. */
function originAndPath(url: string): { origin: string; path: string } {
  let split = splitUrls.get(url);
  if (!split) {
    const parsed = new URL(url);
    split = { origin: parsed.origin, path: parsed.pathname + parsed.search };
    if (splitUrls.size < 1000) splitUrls.set(url, split);
  }
  return split;
}

/** Sends one request; network failures and timeouts come back as GatewayErrors naming the provider. */
export async function sendUpstream(req: UpstreamRequest): Promise<UpstreamResponse> {
  try {
    const { origin, path } = originAndPath(req.url);
    const dispatcher = req.dispatcher ?? defaultDispatcher();
    // The dispatcher itself rather than undici's request(url): that one parses the URL again on every call.
    const pending = dispatcher.request({
      origin,
      path,
      method: req.method ?? 'POST',
      headers: req.headers,
      body: req.body,
      signal: req.signal,
      headersTimeout: req.headersTimeoutMs ?? DEFAULT_TIMEOUT_MS,
      bodyTimeout: req.bodyTimeoutMs ?? DEFAULT_TIMEOUT_MS,
    });
    const response = await settleOnAbortWhileQueued(req.signal, pending, (late) => late.body.destroy());
    return { status: response.statusCode, headers: response.headers, body: response.body, bodyTimeoutMs: req.bodyTimeoutMs ?? DEFAULT_TIMEOUT_MS };
  } catch (err) {
    throw mapTransportError(err, req);
  }
}

export function mapTransportError(err: unknown, req: Pick<UpstreamRequest, 'provider' | 'headersTimeoutMs' | 'bodyTimeoutMs'>) {
  const code = (err as { code?: string }).code;
  if (code === 'UND_ERR_HEADERS_TIMEOUT') return upstreamTimeout(req.provider, 'response headers', req.headersTimeoutMs ?? 0);
  if (code === 'UND_ERR_BODY_TIMEOUT') return upstreamTimeout(req.provider, 'data between chunks', req.bodyTimeoutMs ?? 0);
  // undici reports a proxy refusing the CONNECT tunnel as UND_ERR_ABORTED, its status only in the message;
  // it is a bad gateway on the way to the provider, not an internal error.
  const proxyStatus = Number(/^Proxy response \((\d{3})\)/.exec(err instanceof Error ? err.message : '')?.[1]);
  if (proxyStatus) {
    return new GatewayError({
      status: 502,
      message: `${req.provider}: the outbound proxy refused the connection (HTTP ${proxyStatus})`,
      code: 'upstream_connection_error',
      provider: req.provider,
      retrySameTarget: proxyStatus >= 500,
      cause: err,
    });
  }
  return toGatewayError(err, req.provider);
}

/** Reads a whole body as text; errors are attributed to the provider. */
export async function readText(res: UpstreamResponse, provider: string): Promise<string> {
  try {
    return await res.body.text();
  } catch (err) {
    throw mapTransportError(err, { provider, bodyTimeoutMs: res.bodyTimeoutMs });
  }
}

/** Frees the connection when the body is not wanted (error, abort, fallback paths). */
export function discardBody(res: UpstreamResponse): void {
  res.body.dump({ limit: 64 * 1024 }).catch(() => res.body.destroy());
}

export function safeJsonParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
