// The x-gateway-* and x-ratelimit-* headers, written in this one place for every proxied answer (JSON, stream or
// error): on the raw response, so a stream's writeHead and Fastify's send both carry them.
import type { ServerResponse } from 'node:http';
import { costHeader } from '../usage/bill.js';
import { echoed } from '../errors.js';
import type { Exchange } from './exchange.js';

/** `costUsd` only for JSON answers: a stream's headers leave before its cost is known (it is in the log row). */
export function writeGatewayHeaders(x: Exchange, overheadMs: number | undefined, costUsd?: number): void {
  const res = x.res;
  if (res.headersSent) return;
  res.setHeader('x-gateway-attempts', String(x.attempts.length));
  // On failure, the deployment that answered last (if any was tried).
  const last = x.target ?? x.attempts.at(-1);
  if (last) {
    res.setHeader('x-gateway-provider', last.provider);
    res.setHeader('x-gateway-model', echoed(`${last.provider}/${last.model}`));
  }
  if (overheadMs !== undefined) res.setHeader('x-gateway-overhead-ms', overheadMs.toFixed(2));
  if (costUsd !== undefined) res.setHeader('x-gateway-cost-usd', costHeader(costUsd));
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

/** OpenAI's x-ratelimit-* sets (requests, tokens) for whichever limits apply; on the raw response (streams too). */
export function writeRateLimitHeaders(res: ServerResponse, requests: RateWindow | undefined, tokens: RateWindow | undefined): void {
  if (res.headersSent) return;
  if (requests) writeWindow(res, 'requests', requests);
  if (tokens) writeWindow(res, 'tokens', tokens);
}

function writeWindow(res: ServerResponse, kind: string, w: RateWindow): void {
  res.setHeader(`x-ratelimit-limit-${kind}`, String(w.limit));
  res.setHeader(`x-ratelimit-remaining-${kind}`, String(Math.max(0, Math.floor(w.remaining))));
  res.setHeader(`x-ratelimit-reset-${kind}`, openAIDuration(w.resetMs));
}

/** Beside Retry-After's whole seconds, the exact wait (OpenAI's SDKs prefer it). */
export function writeRetryAfterMs(res: ServerResponse, ms: number): void {
  if (!res.headersSent) res.setHeader('retry-after-ms', String(Math.max(0, Math.ceil(ms))));
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
