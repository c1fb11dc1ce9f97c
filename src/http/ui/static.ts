// Serves the built console (dist/ui, made by `npm run build`): hashed assets cached for a year, the HTML shell never
// cached, and every other /ui/* path answered with the shell so the page's own router can show it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { GatewayError } from '../../errors.js';

// From src/http/ui (tsx) and dist/http/ui (compiled) alike, three levels up is the repository (or image) root.
const BUILT_UI = fileURLToPath(new URL('../../../dist/ui/', import.meta.url));

// The page loads only what it ships: no inline script, no other origin (so no CDN or font can sneak in).
const SHELL_HEADERS = {
  'cache-control': 'no-cache',
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

const notBuilt = () =>
  new GatewayError({ status: 503, message: 'The console is not built: run `npm run build` (it writes dist/ui).', code: 'console_not_built' });

export async function registerConsoleFiles(scope: FastifyInstance, root = BUILT_UI): Promise<void> {
  await scope.register(fastifyStatic, {
    root: `${root}assets`,
    prefix: '/ui/assets/',
    cacheControl: false,
    setHeaders(res) {
      res.setHeader('cache-control', 'public, max-age=31536000, immutable');
      res.setHeader('x-content-type-options', 'nosniff');
    },
  });
  const shell = (reply: FastifyReply) => {
    if (!existsSync(`${root}index.html`)) throw notBuilt();
    return reply.headers(SHELL_HEADERS).sendFile('index.html', root, { cacheControl: false });
  };
  scope.get('/ui', { schema: { hide: true } }, (_req, reply) => shell(reply));
  scope.get('/ui/*', { schema: { hide: true } }, (req, reply) => {
    // An unknown API path is a 404, never the page.
    if (req.url.startsWith('/ui/api/')) return reply.callNotFound();
    return shell(reply);
  });
}
