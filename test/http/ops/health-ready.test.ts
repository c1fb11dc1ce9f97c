// Readiness takes a replica out of rotation only when nothing can serve: a log store that is down while the writer
// keeps the entries marks it degraded (200); no usable provider is 503, whatever the store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../src/app.js';
import { createLogger } from '../../../src/logger.js';
import type { LogStore } from '../../../src/request-log/store.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startGateway({ env: { MOCK_MODE: 'true', MOCK_DELAY_MS: '1' } });
});
afterAll(() => gateway?.close());

/** The same services with a log store whose ping fails (the database is down). */
function withStoreDown(usable = true) {
  const logStore = Object.create(gateway.services.logStore) as LogStore;
  logStore.ping = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
  const health = Object.create(gateway.services.health) as typeof gateway.services.health;
  if (!usable) health.isProviderUsable = () => false;
  return buildApp({ ...gateway.services, logStore, health }, createLogger('silent'));
}

describe('/health/ready', () => {
  it('is ready when everything is', async () => {
    const res = await fetch(`${gateway.url}/health/ready`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ready', checks: { log_store: { ok: true }, providers: { ok: true } } });
  });

  it('stays 200 with the store marked degraded while the log store is down', async () => {
    const app = withStoreDown();
    try {
      const res = await app.inject({ method: 'GET', url: '/health/ready' });
      expect(res.statusCode).toBe(200);
      const body = res.json<{ status: string; checks: { log_store: { ok: boolean; degraded: boolean; detail: string } } }>();
      expect(body.status).toBe('degraded');
      expect(body.checks.log_store).toMatchObject({ ok: false, degraded: true });
      expect(body.checks.log_store.detail).toMatch(/unreachable .*ECONNREFUSED.*requests are served/);
      // And it does serve.
      const chat = await app.inject({ method: 'POST', url: '/v1/chat/completions', payload: { model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] } });
      expect(chat.statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('answers 503 when no provider can serve, store up or down', async () => {
    const app = withStoreDown(false);
    try {
      const res = await app.inject({ method: 'GET', url: '/health/ready' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ status: 'not_ready', checks: { providers: { ok: false } } });
    } finally {
      await app.close();
    }
  });
});
