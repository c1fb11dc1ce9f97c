// The x-gateway-* headers, written in this one place for every proxied answer (JSON, stream or error): on the raw
// response, so a stream's writeHead and Fastify's send both carry them.
import { echoed } from '../errors.js';
import type { Exchange } from './exchange.js';

export function writeGatewayHeaders(x: Exchange, overheadMs: number | undefined): void {
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
}
