// The console's scope: the admin API and /ui (files and session) share the cookie parser, which nothing else pays
// for. Sessions exist only with an admin key; open mode (no keys, loopback) needs none.
import fastifyCookie from '@fastify/cookie';
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../deps.js';
import { consoleOpenMode } from '../admin/auth.js';
import { registerAdmin } from '../admin/index.js';
import { registerSessionRoutes } from './routes.js';
import { createConsoleSessions } from './session.js';
import { registerConsoleFiles } from './static.js';

export function registerConsole(root: FastifyInstance, deps: Deps): void {
  const { adminKey, consoleSessionSecret } = deps.config;
  const sessions = adminKey ? createConsoleSessions(adminKey, consoleSessionSecret) : undefined;
  void root.register(async (scope) => {
    // Parses cookies on onRequest, before the admin gate (also onRequest, added later) reads them; the sessions sign
    // and check their own cookie.
    await scope.register(fastifyCookie, { hook: 'onRequest' });
    registerAdmin(scope, deps, sessions);
    registerSessionRoutes(scope, { open: consoleOpenMode(deps.config), adminKey, sessions });
    await registerConsoleFiles(scope);
  });
}
