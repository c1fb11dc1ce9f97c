// /ui/api/session: sign in with the admin key (→ a session cookie), sign out, and what the page needs to know first
// (signed in? open mode? is there an admin API at all?) plus the CSRF token its changes must carry.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { GatewayError, invalidApiKey } from '../../errors.js';
import { openAIErrorSchema } from '../openapi-shapes.js';
import { staticKeyMatcher } from '../plugins/auth.js';
import type { ConsoleSessions } from './session.js';

const tags = ['Console'];
const signInBody = z.strictObject({ admin_key: z.string().min(1).max(1000) });
const sessionState = z.object({ signed_in: z.boolean(), open_mode: z.boolean(), admin_enabled: z.boolean(), csrf_token: z.string().nullable(), expires_at: z.string().nullable() });

const noAdminKey = () =>
  new GatewayError({ status: 404, message: 'Signing in needs GATEWAY_ADMIN_KEY on the gateway.', code: 'admin_disabled' });

export interface SessionRouteOptions {
  open: boolean;
  adminKey: string | undefined;
  sessions: ConsoleSessions | undefined;
}

export function registerSessionRoutes(scope: FastifyInstance, { open, adminKey, sessions }: SessionRouteOptions): void {
  const isAdmin = adminKey ? staticKeyMatcher([adminKey]) : () => undefined;
  const state = (req: FastifyRequest) => {
    const session = sessions?.current(req);
    return {
      signed_in: session !== undefined,
      open_mode: open,
      admin_enabled: adminKey !== undefined,
      csrf_token: session && sessions ? sessions.csrfToken(session) : null,
      expires_at: session ? new Date(session.expiresAt).toISOString() : null,
    };
  };
  scope.get(
    '/ui/api/session',
    { schema: { summary: "The console's session: signed in, open mode, admin API present, the CSRF token", tags, response: { 200: sessionState } } },
    async (req, reply) => {
      void reply.header('cache-control', 'no-store');
      return state(req);
    },
  );
  scope.post(
    '/ui/api/session',
    { schema: { summary: 'Sign in to the console with the admin key (sets an HttpOnly session cookie)', tags, body: signInBody, response: { 204: z.null(), default: openAIErrorSchema } } },
    async (req, reply) => {
      if (!adminKey || !sessions) throw noAdminKey();
      if (!isAdmin((req.body as z.infer<typeof signInBody>).admin_key)) throw invalidApiKey();
      sessions.start(req, reply);
      return reply.code(204).send();
    },
  );
  scope.delete(
    '/ui/api/session',
    { schema: { summary: 'Sign out of the console (clears the session cookie)', tags, response: { 204: z.null() } } },
    async (req, reply) => {
      sessions?.end(req, reply);
      return reply.code(204).send();
    },
  );
}
