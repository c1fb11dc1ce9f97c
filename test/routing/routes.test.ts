// Which deployments a request may use: the LLM_PROVIDERS shorthand (with OLLAMA_MODEL as the local fallback), the
// x-gateway-fallback header, and config-file aliases with fallback, loadbalance (weights), least-latency and
// capability filtering, all through the gateway against fakes.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { completionBody, openAIErrorBody, startFakeOpenAI, type FakeUpstream } from '../fakes/openai-upstream.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { writeGatewayConfig } from './helpers.js';

async function post(gateway: TestGateway, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const res = await fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'hello' }], ...body }),
  });
  const text = await res.text();
  return { status: res.status, provider: res.headers.get('x-gateway-provider'), model: res.headers.get('x-gateway-model'), attempts: res.headers.get('x-gateway-attempts'), id: res.headers.get('x-request-id')!, text };
}

let cloud: FakeUpstream;
let ollama: FakeUpstream;
let fakeA: FakeUpstream;
let fakeB: FakeUpstream;
let slow: FakeUpstream;
let gateway: TestGateway;

// One gateway for everything here: the env shorthand (LLM_PROVIDERS) applies to provider/model names, the config
// file's aliases to theirs.
beforeAll(async () => {
  cloud = await startFakeOpenAI({ models: ['gpt-4o-mini', 'gpt-4o'] });
  ollama = await startFakeOpenAI({ mode: 'ollama', models: ['llama3.2', 'qwen3:8b'] });
  fakeA = await startFakeOpenAI({ models: ['m'] });
  fakeB = await startFakeOpenAI({ models: ['m'] });
  slow = await startFakeOpenAI({ models: ['m'] });
  slow.setDefault(() => ({ delayMs: 80, json: completionBody({ content: 'slow', model: 'm' }) }));
  const config = writeGatewayConfig({
    providers: [
      { id: 'a', type: 'openai-compatible', base_url: fakeA.baseUrl },
      { id: 'b', type: 'openai-compatible', base_url: fakeB.baseUrl },
      { id: 'quick', type: 'openai-compatible', base_url: fakeB.baseUrl },
      { id: 'slow', type: 'openai-compatible', base_url: slow.baseUrl },
      // DeepSeek's preset declares no image input and no json_schema; the mock declares no tools.
      { id: 'weak', type: 'deepseek', base_url: fakeA.baseUrl },
      { id: 'mock', type: 'mock' },
    ],
    models: [
      { name: 'lb', strategy: 'loadbalance', targets: [{ model: 'a/m', weight: 3 }, { model: 'b/m', weight: 1 }] },
      { name: 'fast', strategy: 'least-latency', targets: ['slow/m', 'quick/m'] },
      { name: 'cap', targets: ['weak/deepseek-chat', 'a/m'] },
      { name: 'cap-tools', targets: ['mock/echo', 'a/m'] },
      { name: 'local-only', targets: ['lmstudio/qwen'] },
    ],
  });
  gateway = await startGateway({
    env: {
      GATEWAY_CONFIG: config,
      OPENAI_API_KEY: 'sk-test-shorthand',
      OPENAI_BASE_URL: cloud.baseUrl,
      OLLAMA_BASE_URL: ollama.url,
      OLLAMA_MODEL: 'llama3.2',
      LLM_PROVIDERS: 'openai,ollama',
      ROUTING_RETRIES: '0',
    },
  });
});

afterAll(async () => {
  await gateway?.close();
  await Promise.all([cloud, ollama, fakeA, fakeB, slow].map((f) => f?.close()));
});

