// The seeds' success metrics in /metrics: fallback switch time (failed attempt's end → the fallback's first byte),
// probe success rate per provider, and request latency per provider (labelled by provider only).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FakeUpstream } from '../../fakes/openai-upstream.js';
import { openAIErrorBody } from '../../fakes/openai-upstream.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { sample, scrape, startPrimaryAndFallback, writeGatewayConfig } from '../../routing/helpers.js';
import { Prober } from '../../../src/routing/prober.js';

let primary: FakeUpstream;
let fallback: FakeUpstream;
let gateway: TestGateway;
const FALLBACK_DELAY_MS = 150;

beforeAll(async () => {
  let providers: object[];
  ({ primary, fallback, providers } = await startPrimaryAndFallback());
  const config = writeGatewayConfig({
    providers,
    models: [{ name: 'primary', strategy: 'fallback', targets: ['primary/p-model', 'fallback/f-model'] }],
    routing: { retries: 0 },
    breaker: { failure_threshold: 1000, min_requests: 1000 },
  });
  gateway = await startGateway({ env: { GATEWAY_CONFIG: config } });
}, 60_000);

afterAll(async () => {
  await gateway?.close();
  await Promise.all([primary?.close(), fallback?.close()]);
});

beforeEach(() => {
  primary.reset();
  fallback.reset();
});

const ask = (stream: boolean) =>
  fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'primary', stream, messages: [{ role: 'user', content: 'hi' }] }),
  });

describe('success metrics', () => {
  it('times the switch to the fallback, from the failure to its first byte, for JSON and streams', async () => {
    const before = await scrape(gateway.url);
    for (const stream of [false, true]) {
      primary.enqueue({ status: 500, json: openAIErrorBody('boom', 'api_error') });
      fallback.enqueue(stream ? { sse: [{ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'f-model', choices: [{ index: 0, delta: { content: 'ok' }, finish_reason: 'stop' }] }], delayMs: FALLBACK_DELAY_MS } : { json: { id: 'c', object: 'chat.completion', created: 1, model: 'f-model', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }] }, delayMs: FALLBACK_DELAY_MS });
      const res = await ask(stream);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-gateway-provider')).toBe('fallback');
      expect(await res.text()).toContain('ok');
    }
    const after = await scrape(gateway.url);
    const count = (t: string) => sample(t, 'gateway_fallback_switch_seconds_count', { provider: 'fallback' });
    const sum = (t: string) => sample(t, 'gateway_fallback_switch_seconds_sum', { provider: 'fallback' });
    expect(count(after) - count(before)).toBe(2);
    // Each switch waited at least the fallback's delay before its first byte.
    expect(sum(after) - sum(before)).toBeGreaterThanOrEqual((2 * FALLBACK_DELAY_MS) / 1000 - 0.01);
  });

  it('does not count a first-try success as a switch, and times requests by provider only', async () => {
    const before = await scrape(gateway.url);
    await (await ask(false)).text();
    const after = await scrape(gateway.url);
    expect(sample(after, 'gateway_fallback_switch_seconds_count')).toBe(sample(before, 'gateway_fallback_switch_seconds_count'));
    const requests = (t: string) => sample(t, 'gateway_provider_request_seconds_count', { provider: 'primary' });
    expect(requests(after) - requests(before)).toBe(1);
    const labelled = after.split('\n').filter((l) => l.startsWith('gateway_provider_request_seconds_count{'));
    expect(labelled.length).toBeGreaterThan(0);
    for (const line of labelled) expect(line).toMatch(/^gateway_provider_request_seconds_count\{provider="[^"]+"\} /);
  });

  it('counts probes and their successes per provider', async () => {
    const { registry, health, metrics } = gateway.services;
    const prober = new Prober(registry, health, { intervalMs: 0, discoverLocal: false, configuredTypes: new Set(), metrics });
    const before = await scrape(gateway.url);
    fallback.enqueue({ status: 503, json: openAIErrorBody('down', 'api_error') }, { method: 'GET', path: '/models' });
    await prober.runOnce();
    await prober.runOnce();
    await prober.stop();
    const after = await scrape(gateway.url);
    const delta = (name: string, provider: string) => sample(after, name, { provider }) - sample(before, name, { provider });
    expect(delta('gateway_probes_total', 'primary')).toBe(2);
    expect(delta('gateway_probe_successes_total', 'primary')).toBe(2);
    expect(delta('gateway_probes_total', 'fallback')).toBe(2);
    expect(delta('gateway_probe_successes_total', 'fallback')).toBe(1);
  });
});
