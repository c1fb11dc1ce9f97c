// The router's decisions with scripted in-process providers (no HTTP): exponential backoff with jitter between
// rounds, Retry-After under and over the cap, the total timeout, what is skipped, and the target order per strategy.
import { describe, expect, it } from 'vitest';
import { DEFAULT_ROUTING } from '../../src/config.js';
import { upstreamHttpError } from '../../src/errors.js';
import { chatRequestSchema } from '../../src/schemas/chat-request.js';
import { HealthTracker } from '../../src/routing/health.js';
import { orderTargets } from '../../src/routing/order.js';
import type { RoutePlan, Target } from '../../src/routing/resolve.js';
import { ctx, err429, err500, full, plan, request, scripted, setup } from './router-helpers.js';

describe('retries and backoff', () => {
  it('backs off exponentially between rounds, with jitter in [0.5, 1.5) × the step', async () => {
    const a = scripted('a', [err500('a')]);
    const b = scripted('b', [err500('b')]);
    const { router, sleeps } = setup([a, b], { random: () => 0.5 });
    const c = ctx();
    await expect(router.chat(request, plan(['a/m', 'b/m'], { retries: 3 }), c)).rejects.toMatchObject({ status: 502 });
    expect(sleeps).toEqual([100, 200, 400]);
    expect(c.attempts.map((x) => x.provider)).toEqual(['a', 'b', 'a', 'b', 'a', 'b', 'a', 'b']);

    const low = setup([scripted('a', [err500('a')])], { random: () => 0 });
    await expect(low.router.chat(request, plan(['a/m'], { retries: 2 }), ctx())).rejects.toThrow();
    expect(low.sleeps).toEqual([50, 100]);
  });

  it('falls back within the round and only retries when every target failed', async () => {
    const a = scripted('a', [err500('a')]);
    const b = scripted('b', ['ok']);
    const { router, sleeps } = setup([a, b]);
    const c = ctx();
    const result = await router.chat(request, plan(['a/m', 'b/m']), c);
    expect(result.target.provider).toBe('b');
    expect(sleeps).toEqual([]);
    expect(c.attempts.map((x) => [x.provider, x.status])).toEqual([['a', 500], ['b', 200]]);
  });

  it('honours a Retry-After under the cap (it replaces a shorter backoff)', async () => {
    const a = scripted('a', [err429('a', 2), 'ok']);
    const { router, sleeps } = setup([a]);
    const result = await router.chat(request, plan(['a/m'], { max_retry_after_ms: 5_000 }), ctx());
    expect(result.target.provider).toBe('a');
    expect(sleeps).toEqual([2_000]);
  });

  it('a Retry-After over the cap takes that target out of this request; the next one serves', async () => {
    const a = scripted('a', [err429('a', 60)]);
    const b = scripted('b', [err500('b'), 'ok']);
    const { router, sleeps } = setup([a, b]);
    const c = ctx();
    const result = await router.chat(request, plan(['a/m', 'b/m'], { max_retry_after_ms: 5_000 }), c);
    expect(result.target.provider).toBe('b');
    expect(a.calls).toBe(1);
    expect(sleeps).toEqual([100]); // the backoff, not 60 s
    expect(c.attempts.map((x) => [x.provider, x.status])).toEqual([['a', 429], ['b', 500], ['b', 200]]);
  });

  it('over the cap with nothing else to try: the 429 goes back at once with its Retry-After', async () => {
    const { router, sleeps } = setup([scripted('a', [err429('a', 60)])]);
    await expect(router.chat(request, plan(['a/m'], { max_retry_after_ms: 5_000 }), ctx())).rejects.toMatchObject({ status: 429, retryAfter: 60 });
    expect(sleeps).toEqual([]);
  });

  it('does not start a wait that would end past the total timeout', async () => {
    const { router, sleeps } = setup([scripted('a', [err429('a', 3)])]);
    await expect(router.chat(request, plan(['a/m'], { timeout_ms: 2_000, max_retry_after_ms: 5_000 }), ctx())).rejects.toMatchObject({ status: 429 });
    expect(sleeps).toEqual([]);
  });

  it('a non-retryable, non-fallback error (the request itself is bad) stops everything after one attempt', async () => {
    const a = scripted('a', [upstreamHttpError('a', 400, { message: 'bad' })]);
    const b = scripted('b', ['ok']);
    const { router, health } = setup([a, b]);
    await expect(router.chat(request, plan(['a/m', 'b/m']), ctx())).rejects.toMatchObject({ status: 400 });
    expect(b.calls).toBe(0);
    // The client's mistake says nothing about the deployment.
    expect(health.deploymentsOf('a')[0]?.lastError).toBeUndefined();
  });

  it('the total timeout ends a hanging attempt and the request', async () => {
    const { router } = setup([scripted('a', [{ hangMs: 10_000 }])]);
    const started = performance.now();
    await expect(router.chat(request, plan(['a/m'], { timeout_ms: 150 }), ctx())).rejects.toMatchObject({ status: 504, code: 'total_timeout' });
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('the client going away ends it with client_closed and no verdict on the deployment', async () => {
    const { router, health } = setup([scripted('a', [{ hangMs: 10_000 }])]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    await expect(router.chat(request, plan(['a/m']), { signal: controller.signal, attempts: [] })).rejects.toMatchObject({ code: 'client_closed' });
    expect(health.deploymentsOf('a')[0]?.state).toBe('closed');
    expect(health.deploymentsOf('a')[0]?.lastError).toBeUndefined();
  });
});

describe('skipping', () => {
  it('skips an open circuit, and answers 503 with the cooldown as Retry-After when nothing is left', async () => {
    const health = new HealthTracker({ failureThreshold: 1, failureRatio: 1, minRequests: 100, windowMs: 60_000, cooldownMs: 42_000 });
    const a = scripted('a', [err500('a')]);
    const b = scripted('b', ['ok']);
    const { router } = setup([a, b], { health });
    await router.chat(request, plan(['a/m', 'b/m'], { retries: 0 }), ctx());
    const c = ctx();
    await router.chat(request, plan(['a/m', 'b/m'], { retries: 0 }), c);
    expect(c.attempts.map((x) => x.provider)).toEqual(['b']);
    expect(a.calls).toBe(1);
    await expect(router.chat(request, plan(['a/m']), ctx())).rejects.toMatchObject({ status: 503, code: 'no_provider_available', retryAfter: 42 });
  });

  it('skips targets that cannot serve the request (tools, images, json_schema), and says so when none can', async () => {
    const textOnly = scripted('t', ['ok'], { ...full, tools: false, vision: false, jsonSchema: false });
    const able = scripted('a', ['ok']);
    const { router } = setup([textOnly, able]);
    const withTools = chatRequestSchema.parse({
      model: 'x',
      messages: [{ role: 'user', content: 'weather?' }],
      tools: [{ type: 'function', function: { name: 'w', parameters: { type: 'object' } } }],
    });
    const withImage = chatRequestSchema.parse({ model: 'x', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AA==' } }] }] });
    const withSchema = chatRequestSchema.parse({ model: 'x', messages: [{ role: 'user', content: 'x' }], response_format: { type: 'json_schema', json_schema: { name: 'r', schema: {} } } });
    for (const r of [withTools, withImage, withSchema]) {
      const c = ctx();
      expect((await router.chat(r, plan(['t/m', 'a/m']), c)).target.provider).toBe('a');
      expect(c.attempts.map((x) => x.provider)).toEqual(['a']);
    }
    expect((await router.chat(request, plan(['t/m', 'a/m']), ctx())).target.provider).toBe('t');
    await expect(router.chat(withTools, plan(['t/m']), ctx())).rejects.toMatchObject({ status: 400, code: 'unsupported_capability' });
  });

  it('a plan whose providers are all unknown (e.g. a local server not detected) answers 503', async () => {
    const { router } = setup([]);
    await expect(router.chat(request, plan(['ollama/llama3.2']), ctx())).rejects.toMatchObject({ status: 503 });
  });
});

describe('target order per strategy', () => {
  const targets: Target[] = [
    { provider: 'a', model: 'm', weight: 3 },
    { provider: 'b', model: 'm', weight: 1 },
  ];
  const lb: RoutePlan = { requested: 'lb', strategy: 'loadbalance', targets, settings: DEFAULT_ROUTING };

  it('loadbalance picks the first target by weight; the rest stay as fallbacks', () => {
    expect(orderTargets(lb, () => undefined, () => 0).map((t) => t.provider)).toEqual(['a', 'b']);
    expect(orderTargets(lb, () => undefined, () => 0.74).map((t) => t.provider)).toEqual(['a', 'b']);
    expect(orderTargets(lb, () => undefined, () => 0.76).map((t) => t.provider)).toEqual(['b', 'a']);
    // A deterministic sweep of the random number reproduces the 3:1 split exactly.
    let firstA = 0;
    for (let i = 0; i < 1000; i++) if (orderTargets(lb, () => undefined, () => i / 1000)[0]?.provider === 'a') firstA++;
    expect(firstA).toBe(750);
  });

  it('least-latency tries unmeasured deployments first, then the fastest', () => {
    const plan3: RoutePlan = { ...lb, strategy: 'least-latency', targets: [...targets, { provider: 'c', model: 'm', weight: 1 }] };
    const latency: Record<string, number | undefined> = { a: 200, b: 50, c: undefined };
    expect(orderTargets(plan3, (t) => latency[t.provider]).map((t) => t.provider)).toEqual(['c', 'b', 'a']);
    latency.c = 120;
    expect(orderTargets(plan3, (t) => latency[t.provider]).map((t) => t.provider)).toEqual(['b', 'c', 'a']);
  });

  it('fallback keeps the configured order', () => {
    expect(orderTargets({ ...lb, strategy: 'fallback' }, () => 1).map((t) => t.provider)).toEqual(['a', 'b']);
  });
});
