// Gateway API keys as a plugin: the routes registered beside it need a key (Authorization: Bearer, X-Internal-Auth
// or X-API-Key), compared in constant time; requests carry a key id, never the key. Runs on onRequest, so a caller
// without a key is refused before its body is read.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { invalidApiKey } from '../../errors.js';
import { sharedHooks } from './shared-hooks.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Short hash of the key used, for logs and rate limits. */
    gatewayKeyId?: string;
    /** The key was GATEWAY_ADMIN_KEY: it reads every key's history. */
    gatewayAdmin?: boolean;
  }
}

const digest = (value: string) => createHash('sha256').update(value).digest();

export function keyId(key: string): string {
  return `key_${digest(key).toString('hex').slice(0, 12)}`;
}

const header = (req: FastifyRequest, name: string): string | undefined => {
  const value = req.headers[name];
  return typeof value === 'string' ? value.trim() : undefined;
};

function presentedKey(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && /^bearer\s+/i.test(auth)) return auth.replace(/^bearer\s+/i, '').trim();
  // Anthropic's SDKs send the key as x-api-key.
  return header(req, 'x-internal-auth') ?? header(req, 'x-api-key');
}

/** Comparing fixed-length digests keeps the comparison constant-time whatever the key lengths. */
export function createAuthHook(keys: string[], adminKey?: string) {
  const digests = keys.map((k) => ({ digest: digest(k), id: keyId(k) }));
  const adminId = adminKey ? keyId(adminKey) : undefined;
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
    req.gatewayAdmin = match === adminId;
  };
}

export const authPlugin = sharedHooks(async (scope: FastifyInstance, opts: { keys: string[]; adminKey?: string }) => {
  if (opts.keys.length === 0) return;
  scope.addHook('onRequest', createAuthHook(opts.keys, opts.adminKey));
});
