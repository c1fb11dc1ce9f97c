// METRICS_AUTH (issue 11, defect 1): with keys configured, /metrics and /health/providers can require a gateway key;
// off by default (as LiteLLM's /metrics); liveness and readiness always stay open for orchestrators.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { metricsNeedKey } from '../../src/http/plugins/metrics-auth.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

const KEY = 'gw-metrics-key-123456';

describe('metricsNeedKey', () => {
  it('asks for a key only when METRICS_AUTH is on and keys exist, and only on the two operator views', () => {
    const on = { metricsAuth: true, apiKeys: [KEY] };
    expect(metricsNeedKey(on, '/metrics')).toBe(true);
    expect(metricsNeedKey(on, '/health/providers')).toBe(true);
    expect(metricsNeedKey(on, '/health')).toBe(false);
    expect(metricsNeedKey(on, '/health/ready')).toBe(false);
    expect(metricsNeedKey({ metricsAuth: true, apiKeys: [] }, '/metrics')).toBe(false);
    expect(metricsNeedKey({ metricsAuth: false, apiKeys: [KEY] }, '/metrics')).toBe(false);
  });

  it('parses METRICS_AUTH, off by default, and names the variable when invalid', () => {
    const base = { DISCOVER_LOCAL_PROVIDERS: 'false' };
    expect(loadConfig(base).metricsAuth).toBe(false);
    expect(loadConfig({ ...base, METRICS_AUTH: 'true' }).metricsAuth).toBe(true);
    expect(() => loadConfig({ ...base, METRICS_AUTH: 'sometimes' })).toThrow(/METRICS_AUTH/);
  });
});

describe('a gateway with METRICS_AUTH=true', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway({ env: { GATEWAY_API_KEYS: KEY, METRICS_AUTH: 'true', MOCK_MODE: 'true' } });
  });
  afterAll(async () => gateway?.close());

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${gateway.url}${path}`, { headers });

  it.each(['/metrics', '/health/providers'])('%s answers 401 in the OpenAI shape without a key, 200 with one', async (path) => {
    const refused = await get(path);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('invalid_api_key');
    expect((await get(path, { authorization: `Bearer ${KEY}` })).status).toBe(200);
    expect((await get(path, { 'x-internal-auth': KEY })).status).toBe(200);
  });

  it('keeps /health and /health/ready open', async () => {
    expect((await get('/health')).status).toBe(200);
    expect([200, 503]).toContain((await get('/health/ready')).status);
  });
});
