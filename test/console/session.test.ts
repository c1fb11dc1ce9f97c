// The console's session and gating without a browser: sign-in → a signed HttpOnly SameSite=Strict cookie with an
// expiry, the cookie admits the admin scope and its changes need the CSRF token, CONSOLE_SESSION_SECRET shares
// sessions between gateways, open mode (no keys, loopback) reads without sign-in, and /admin/* stays 404 otherwise.
import fastifyCookie from '@fastify/cookie';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsoleSessions, SESSION_SECONDS } from '../../src/http/ui/session.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

const ADMIN = 'console-admin-key-0123456789abcdef';
const SECRET = 'console-session-secret-for-tests-0123456789';
let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startGateway({ env: { GATEWAY_ADMIN_KEY: ADMIN, CONSOLE_SESSION_SECRET: SECRET } });
}, 60_000);
afterAll(async () => {
  await gateway?.close();
});

async function signIn(url: string, key = ADMIN) {
  return fetch(`${url}/ui/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ admin_key: key }) });
}
const cookieOf = (res: Response) => (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
const session = async (url: string, cookie = '') =>
  (await (await fetch(`${url}/ui/api/session`, { headers: cookie ? { cookie } : {} })).json()) as { signed_in: boolean; open_mode: boolean; admin_enabled: boolean; csrf_token: string | null };

describe('signing in', () => {
  it('sets an HttpOnly, SameSite=Strict, signed session cookie for 12 hours (not Secure over plain http)', async () => {
    const res = await signIn(gateway.url);
    expect(res.status).toBe(204);
    const header = res.headers.get('set-cookie') ?? '';
    expect(header).toMatch(/^gw_console=[^;]+;/);
    expect(header).toMatch(/; HttpOnly/);
    expect(header).toMatch(/; SameSite=Strict/);
    expect(header).toMatch(/; Path=\//);
    expect(header).toMatch(new RegExp(`; Max-Age=${SESSION_SECONDS}`));
    expect(header).not.toMatch(/Secure/);
    expect(header).not.toContain(ADMIN);
    const state = await session(gateway.url, cookieOf(res));
    expect(state).toMatchObject({ signed_in: true, open_mode: false, admin_enabled: true });
    expect(state.csrf_token).toMatch(/^[\w-]{20,}$/);
  });

  it('refuses a wrong key with 401 and sets no cookie; a tampered cookie is no session', async () => {
    const res = await signIn(gateway.url, 'not-the-admin-key');
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_api_key');
    const good = cookieOf(await signIn(gateway.url));
    const tampered = good.replace(/gw_console=v1\.(\d)/, (_m, d: string) => `gw_console=v1.${(Number(d) + 1) % 10}`);
    expect(tampered).not.toBe(good);
    expect((await session(gateway.url, tampered)).signed_in).toBe(false);
    expect((await fetch(`${gateway.url}/admin/teams`, { headers: { cookie: tampered } })).status).toBe(401);
  });

  it('admits the cookie to the admin scope; changes need the CSRF token of that session', async () => {
    const cookie = cookieOf(await signIn(gateway.url));
    const { csrf_token } = await session(gateway.url, cookie);
    expect((await fetch(`${gateway.url}/admin/teams`, { headers: { cookie } })).status).toBe(200);
    const create = (headers: Record<string, string>) =>
      fetch(`${gateway.url}/admin/teams`, { method: 'POST', headers: { cookie, 'content-type': 'application/json', ...headers }, body: JSON.stringify({ name: 'from-cookie' }) });
    const missing = await create({});
    expect(missing.status).toBe(403);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('csrf_token_invalid');
    const otherSession = await session(gateway.url, cookieOf(await signIn(gateway.url)));
    expect(otherSession.csrf_token).not.toBe(csrf_token);
    expect((await create({ 'x-gateway-csrf': otherSession.csrf_token ?? '' })).status).toBe(403);
    expect((await create({ 'x-gateway-csrf': csrf_token ?? '' })).status).toBe(201);
  });

  it('signs out by clearing the cookie', async () => {
    const res = await fetch(`${gateway.url}/ui/api/session`, { method: 'DELETE', headers: { cookie: cookieOf(await signIn(gateway.url)) } });
    expect(res.status).toBe(204);
    expect(res.headers.get('set-cookie')).toMatch(/^gw_console=;.*Expires=Thu, 01 Jan 1970/);
  });

  it('shares sessions between gateways with the same CONSOLE_SESSION_SECRET, and only then', async () => {
    const cookie = cookieOf(await signIn(gateway.url));
    const twin = await startGateway({ env: { GATEWAY_ADMIN_KEY: ADMIN, CONSOLE_SESSION_SECRET: SECRET } });
    const stranger = await startGateway({ env: { GATEWAY_ADMIN_KEY: ADMIN } });
    try {
      expect((await fetch(`${twin.url}/admin/teams`, { headers: { cookie } })).status).toBe(200);
      expect((await fetch(`${stranger.url}/admin/teams`, { headers: { cookie } })).status).toBe(401);
    } finally {
      await Promise.all([twin.close(), stranger.close()]);
    }
  }, 90_000);
});

describe('a session expires', () => {
  it('is valid until its expiry and refused after it; a new admin key ends old sessions', async () => {
    const app = Fastify();
    const sessions = createConsoleSessions(ADMIN, SECRET);
    const rotated = createConsoleSessions(`${ADMIN}-rotated`, SECRET);
    await app.register(fastifyCookie);
    const start = Date.now();
    app.post('/start', (req, reply) => {
      sessions.start(req, reply, start);
      return reply.send('');
    });
    app.get('/check', (req) => ({ at: sessions.current(req, Number((req.query as { at: string }).at)) !== undefined, rotated: rotated.current(req, start) !== undefined }));
    const setCookie = (await app.inject({ method: 'POST', url: '/start' })).headers['set-cookie'];
    const cookie = String(Array.isArray(setCookie) ? setCookie[0] : setCookie).split(';')[0] ?? '';
    const check = async (at: number) => (await app.inject({ url: `/check?at=${at}`, headers: { cookie } })).json() as { at: boolean; rotated: boolean };
    expect(await check(start + 1000)).toEqual({ at: true, rotated: false });
    expect((await check(start + SESSION_SECONDS * 1000 - 1)).at).toBe(true);
    expect((await check(start + SESSION_SECONDS * 1000)).at).toBe(false);
    await app.close();
  });
});

describe('open mode and gating', () => {
  it('no keys on loopback: the console reads without sign-in, key management is absent, other Hosts are refused', async () => {
    const open = await startGateway({ env: {} });
    try {
      expect(await session(open.url)).toMatchObject({ signed_in: false, open_mode: true, admin_enabled: false, csrf_token: null });
      for (const path of ['/admin/overview?window=hour', '/admin/requests', '/admin/providers', '/admin/budgets', '/admin/spend?group_by=model']) {
        expect((await fetch(`${open.url}${path}`)).status, path).toBe(200);
      }
      expect((await fetch(`${open.url}/admin/keys`)).status).toBe(404);
      expect((await fetch(`${open.url}/admin/teams`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"x"}' })).status).toBe(404);
      expect((await signIn(open.url)).status).toBe(404);
      // fetch cannot set Host; inject can.
      const rebound = await open.app.inject({ url: '/admin/requests', headers: { host: 'attacker.example:8080' } });
      expect(rebound.statusCode).toBe(403);
      expect(rebound.json<{ error: { code: string } }>().error.code).toBe('open_mode_loopback_only');
      expect((await open.app.inject({ url: '/admin/requests', headers: { host: 'localhost:8080' } })).statusCode).toBe(200);
    } finally {
      await open.close();
    }
  }, 60_000);

  it('static keys without an admin key: no admin API (404) and nothing to sign in to', async () => {
    const keyed = await startGateway({ env: { GATEWAY_API_KEYS: 'static-key-0123456789' } });
    try {
      expect(await session(keyed.url)).toMatchObject({ signed_in: false, open_mode: false, admin_enabled: false });
      expect((await fetch(`${keyed.url}/admin/overview`, { headers: { authorization: 'Bearer static-key-0123456789' } })).status).toBe(404);
      expect((await signIn(keyed.url, 'static-key-0123456789')).status).toBe(404);
    } finally {
      await keyed.close();
    }
  }, 60_000);
});
