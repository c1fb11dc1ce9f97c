// Gateway API keys: Bearer, X-Internal-Auth or x-api-key, compared in constant time; requests carry a key id, never the key.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { invalidApiKey } from './errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Short hash of the key used, for logs and rate limits. */
    gatewayKeyId?: string;
  }
}

const digest = (value: string) => createHash('sha256').update(value).digest();

export function keyId(key: string): string {
  return `key_${digest(key).toString('hex').slice(0, 12)}`;
}

function presentedKey(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && /^bearer\s+/i.test(auth)) return auth.replace(/^bearer\s+/i, '').trim();
  // x-api-key is how Anthropic clients send a key (the Messages surface).
  const other = req.headers['x-internal-auth'] ?? req.headers['x-api-key'];
  return typeof other === 'string' ? other.trim() : undefined;
}

/** Comparing fixed-length digests keeps the comparison constant-time whatever the key lengths. */
export function createAuthHook(keys: string[]) {
  const digests = keys.map((k) => ({ digest: digest(k), id: keyId(k) }));
  return async function authenticate(req: FastifyRequest): Promise<void> {
    if (digests.length === 0) return;
    const key = presentedKey(req);
    if (!key) throw invalidApiKey();
    const presented = digest(key);
    let match: string | undefined;
    for (const candidate of digests) {
      if (timingSafeEqual(candidate.digest, presented)) match = candidate.id;
    }
    if (!match) throw invalidApiKey();
    req.gatewayKeyId = match;
  };
}