describe('LLM_PROVIDERS shorthand and the x-gateway-fallback header', () => {
  beforeEach(() => {
    cloud.reset();
    ollama.reset();
  });

  const posts = (fake: FakeUpstream) => fake.requests.filter((r) => r.method === 'POST');

  it('openai/gpt-4o failing falls back to ollama/llama3.2, not to another OpenAI model', async () => {
    // With the model lists cached, OpenAI's own first model would be at hand: it must still not be a fallback.
    expect((await fetch(`${gateway.baseURL}/models`)).status).toBe(200);
    cloud.reset();
    cloud.enqueue({ status: 500, json: openAIErrorBody('openai is down', 'api_error') });
    const res = await post(gateway, { model: 'openai/gpt-4o' });
    expect(res).toMatchObject({ status: 200, provider: 'ollama', model: 'ollama/llama3.2', attempts: '2' });
    expect(posts(ollama)[0]?.body).toMatchObject({ model: 'llama3.2' });
    expect(posts(cloud).map((r) => (r.body as { model: string }).model)).toEqual(['gpt-4o']);
    await gateway.flushLogs();
    const { attempts } = await gateway.services.logStore.byId(res.id);
    expect(attempts.map((a) => [a.provider, a.model, a.status])).toEqual([
      ['openai', 'gpt-4o', 500],
      ['ollama', 'llama3.2', 200],
    ]);
  });

  it('streams fall back the same way, and a bare model name gets the shorthand too', async () => {
    cloud.enqueue({ status: 503, json: openAIErrorBody('overloaded', 'api_error') });
    const res = await post(gateway, { model: 'gpt-4o', stream: true });
    expect(res).toMatchObject({ status: 200, provider: 'ollama', attempts: '2' });
    expect(res.text).toContain('data: [DONE]');
  });

  it('when the primary answers, nothing else is tried', async () => {
    const res = await post(gateway, { model: 'openai/gpt-4o' });
    expect(res).toMatchObject({ status: 200, provider: 'openai', attempts: '1' });
    expect(posts(ollama)).toHaveLength(0);
  });

  it('x-gateway-fallback overrides the order per request; `none` turns fallback off', async () => {
    cloud.enqueue({ status: 500, json: openAIErrorBody('down', 'api_error') });
    const named = await post(gateway, { model: 'openai/gpt-4o' }, { 'x-gateway-fallback': 'ollama/qwen3:8b' });
    expect(named).toMatchObject({ status: 200, provider: 'ollama', model: 'ollama/qwen3:8b', attempts: '2' });

    cloud.enqueue({ status: 500, json: openAIErrorBody('down', 'api_error') });
    const none = await post(gateway, { model: 'openai/gpt-4o' }, { 'x-gateway-fallback': 'none' });
    expect(none).toMatchObject({ status: 502, attempts: '1', provider: 'openai' });
    expect(JSON.parse(none.text)).toMatchObject({ error: { type: 'api_error', message: expect.stringMatching(/openai: down/) } });
  });

  it('LLM_FALLBACK_ENABLED=false keeps LLM_PROVIDERS from adding fallbacks', async () => {
    gateway.config.fallbackEnabled = false; // what LLM_FALLBACK_ENABLED=false sets; the resolver reads it per request
    try {
      cloud.enqueue({ status: 500, json: openAIErrorBody('down', 'api_error') });
      expect(await post(gateway, { model: 'openai/gpt-4o' })).toMatchObject({ status: 502, attempts: '1' });
      expect(posts(ollama)).toHaveLength(0);
    } finally {
      gateway.config.fallbackEnabled = true;
    }
  });
});

describe('config-file aliases', () => {
  it('loadbalance spreads requests by weight (3:1 over 100 requests, within ±20, over 4 standard deviations)', async () => {
    const counts: Record<string, number> = {};
    for (let i = 0; i < 100; i++) {
      const res = await post(gateway, { model: 'lb' });
      expect(res.status).toBe(200);
      counts[res.provider!] = (counts[res.provider!] ?? 0) + 1;
    }
    expect(counts.a! + counts.b!).toBe(100);
    expect(Math.abs(counts.a! - 75)).toBeLessThanOrEqual(20);
  });

  it('least-latency measures each deployment once, then prefers the faster one', async () => {
    const order: string[] = [];
    for (let i = 0; i < 6; i++) order.push((await post(gateway, { model: 'fast' })).provider!);
    expect(order).toEqual(['slow', 'quick', 'quick', 'quick', 'quick', 'quick']);
  });

  it('capability routing: images and json_schema skip a target that cannot take them; tools skip the mock', async () => {
    const image = { role: 'user', content: [{ type: 'text', text: 'what is this' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] };
    expect(await post(gateway, { model: 'cap', messages: [image] })).toMatchObject({ status: 200, provider: 'a', attempts: '1' });
    expect(await post(gateway, { model: 'cap', response_format: { type: 'json_schema', json_schema: { name: 'r', schema: { type: 'object' } } } })).toMatchObject({ provider: 'a', attempts: '1' });
    expect(await post(gateway, { model: 'cap' })).toMatchObject({ status: 200, provider: 'weak' });

    const tools = [{ type: 'function', function: { name: 'w', parameters: { type: 'object', properties: {} } } }];
    expect(await post(gateway, { model: 'cap-tools', tools })).toMatchObject({ status: 200, provider: 'a', attempts: '1' });
    expect(await post(gateway, { model: 'cap-tools' })).toMatchObject({ status: 200, provider: 'mock' });
  });

  it('an alias whose only provider is not there (a local server not detected) answers 503 with Retry-After', async () => {
    const res = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'local-only', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBeTruthy();
    expect(await res.json()).toMatchObject({ error: { code: 'no_provider_available' } });
  });
});
