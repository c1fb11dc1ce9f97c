// The x-gateway-* headers, written in this one place for every proxied answer (JSON, stream or error): on the raw
// response, so a stream's writeHead and Fastify's send both carry them.
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
