// Active probes and local discovery against fakes: Ollama and LM Studio found (and dropped) at the injected URLs,
// a failed probe marks the provider down (skipped by the router, 503 with Retry-After; /health/ready 503 when
// nothing is left), and /health/providers reports it all.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openAIErrorBody, startFakeOpenAI, type FakeUpstream } from '../fakes/openai-upstream.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { GatewayError } from '../../src/errors.js';
import { isUnreachable, Prober } from '../../src/routing/prober.js';
import { sample, scrape } from './helpers.js';

let cloud: FakeUpstream;
let ollama: FakeUpstream;
let lmstudio: FakeUpstream;
let gateway: TestGateway;
let prober: Prober;
const INTERVAL_MS = 30_000;

beforeAll(async () => {
  cloud = await startFakeOpenAI({ models: ['gpt-4o-mini'] });
  ollama = await startFakeOpenAI({ mode: 'ollama', models: ['llama3.2:latest'] });
  lmstudio = await startFakeOpenAI({ models: ['qwen-local'] });
  gateway = await startGateway({ env: { OPENAI_API_KEY: 'sk-test-prober', OPENAI_BASE_URL: cloud.baseUrl } });
  const { registry, health, metrics, config } = gateway.services;
  prober = new Prober(registry, health, {
    intervalMs: INTERVAL_MS,
    discoverLocal: true,
    localUrls: { ollama: ollama.url, lmstudio: lmstudio.baseUrl },
    configuredTypes: new Set(config.providers.map((p) => p.type)),
    metrics,
  });
});

afterAll(async () => {
  await prober?.stop();
  await gateway?.close();
  await Promise.all([cloud?.close(), ollama?.close(), lmstudio?.close()]);
});

beforeEach(() => {
  for (const fake of [cloud, ollama, lmstudio]) fake.reset();
});

interface Report {
  providers: Array<{ id: string; type: string; state: string; last_probe: { at: string; ok: boolean; latency_ms: number; error: string | null } | null; last_error: string | null; models_count: number }>;
}

async function report(): Promise<Report['providers']> {
  return ((await (await fetch(`${gateway.url}/health/providers`)).json()) as Report).providers;
}

async function chat(model: string) {
  return fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'ping' }] }),
  });
}

describe('local discovery', () => {
  it('finds Ollama (GET /api/version) and LM Studio (GET /v1/models) and serves them', async () => {
    expect(gateway.services.registry.has('ollama')).toBe(false);
    await prober.runOnce();
    expect(ollama.requests.some((r) => r.method === 'GET' && r.path === '/api/version')).toBe(true);
    expect(lmstudio.requests.some((r) => r.method === 'GET' && r.path === '/v1/models')).toBe(true);
    expect(gateway.services.registry.get('ollama')?.type).toBe('ollama');
    expect(gateway.services.registry.get('lmstudio')?.type).toBe('lmstudio');

    const ids = ((await (await fetch(`${gateway.baseURL}/models`)).json()) as { data: Array<{ id: string }> }).data.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining(['ollama/llama3.2:latest', 'lmstudio/qwen-local', 'openai/gpt-4o-mini']));
    const answer = await chat('ollama/llama3.2:latest');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-gateway-provider')).toBe('ollama');

    const providers = await report();
    for (const id of ['ollama', 'lmstudio', 'openai']) {
      const entry = providers.find((p) => p.id === id);
      expect(entry, id).toMatchObject({ state: 'healthy', last_probe: { ok: true, error: null }, last_error: null, models_count: 1 });
      expect(Date.parse(entry!.last_probe!.at)).toBeGreaterThan(Date.now() - 60_000);
      expect(entry!.last_probe!.latency_ms).toBeGreaterThanOrEqual(0);
    }
    expect(sample(await scrape(gateway.url), 'gateway_provider_up', { provider: 'ollama' })).toBe(1);
  });

  it('drops a discovered server that stops answering like itself, and finds it again when it is back', async () => {
    lmstudio.enqueue({ status: 500, json: openAIErrorBody('gone', 'api_error') }, { method: 'GET', path: '/models' });
    await prober.runOnce();
    expect(gateway.services.registry.has('lmstudio')).toBe(false);
    expect((await report()).map((p) => p.id)).not.toContain('lmstudio');
    expect(gateway.services.registry.has('ollama')).toBe(true);
    await prober.runOnce();
    expect(gateway.services.registry.has('lmstudio')).toBe(true);
  });

  it('never discovers a type that is configured explicitly', async () => {
    const { registry, health } = gateway.services;
    const other = new Prober(registry, health, {
      intervalMs: 0,
      discoverLocal: true,
      localUrls: { ollama: ollama.url, lmstudio: lmstudio.baseUrl },
      configuredTypes: new Set(['ollama', 'lmstudio'] as const),
    });
    await other.runOnce();
    // One GET each: the probe of the registered provider. Discovery would have added a second.
    expect(ollama.requests.filter((r) => r.path === '/api/version')).toHaveLength(1);
    expect(lmstudio.requests.filter((r) => r.path === '/v1/models')).toHaveLength(1);
    ollama.reset();
    await prober.runOnce();
    expect(ollama.requests.filter((r) => r.path === '/api/version')).toHaveLength(2);
    await other.stop();
  });
});

