// RATE_LIMIT_RPM: a token bucket per gateway key (per client address without keys) behind the state port; 429
// rate_limit_exceeded with Retry-After, keys independent, health and metrics never limited.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestLogs } from '../../../src/request-log/schema.js';
import { buildApp } from '../../../src/app.js';
import { createLogger } from '../../../src/logger.js';
import { RequestRateLimit } from '../../../src/http/plugins/rate-limit.js';
import { createMemoryState } from '../../../src/state/memory.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';

describe('RequestRateLimit on the state port (injected clock)', () => {
  const limiterAt = (perMinute: number, clock: { now: number }) => new RequestRateLimit(createMemoryState({ now: () => clock.now }), perMinute);

  it('allows a burst of the full minute, then refills at rpm/60 per second', async () => {
    const clock = { now: 1_000_000 };
    const limiter = limiterAt(60, clock);
    for (let i = 0; i < 60; i++) expect((await limiter.take('a')).allowed).toBe(true);
    const denied = await limiter.take('a');
    expect(denied).toMatchObject({ allowed: false, remaining: 0, retryAfter: 1 });
    clock.now += 1_000; // one token back
    expect(await limiter.take('a')).toMatchObject({ allowed: true, remaining: 0 });
    expect((await limiter.take('a')).allowed).toBe(false);
    expect(await limiter.take('b')).toMatchObject({ allowed: true, remaining: 59 });
  });

  it('says how long to wait, in whole seconds', async () => {
    const clock = { now: 0 };
    const limiter = limiterAt(2, clock);
    await limiter.take('k');
    await limiter.take('k');
    expect(await limiter.take('k')).toMatchObject({ allowed: false, retryAfter: 30 });
    clock.now += 29_500;
    expect(await limiter.take('k')).toMatchObject({ allowed: false, retryAfter: 1 });
    clock.now += 500;
    expect((await limiter.take('k')).allowed).toBe(true);
  });
});

const KEY_A = 'gw-key-alpha-1234567';
const KEY_B = 'gw-key-bravo-7654321';

describe('rate limit on the gateway', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway({ env: { MOCK_MODE: 'true', MOCK_DELAY_MS: '1', RATE_LIMIT_RPM: '2', GATEWAY_API_KEYS: `${KEY_A},${KEY_B}` } });
  });
  afterAll(() => gateway?.close());

  const chat = (base: TestGateway, headers: Record<string, string>, stream = false) =>
    fetch(`${base.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ model: 'mock/echo', stream, messages: [{ role: 'user', content: 'hi' }] }),
    });

  it('limits each key on its own: 429 with Retry-After and an OpenAI body', async () => {
    const first = await chat(gateway, { authorization: `Bearer ${KEY_A}` });
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-limit-requests')).toBe('2');
    expect(first.headers.get('x-ratelimit-remaining-requests')).toBe('1');
    // Streamed replies are written straight to the socket; they carry the headers too.
    const second = await chat(gateway, { 'x-internal-auth': KEY_A }, true);
    expect(second.status).toBe(200);
    expect(second.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    await second.text();

    const third = await chat(gateway, { authorization: `Bearer ${KEY_A}` });
    expect(third.status).toBe(429);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThanOrEqual(29);
    expect(Number(third.headers.get('retry-after'))).toBeLessThanOrEqual(30);
    expect(await third.json()).toMatchObject({ error: { type: 'rate_limit_error', code: 'rate_limit_exceeded', param: null } });
    // Also GET routes under /v1.
    expect((await fetch(`${gateway.baseURL}/models`, { headers: { authorization: `Bearer ${KEY_A}` } })).status).toBe(429);

    // Key B has its own bucket.
    expect((await chat(gateway, { authorization: `Bearer ${KEY_B}` })).status).toBe(200);
    expect((await chat(gateway, { authorization: `Bearer ${KEY_B}` })).status).toBe(200);
    expect((await chat(gateway, { authorization: `Bearer ${KEY_B}` })).status).toBe(429);

    // A wrong key is refused by auth (401), not counted against anyone.
    expect((await chat(gateway, { authorization: 'Bearer nope-nope-nope' })).status).toBe(401);
    // Health and metrics are never limited.
    for (let i = 0; i < 3; i++) expect((await fetch(`${gateway.url}/health`)).status).toBe(200);
    expect((await fetch(`${gateway.url}/metrics`)).status).toBe(200);
  });

  // Issue 14's contract: a refusal is a log row (429, its code, cost 0), so spend and the console see it.
  it('refused requests never reach a provider and are logged once, as refusals that cost nothing', async () => {
    await gateway.flushLogs();
    const limited = await chat(gateway, { authorization: `Bearer ${KEY_A}`, 'x-request-id': 'limited-1' });
    expect(limited.status).toBe(429);
    await gateway.flushLogs();
    const { request, attempts } = await gateway.services.logStore.byId('limited-1');
    expect(request).toMatchObject({ status: 429, errorCode: 'rate_limit_exceeded', costUsd: 0 });
    expect(attempts).toEqual([]);
    const rows = await gateway.services.logStore.database.db.select().from(requestLogs).where(eq(requestLogs.xRequestId, 'limited-1'));
    expect(rows).toHaveLength(1);
  });

  it('without keys, limits per client address', async () => {
    // The same services behind an open app (no keys), 1 request per minute.
    const open = buildApp({ ...gateway.services, config: { ...gateway.config, apiKeys: [], rateLimitRpm: 1 } }, createLogger('silent'));
    try {
      const ask = (remoteAddress: string) =>
        open.inject({ method: 'POST', url: '/v1/chat/completions', remoteAddress, payload: { model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] } });
      expect((await ask('10.0.0.1')).statusCode).toBe(200);
      const limited = await ask('10.0.0.1');
      expect(limited.statusCode).toBe(429);
      expect(limited.headers['retry-after']).toBe('60');
      expect((await ask('10.0.0.2')).statusCode).toBe(200);
    } finally {
      await open.close();
    }
  });
});
