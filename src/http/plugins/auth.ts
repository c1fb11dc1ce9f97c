// Gateway API keys as a plugin: the routes registered beside it need a key (Authorization: Bearer, X-Internal-Auth
// or X-API-Key): a static key (GATEWAY_API_KEYS, compared in constant time) or a virtual `sk-gw-` key (looked up by
// hash in the key directory); requests carry a key id and principal, never the key. Runs on onRequest, so a caller
// without a key is refused before its body is read.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { invalidApiKey, keyLookupUnavailable } from '../../errors.js';
import type { KeyDirectory } from '../../keys/directory.js';
import type { Principal } from '../../keys/principal.js';
import { isVirtualKey } from '../../keys/token.js';
import { sharedHooks } from './shared-hooks.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Short hash of the key used, for logs and rate limits. */
    gatewayKeyId?: string;
    /** A virtual key's owner and limits (undefined for static keys). */
    gatewayPrincipal?: Principal;
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

export function presentedKey(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && /^bearer\s+/i.test(auth)) return auth.replace(/^bearer\s+/i, '').trim();
  // Anthropic's SDKs send the key as x-api-key.
  return header(req, 'x-internal-auth') ?? header(req, 'x-api-key');
}

/** A static key's id, or undefined; comparing fixed-length digests keeps it constant-time whatever the lengths. */
export function staticKeyMatcher(keys: readonly string[]): (key: string) => string | undefined {
  const digests = keys.map((k) => ({ digest: digest(k), id: keyId(k) }));
  return (key) => {
    const presented = digest(key);
    let match: string | undefined;
    for (const candidate of digests) {
      if (timingSafeEqual(candidate.digest, presented)) match = candidate.id;
    }
    return match;
  };
}

async function lookupVirtual(directory: KeyDirectory, key: string): Promise<Principal | undefined> {
  try {
    return await directory.lookup(key);
  } catch (err) {
    throw keyLookupUnavailable(err);
  }
}

export interface AuthOptions {
  /** Where virtual (sk-gw-) keys are looked up; set only when an admin key is configured. */
  directory?: KeyDirectory;
  /** Where a route's callers put their key (default: the three headers). */
  find?: (req: FastifyRequest) => string | undefined;
  /** GATEWAY_ADMIN_KEY (also one of `keys`): marks the request as the operator's. */
  adminKey?: string;
}

/**
 * Keys are required when static keys are configured or virtual keys can exist (an admin key is set, so there is
 * a key directory); otherwise the gateway is open (loopback only, see assertSafeBind).
 */
export function createAuthHook(keys: readonly string[], { directory, find = presentedKey, adminKey }: AuthOptions = {}) {
  const adminId = adminKey ? keyId(adminKey) : undefined;
  const matchStatic = staticKeyMatcher(keys);
  const required = keys.length > 0 || directory !== undefined;
  return async function authenticate(req: FastifyRequest): Promise<void> {
    if (!required) return;
    const key = find(req);
    if (!key) throw invalidApiKey();
    if (directory && isVirtualKey(key)) {
      const principal = await lookupVirtual(directory, key);
      if (!principal) throw invalidApiKey();
      req.gatewayKeyId = principal.keyId;
      req.gatewayPrincipal = principal;
      return;
    }
    const match = matchStatic(key);
    if (!match) throw invalidApiKey();
    req.gatewayKeyId = match;
    req.gatewayAdmin = match === adminId;
  };
}

export const authPlugin = sharedHooks(async (scope: FastifyInstance, opts: { keys: string[]; directory?: KeyDirectory; adminKey?: string }) => {
  if (opts.keys.length === 0 && !opts.directory) return;
  scope.addHook('onRequest', createAuthHook(opts.keys, { directory: opts.directory, adminKey: opts.adminKey }));
});
