// CORS is off by default (no Access-Control-* header on anything); with CORS_ORIGINS set, allowed origins get the
// headers, preflights are answered without auth, and other origins still get none.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../src/app.js';
import { loadConfig, type Config } from '../../../src/config.js';
import { createLogger } from '../../../src/logger.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';

const KEY = 'gw-cors-key-123456';
const APP = 'https://app.example.com';

const corsHeaders = (res: Response) => [...res.headers.keys()].filter((h) => h.startsWith('access-control-'));

const preflight = (gateway: TestGateway, origin: string) =>
  fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, x-stainless-os' },
  });

const chat = (gateway: TestGateway, origin: string, stream = false) =>
  fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { origin, authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'mock/echo', stream, messages: [{ role: 'user', content: 'hi' }] }),
  });

/** The same services behind an app built with other settings (no second log store to start). */
function variant(base: TestGateway, change: Partial<Config>): FastifyInstance {
  return buildApp({ ...base.services, config: { ...base.config, ...change } }, createLogger('silent'));
}

describe('CORS', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway({ env: { MOCK_MODE: 'true', MOCK_DELAY_MS: '1', GATEWAY_API_KEYS: KEY, CORS_ORIGINS: `${APP}/, http://localhost:5173` } });
  });
  afterAll(() => gateway?.close());

  it('is off by default: no CORS header on requests or preflights', async () => {
    const off = loadConfig({ GATEWAY_API_KEYS: KEY });
    expect(off.corsOrigins).toEqual([]);
    const app = variant(gateway, { corsOrigins: off.corsOrigins });
    try {
      const res = await app.inject({ method: 'POST', url: '/v1/chat/completions', headers: { origin: APP, authorization: `Bearer ${KEY}` }, payload: { model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] } });
      expect(res.statusCode).toBe(200);
      expect(Object.keys(res.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
      const pre = await app.inject({ method: 'OPTIONS', url: '/v1/chat/completions', headers: { origin: APP, 'access-control-request-method': 'POST' } });
      expect(pre.statusCode).not.toBe(204);
      expect(Object.keys(pre.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('answers a preflight from an allowed origin with 204, before auth', async () => {
    const res = await preflight(gateway, APP);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(res.headers.get('access-control-allow-headers')).toBe('authorization, content-type, x-stainless-os');
    expect(Number(res.headers.get('access-control-max-age'))).toBeGreaterThan(0);
    expect(res.headers.get('vary')).toMatch(/origin/i);
  });

  it('adds the headers to JSON and streamed responses, and to errors', async () => {
    const json = await chat(gateway, APP);
    expect(json.status).toBe(200);
    expect(json.headers.get('access-control-allow-origin')).toBe(APP);
    expect(json.headers.get('access-control-expose-headers')).toContain('x-request-id');
    const stream = await chat(gateway, 'http://localhost:5173', true);
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    expect(stream.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    await stream.text();
    const denied = await fetch(`${gateway.baseURL}/models`, { headers: { origin: APP } });
    expect(denied.status).toBe(401);
    expect(denied.headers.get('access-control-allow-origin')).toBe(APP);
  });

  it('gives other origins nothing', async () => {
    const pre = await preflight(gateway, 'https://evil.example');
    expect(pre.status).not.toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    const res = await chat(gateway, 'https://evil.example');
    expect(res.status).toBe(200); // CORS is enforced by browsers; the server only withholds the permission
    expect(corsHeaders(res)).toEqual([]);
  });

  it("'*' allows any origin", async () => {
    const app = variant(gateway, { corsOrigins: ['*'] });
    try {
      const pre = await app.inject({ method: 'OPTIONS', url: '/v1/chat/completions', headers: { origin: 'https://whatever.example', 'access-control-request-method': 'POST' } });
      expect(pre.statusCode).toBe(204);
      expect(pre.headers['access-control-allow-origin']).toBe('*');
      expect(pre.headers['access-control-allow-headers']).toContain('authorization');
    } finally {
      await app.close();
    }
  });
});
