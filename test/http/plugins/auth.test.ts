// The auth plugin guards the keyed scope only: every proxied and keyed route needs a key (Bearer, X-Internal-Auth
// or X-API-Key, as Anthropic's SDKs send it), refused before the body is read; health, metrics and the API
// description stay open.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';

const KEY = 'gw-auth-key-1234567';
let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startGateway({ env: { MOCK_MODE: 'true', MOCK_DELAY_MS: '1', GATEWAY_API_KEYS: KEY } });
});
afterAll(() => gateway?.close());

const chat = (headers: Record<string, string>, body = JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] })) =>
  gateway.app.inject({ method: 'POST', url: '/v1/chat/completions', headers: { 'content-type': 'application/json', ...headers }, payload: body });

describe('auth plugin', () => {
  it('accepts the key as Bearer, X-Internal-Auth or X-API-Key', async () => {
    expect((await chat({ authorization: `Bearer ${KEY}` })).statusCode).toBe(200);
    expect((await chat({ 'x-internal-auth': KEY })).statusCode).toBe(200);
    expect((await chat({ 'x-api-key': KEY })).statusCode).toBe(200);
  });

  it('refuses a missing or wrong key with 401 before reading the body', async () => {
    const missing = await chat({}, '{not json');
    expect(missing.statusCode).toBe(401);
    expect(missing.json()).toMatchObject({ error: { code: 'invalid_api_key' } });
    expect((await chat({ 'x-api-key': 'nope-nope-nope' })).statusCode).toBe(401);
  });

  it('guards every keyed route and leaves the open ones open', async () => {
    for (const url of ['/v1/models', '/v1/llm/models', '/api/history']) expect((await gateway.app.inject({ url })).statusCode, url).toBe(401);
    for (const url of ['/v1/embeddings', '/api/ask', '/api/streaming']) expect((await gateway.app.inject({ method: 'POST', url, payload: {} })).statusCode, url).toBe(401);
    for (const url of ['/health', '/health/ready', '/health/providers', '/metrics', '/openapi.json']) expect((await gateway.app.inject({ url })).statusCode, url).toBe(200);
  });
});
