// The admin scope's gate. With GATEWAY_ADMIN_KEY: that key, or a console session cookie (whose mutations must also
// carry the session's CSRF token); a working gateway key is known but not allowed (403); anyone else 401.
// Open mode (no keys of any kind, loopback bind): the read endpoints answer anyone on loopback, as the API does.
import type { FastifyRequest } from 'fastify';
import { isLoopback, type Config } from '../../config.js';
import { GatewayError, invalidApiKey } from '../../errors.js';
import { presentedKey, staticKeyMatcher } from '../plugins/auth.js';
import { CSRF_HEADER, type ConsoleSessions } from '../ui/session.js';

const adminOnly = () =>
  new GatewayError({ status: 403, message: 'The admin API needs the admin key (GATEWAY_ADMIN_KEY); this key is a gateway key.', code: 'admin_key_required' });
const csrfRefused = () =>
  new GatewayError({ status: 403, message: `A console change needs the ${CSRF_HEADER} header from GET /ui/api/session.`, code: 'csrf_token_invalid' });
const notLoopbackHost = () =>
  new GatewayError({ status: 403, message: 'Open mode answers requests addressed to a loopback host only.', code: 'open_mode_loopback_only' });

const MUTATIONS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** No static keys, no admin key (so no virtual keys) and a loopback bind: the console opens without sign-in. */
export function consoleOpenMode(config: Pick<Config, 'apiKeys' | 'adminKey' | 'host'>): boolean {
  return config.apiKeys.length === 0 && !config.adminKey && isLoopback(config.host);
}

/** The Host header names loopback: a page on another origin that rebinds its DNS name to 127.0.0.1 is refused. */
function addressedToLoopback(req: FastifyRequest): boolean {
  const host = req.hostname.replace(/^\[(.*)\]$/, '$1');
  return isLoopback(host);
}

export function openModeHook() {
  return async function allowLoopback(req: FastifyRequest): Promise<void> {
    if (!addressedToLoopback(req)) throw notLoopbackHost();
  };
}

export function adminAuthHook(adminKey: string, authenticate: (req: FastifyRequest) => Promise<void>, sessions?: ConsoleSessions) {
  const isAdmin = staticKeyMatcher([adminKey]);
  return async function authenticateAdmin(req: FastifyRequest): Promise<void> {
    const key = presentedKey(req);
    if (!key) {
      const session = sessions?.current(req);
      if (!session) throw invalidApiKey();
      if (MUTATIONS.has(req.method) && !sessions?.csrfValid(session, req.headers[CSRF_HEADER])) throw csrfRefused();
      req.gatewayAdmin = true;
      return;
    }
    if (isAdmin(key)) return;
    try {
      await authenticate(req);
    } catch {
      throw invalidApiKey();
    }
    throw adminOnly();
  };
}
