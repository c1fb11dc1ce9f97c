// The x-gateway-* and x-ratelimit-* headers, written in this one place for every proxied answer (JSON, stream or
// error): on Fastify's reply, whose one writeHead carries them (SseWriter.open hands them to a stream's).
import type { ServerResponse } from 'node:http';
import { costHeader } from '../usage/bill.js';
import { echoed } from '../errors.js';
import type { Exchange } from './exchange.js';

/**
 * Where a response's headers go: a Fastify reply, or a stand-in over a raw response (a WebSocket turn). Not
 * res.setHeader on the reply's raw response: once one header is set there, Node's writeHead takes every other
 * header one setHeader at a time too (measured: ~8 µs a request in node:_http_outgoing and _http_common).
 */
export interface HeaderTarget {
  readonly raw: ServerResponse;
  header(name: string, value: string): unknown;
}

/** `costUsd` only for JSON answers: a stream's headers leave before its cost is known (it is in the log row). */
export function writeGatewayHeaders(x: Exchange, overheadMs: number | undefined, costUsd?: number): void {
  const out = x.reply;
  if (out.raw.headersSent) return;
  out.header('x-gateway-attempts', String(x.attempts.length));
  // On failure, the deployment that answered last (if any was tried).
  const last = x.target ?? x.attempts.at(-1);
  if (last) {
    out.header('x-gateway-provider', last.provider);
    out.header('x-gateway-model', echoed(`${last.provider}/${last.model}`));
  }
  if (overheadMs !== undefined) out.header('x-gateway-overhead-ms', overheadMs.toFixed(2));
  if (costUsd !== undefined) out.header('x-gateway-cost-usd', costHeader(costUsd));
}

/** A request's headers as plain strings (repeated ones joined), for a provider that forwards a few of them. */
export function flatHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) out[name] = Array.isArray(value) ? value.join(',') : value;
  return out;
}

/** One limit as OpenAI reports it: the tightest of the key's and the team's. */
export interface RateWindow {
  limit: number;
  remaining: number;
  /** ms until the limit is back to its initial state. */
  resetMs: number;
}

/** OpenAI's x-ratelimit-* sets (requests, tokens) for whichever limits apply (streams too). */
export function writeRateLimitHeaders(out: HeaderTarget, requests: RateWindow | undefined, tokens: RateWindow | undefined): void {
  if (out.raw.headersSent) return;
  if (requests) writeWindow(out, 'requests', requests);
  if (tokens) writeWindow(out, 'tokens', tokens);
}

function writeWindow(out: HeaderTarget, kind: string, w: RateWindow): void {
  out.header(`x-ratelimit-limit-${kind}`, String(w.limit));
  out.header(`x-ratelimit-remaining-${kind}`, String(Math.max(0, Math.floor(w.remaining))));
  out.header(`x-ratelimit-reset-${kind}`, openAIDuration(w.resetMs));
}

/** Beside Retry-After's whole seconds, the exact wait (OpenAI's SDKs prefer it). */
export function writeRetryAfterMs(out: HeaderTarget, ms: number): void {
  if (!out.raw.headersSent) out.header('retry-after-ms', String(Math.max(0, Math.ceil(ms))));
}

/** A HeaderTarget over a bare response (no Fastify reply): its headers are set on it directly. */
export function rawHeaderTarget(res: ServerResponse): HeaderTarget {
  return { raw: res, header: (name, value) => res.setHeader(name, value) };
}

/** Go's duration text, as OpenAI sends it: `20ms`, `1s`, `1.5s`, `6m0s`, `1h2m3s`. */
export function openAIDuration(ms: number): string {
  const whole = Math.max(0, Math.ceil(ms));
  if (whole < 1000) return `${whole}ms`;
  const hours = Math.floor(whole / 3_600_000);
  const minutes = Math.floor((whole % 3_600_000) / 60_000);
  const seconds = `${Number(((whole % 60_000) / 1000).toFixed(3))}s`;
  if (hours > 0) return `${hours}h${minutes}m${seconds}`;
  return minutes > 0 ? `${minutes}m${seconds}` : seconds;
}
