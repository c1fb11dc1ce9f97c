// State under client-chosen model names (issue 11, defect 1): 60,000 distinct names once took the heap from 45 to
// 464 MB, /metrics to 168 MB and /health/providers to 7 MB. Per-model breakers, latency and metric labels stay bounded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Metrics } from '../../src/metrics.js';
import { MAX_UNLISTED_MODELS, OTHER_MODEL } from '../../src/metric-labels.js';
import { ProviderRegistry } from '../../src/providers/registry.js';
import { HealthTracker, MAX_DEPLOYMENTS } from '../../src/routing/health.js';
import { createDispatcher } from '../../src/upstream/http.js';
import { startFakeOpenAI, type FakeUpstream } from '../fakes/openai-upstream.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { sample } from '../routing/helpers.js';

const NAMES = 60_000;
const writerStats = { queued: 0, spilled: 0, degraded: false, written: 0, dropped: 0, rejected: 0, failures: 0 };

describe('60,000 distinct model names, straight through the tracker and the metrics', () => {
  it('keeps at most MAX_DEPLOYMENTS deployments, and an open circuit survives the flood', () => {
    const health = new HealthTracker({ failureThreshold: 2, failureRatio: 0.5, minRequests: 10, windowMs: 60_000, cooldownMs: 60_000 });
    for (let i = 0; i < 2; i++) {
      health.tryAcquire('openai', 'gpt-4o');
      health.onFailure('openai', 'gpt-4o', 'boom');
    }
    for (let n = 0; n < NAMES; n++) {
      const model = `ok-${n}`;
      expect(health.tryAcquire('openai', model)).toBe(true);
      if (n % 3 === 0) health.onFailure('openai', model, 'upstream 500');
      else health.onSuccess('openai', model, 12);
      // Read-only questions never create state.
      health.isAvailable('openai', `never-${n}`);
      health.retryAfterMs('openai', `never-${n}`);
      health.latency('openai', `never-${n}`);
    }
    expect(health.size).toBeLessThanOrEqual(MAX_DEPLOYMENTS);
    expect(health.deploymentsOf('openai').length).toBeLessThanOrEqual(MAX_DEPLOYMENTS);
    expect(health.isAvailable('openai', 'gpt-4o')).toBe(false);
    expect(health.deploymentsOf('openai').find((d) => d.model === 'gpt-4o')?.state).toBe('open');
  });

  it('labels unlisted names `other` past a small number per provider, so the scrape stays small', async () => {
    const dispatcher = createDispatcher({ useEnvProxy: false });
    const registry = ProviderRegistry.fromConfigs([{ id: 'openai', type: 'mock', baseUrl: '', models: ['gpt-4o'] }], { dispatcher });
    const health = new HealthTracker();
    const metrics = new Metrics(false);
    metrics.models.useCatalogue(registry);
    const target = (model: string) => ({ provider: 'openai', model, weight: 1 });
    for (let n = 0; n < NAMES; n++) {
      const model = n % 10 === 0 ? 'gpt-4o' : `ok-${n}`;
      health.tryAcquire('openai', model);
      health.onSuccess('openai', model, 5);
      metrics.attempt({ provider: 'openai', model, startedAt: new Date(), latencyMs: 5, status: 200 }, 'success');
      metrics.requests.inc({ route: '/v1/chat/completions', provider: 'openai', model, status: '200' });
      metrics.tokens.inc({ provider: 'openai', model, kind: 'prompt' }, 3);
      metrics.ttft.observe({ provider: 'openai', model }, 0.01);
      metrics.streamErrors.inc({ provider: 'openai', model });
      metrics.retry(target(model));
      metrics.fallback(target(model), target('gpt-4o'));
    }
    metrics.sync(writerStats, health, registry);
    const text = await metrics.registry.metrics();
    expect(text.length).toBeLessThan(400_000);
    const models = new Set([...text.matchAll(/model="([^"]*)"/g)].map((m) => m[1]));
    expect(models.size).toBeLessThanOrEqual(MAX_UNLISTED_MODELS + 2);
    expect(sample(text, 'gateway_requests_total', { model: 'gpt-4o' })).toBe(NAMES / 10);
    expect(sample(text, 'gateway_requests_total', { model: OTHER_MODEL })).toBe(NAMES - NAMES / 10 - MAX_UNLISTED_MODELS);
    expect(sample(text, 'gateway_requests_total')).toBe(NAMES);
    await dispatcher.close();
  });
});

describe('a few thousand names through the gateway', () => {
  const COUNT = 1_200; // past MAX_DEPLOYMENTS, so the bound is what keeps the report small
  let fake: FakeUpstream;
  let gateway: TestGateway;

  beforeAll(async () => {
    fake = await startFakeOpenAI({ models: ['gpt-4o'] });
    gateway = await startGateway({ env: { OPENAI_API_KEY: 'sk-test-bounded', OPENAI_BASE_URL: fake.baseUrl, LOG_BODIES: 'false' } });
  });
  afterAll(async () => {
    await gateway?.close();
    await fake?.close();
  });

  it('keeps /metrics and /health/providers small', async () => {
    let next = 0;
    const worker = async () => {
      while (next < COUNT) {
        const n = next++;
        const res = await fetch(`${gateway.baseURL}/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: `openai/ok-${n}`, messages: [{ role: 'user', content: 'hi' }] }),
        });
        expect(res.status).toBe(200);
        await res.arrayBuffer();
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    const report = await (await fetch(`${gateway.url}/health/providers`)).text();
    const circuits = (JSON.parse(report) as { providers: Array<{ id: string; circuits: unknown[] }> }).providers.find((p) => p.id === 'openai')?.circuits;
    expect(sample(metrics, 'gateway_requests_total', { provider: 'openai' })).toBe(COUNT);
    expect(metrics.length).toBeLessThan(150_000);
    expect(circuits?.length).toBeLessThanOrEqual(MAX_DEPLOYMENTS);
    expect(report.length).toBeLessThan(200_000);
  }, 120_000);
});
