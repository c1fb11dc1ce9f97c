// Console sessions: the admin key, entered once, becomes a cookie signed by @fastify/cookie's signer, with an expiry (no server-side store, so
// every replica that shares CONSOLE_SESSION_SECRET honours it), and a CSRF token derived from that cookie.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'gw_console';
export const CSRF_HEADER = 'x-gateway-csrf';
export const SESSION_SECONDS = 12 * 60 * 60;

export interface ConsoleSession {
  /** The cookie's signed payload; the CSRF token is derived from it, so each session has its own. */
  payload: string;
  expiresAt: number;
}

export interface ConsoleSessions {
  start(req: FastifyRequest, reply: FastifyReply, now?: number): void;
  end(req: FastifyRequest, reply: FastifyReply): void;
  current(req: FastifyRequest, now?: number): ConsoleSession | undefined;
  csrfToken(session: ConsoleSession): string;
  csrfValid(session: ConsoleSession, presented: unknown): boolean;
}

const hmac = (key: string | Buffer, text: string) => createHmac('sha256', key).update(text).digest('base64url');

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * The signing key mixes the admin key in: changing GATEWAY_ADMIN_KEY ends every session made with the old one.
 * Without CONSOLE_SESSION_SECRET the secret is random, so sessions last as long as the process.
 */
export function createConsoleSessions(adminKey: string, configuredSecret: string | undefined): ConsoleSessions {
  const base = configuredSecret ?? randomBytes(32).toString('base64url');
  const cookieSecret = hmac(base, `gw_console:${adminKey}`);
  const csrfKey = hmac(cookieSecret, 'csrf');
  const cookieOptions = (req: FastifyRequest) => ({ path: '/', httpOnly: true, sameSite: 'strict' as const, secure: req.protocol === 'https' });
  return {
    start(req, reply, now = Date.now()) {
      const expiresAt = now + SESSION_SECONDS * 1000;
      const payload = `v1.${expiresAt}.${randomBytes(18).toString('base64url')}`;
      void reply.setCookie(SESSION_COOKIE, fastifyCookie.sign(payload, cookieSecret), { ...cookieOptions(req), maxAge: SESSION_SECONDS });
    },
    end(req, reply) {
      void reply.clearCookie(SESSION_COOKIE, cookieOptions(req));
    },
    current(req, now = Date.now()) {
      const raw = req.cookies[SESSION_COOKIE];
      if (!raw) return undefined;
      // Its own secret, not the parser's: an object made for another admin key refuses this one's cookies.
      const unsigned = fastifyCookie.unsign(raw, cookieSecret);
      if (!unsigned.valid || unsigned.value === null) return undefined;
      const [version, expires] = unsigned.value.split('.');
      const expiresAt = Number(expires);
      if (version !== 'v1' || !Number.isFinite(expiresAt) || expiresAt <= now) return undefined;
      return { payload: unsigned.value, expiresAt };
    },
    csrfToken: (session) => hmac(csrfKey, session.payload),
    csrfValid(session, presented) {
      return typeof presented === 'string' && sameText(presented, hmac(csrfKey, session.payload));
    },
  };
}
