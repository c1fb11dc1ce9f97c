// HTTP server timeouts: a client that is slow to send its headers or body, or holds an idle socket, is cut off;
// a response, however long it streams, never is (Node's requestTimeout only covers receiving the request).
import type { ServerOptions } from 'node:http';
import type { Config } from '../../config.js';

export interface ServerTimeouts {
  /** Node http.createServer options. */
  http: ServerOptions;
  /** Fastify's: the whole request (headers and body) must arrive within this; 408 otherwise. */
  requestTimeout: number;
  /** Fastify's: socket inactivity (no byte either way) after which it is destroyed. */
  connectionTimeout: number;
  keepAliveTimeout: number;
}

/** Longer than the usual 60 s idle timeout of load balancers in front, so they close first, never mid-request. */
const KEEP_ALIVE_MS = 65_000;
/** Silence on a socket beyond the longest a request may wait upstream (routing timeout_ms) means it is dead. */
const INACTIVITY_MARGIN_MS = 60_000;

export function serverTimeouts(config: Config): ServerTimeouts {
  const headersTimeout = config.headersTimeoutMs;
  const requestTimeout = Math.max(config.requestTimeoutMs, headersTimeout);
  const longestUpstreamWait = Math.max(
    config.routing.timeout_ms,
    config.routing.idle_timeout_ms,
    ...config.routes.map((r) => Math.max(r.routing?.timeout_ms ?? 0, r.routing?.idle_timeout_ms ?? 0)),
  );
  return {
    http: {
      headersTimeout,
      requestTimeout,
      // Node checks both timeouts on this interval (default 30 s); a quarter of the headers timeout keeps them tight.
      connectionsCheckingInterval: Math.max(10, Math.min(5_000, Math.floor(headersTimeout / 4))),
    },
    requestTimeout,
    connectionTimeout: longestUpstreamWait + INACTIVITY_MARGIN_MS,
    keepAliveTimeout: KEEP_ALIVE_MS,
  };
}