describe('probes', () => {
  it('a failed probe marks the provider down: skipped with 503 + Retry-After until a probe succeeds', async () => {
    cloud.enqueue({ status: 503, json: openAIErrorBody('maintenance', 'api_error') }, { method: 'GET', path: '/models' });
    await prober.runOnce();
    const openai = (await report()).find((p) => p.id === 'openai');
    expect(openai).toMatchObject({ state: 'down', last_probe: { ok: false, error: expect.stringMatching(/maintenance/) }, last_error: expect.stringMatching(/maintenance/) });
    expect(sample(await scrape(gateway.url), 'gateway_provider_up', { provider: 'openai' })).toBe(0);

    const refused = await chat('openai/gpt-4o-mini');
    expect(refused.status).toBe(503);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(INTERVAL_MS / 1000 - 5);
    expect(retryAfter).toBeLessThanOrEqual(INTERVAL_MS / 1000);
    expect(cloud.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
    // Other providers are usable, so the gateway is still ready.
    expect((await fetch(`${gateway.url}/health/ready`)).status).toBe(200);

    await prober.runOnce();
    expect((await chat('openai/gpt-4o-mini')).status).toBe(200);
    expect((await report()).find((p) => p.id === 'openai')?.state).toBe('healthy');
  });

  it('/health/ready answers 503 naming the failures when no provider is usable, 200 once one is', async () => {
    cloud.enqueue({ status: 500, json: openAIErrorBody('down', 'api_error') }, { method: 'GET', path: '/models' });
    ollama.enqueue({ status: 500, json: openAIErrorBody('down', 'api_error') }, { method: 'GET', path: '/api/version' });
    lmstudio.enqueue({ status: 500, json: openAIErrorBody('down', 'api_error') }, { method: 'GET', path: '/models' });
    await prober.runOnce();
    expect(gateway.services.registry.all().map((p) => p.id)).toEqual(['openai']);
    const notReady = await fetch(`${gateway.url}/health/ready`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toMatchObject({
      status: 'not_ready',
      checks: { log_store: { ok: true }, providers: { ok: false, detail: expect.stringMatching(/openai .*down/) } },
    });
    await prober.runOnce();
    expect((await fetch(`${gateway.url}/health/ready`)).status).toBe(200);
  });

  it('runs on its interval until stopped', async () => {
    const { registry, health } = gateway.services;
    const fast = new Prober(registry, health, { intervalMs: 40, discoverLocal: false, configuredTypes: new Set() });
    await fast.start();
    await cloud.waitForRequests(3, 2000);
    await fast.stop();
    const count = cloud.requests.length;
    await new Promise((r) => setTimeout(r, 120));
    expect(cloud.requests.length).toBe(count);
    expect(cloud.requests.every((r) => r.method === 'GET' && r.path === '/v1/models')).toBe(true);
  });

  it('counts only a dead server, a 5xx, a malformed answer or a rejected key as down', () => {
    const status = (s: number) => new GatewayError({ status: 502, message: 'x', upstreamStatus: s });
    expect(isUnreachable(new GatewayError({ status: 502, message: 'ECONNREFUSED', code: 'upstream_connection_error' }))).toBe(true);
    expect(isUnreachable(status(500))).toBe(true);
    expect(isUnreachable(status(401))).toBe(true);
    // A restricted key that may not list models, a server without /models, a rate limit: alive.
    expect(isUnreachable(status(403))).toBe(false);
    expect(isUnreachable(status(404))).toBe(false);
    expect(isUnreachable(status(429))).toBe(false);
  });
});
