// The admin scope's gate: only GATEWAY_ADMIN_KEY passes. A caller with a working gateway key (static or virtual)
// is known but not allowed (403); anyone else is not authenticated (401).
import type { FastifyRequest } from 'fastify';
import { GatewayError, invalidApiKey } from '../../errors.js';
import { presentedKey, staticKeyMatcher } from '../plugins/auth.js';

const adminOnly = () =>
  new GatewayError({ status: 403, message: 'The admin API needs the admin key (GATEWAY_ADMIN_KEY); this key is a gateway key.', code: 'admin_key_required' });

export function adminAuthHook(adminKey: string, authenticate: (req: FastifyRequest) => Promise<void>) {
  const isAdmin = staticKeyMatcher([adminKey]);
  return async function authenticateAdmin(req: FastifyRequest): Promise<void> {
    const key = presentedKey(req);
    if (!key) throw invalidApiKey();
    if (isAdmin(key)) return;
    try {
      await authenticate(req);
    } catch {
      throw invalidApiKey();
    }
    throw adminOnly();
  };
}
