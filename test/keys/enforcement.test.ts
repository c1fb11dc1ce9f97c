// Virtual keys' limits end to end, once on the memory state and once on the real Redis (REDIS_URL under a unique
// REDIS_PREFIX, through createServices): RPM, TPM, parallel and budget refuse at the right count with the contract's
// codes and headers, never reaching the upstream; leases come back after a client abort and an upstream error; TPM
// and budget settle with the real usage; the soft threshold warns once; refusals are log rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completionBody, startFakeOpenAI, textStreamChunks, type FakeUpstream } from '../fakes/openai-upstream.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { deletePrefix, randomPrefix, SHARED_REDIS_URL } from '../state/redis-helpers.js';
import { ADMIN, awayFromMinuteEnd, chat, eventually, keyWith, metric } from './enforcement-helpers.js';

// gpt-4o-mini at 0.15 / 0.60 USD per million: 1000 prompt + 500 completion tokens cost 0.00045 USD.
const USAGE = { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500 };
const COST = 0.00045;
const DURATION = /^(\d+ms|(\d+h)?(\d+m)?\d+(\.\d+)?s)$/;

describe.each(['memory', 'redis'] as const)('limits on the %s state', (backend) => {
  let fake: FakeUpstream;
  let gateway: TestGateway;
  const prefix = randomPrefix('enforce');

  beforeAll(async () => {
    fake = await startFakeOpenAI({ models: ['gpt-4o-mini'] });
    fake.setDefault(() => ({ json: { ...completionBody({ content: 'ok', model: 'gpt-4o-mini' }), usage: USAGE } }));
    gateway = await startGateway({
      env: {
        GATEWAY_ADMIN_KEY: ADMIN,
        OPENAI_API_KEY: 'sk-upstream-enforce',
        OPENAI_BASE_URL: fake.baseUrl,
        ROUTING_RETRIES: '0',
        ...(backend === 'redis' ? { REDIS_URL: SHARED_REDIS_URL, REDIS_PREFIX: prefix } : {}),
      },
    });
  }, 60_000);

  afterAll(async () => {
    await gateway?.close();
    await fake?.close();
    if (backend === 'redis') await deletePrefix(prefix);
  });

  const upstreamCalls = () => fake.requests.filter((r) => r.method === 'POST').length;

  it('runs on the backend it was configured with', async () => {
    const ready = (await (await fetch(`${gateway.url}/health/ready`)).json()) as Record<string, any>;
    expect(ready.state).toEqual({ backend, degraded: false, failure_mode: 'open' });
  });

  it('RPM: admits the limit, then 429 requests/rate_limit_exceeded with Retry-After, never calling upstream', async () => {
    const { key } = await keyWith(gateway, { rpm: 3 });
    const before = upstreamCalls();
    for (const left of [2, 1, 0]) {
      const ok = await chat(gateway, key);
      expect(ok.status).toBe(200);
      expect(ok.headers.get('x-ratelimit-limit-requests')).toBe('3');
      expect(ok.headers.get('x-ratelimit-remaining-requests')).toBe(String(left));
      expect(ok.headers.get('x-ratelimit-reset-requests')).toMatch(DURATION);
    }
    const refused = await chat(gateway, key, {}, { headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-request-id': `rpm-${backend}` } });
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ type: 'requests', code: 'rate_limit_exceeded' });
    // 3 per minute refill one every 20 s.
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(19);
    expect(Number(refused.headers.get('retry-after-ms'))).toBeGreaterThan(18_000);
    expect(refused.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(upstreamCalls() - before).toBe(3);
    await gateway.flushLogs();
    const { request } = await gateway.services.logStore.byId(`rpm-${backend}`);
    expect(request).toMatchObject({ status: 429, errorCode: 'rate_limit_exceeded', costUsd: 0 });
    expect(await metric(gateway, 'gateway_limit_refusals_total{reason="rpm"}')).toBeGreaterThanOrEqual(1);
  });

  it('a request must satisfy the team too; the tighter limit is the one reported', async () => {
    const { key } = await keyWith(gateway, { rpm: 10 }, { rpm: 2 });
    const first = await chat(gateway, key);
    expect(first.headers.get('x-ratelimit-limit-requests')).toBe('2');
    expect(first.headers.get('x-ratelimit-remaining-requests')).toBe('1');
    expect((await chat(gateway, key)).status).toBe(200);
    const refused = await chat(gateway, key);
    expect(refused.status).toBe(429);
    expect(refused.body.error.message).toContain('team');
  });

  it('TPM: reserves input + max_tokens, settles with the real usage, refuses with type tokens', async () => {
    await awayFromMinuteEnd();
    const { key } = await keyWith(gateway, { tpm: 4_000 });
    // Reserved 1 + 2400; settled at 1500, so the second reservation (1500 + 2401) fits only because the first settled.
    const first = await chat(gateway, key, { max_tokens: 2_400 });
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-limit-tokens')).toBe('4000');
    expect(first.headers.get('x-ratelimit-remaining-tokens')).toBe(String(4_000 - 2_401));
    expect(first.headers.get('x-ratelimit-reset-tokens')).toMatch(DURATION);
    const second = await chat(gateway, key, { max_tokens: 2_400 });
    expect(second.status).toBe(200);
    expect(second.headers.get('x-ratelimit-remaining-tokens')).toBe(String(4_000 - 1_500 - 2_401));
    // Now 3000 settled: 1001 more do not fit.
    const refused = await chat(gateway, key, { max_tokens: 1_000 });
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ type: 'tokens', code: 'rate_limit_exceeded' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get('x-ratelimit-limit-tokens')).toBe('4000');
    expect((await chat(gateway, key, { max_tokens: 900 })).status).toBe(200);
  });

  it('TPM without max_tokens reserves the configured default (1024)', async () => {
    await awayFromMinuteEnd();
    const { key } = await keyWith(gateway, { tpm: 1_024 });
    // 1 input token + 1024 default > 1024.
    const refused = await chat(gateway, key);
    expect(refused.status).toBe(429);
    expect(refused.body.error.type).toBe('tokens');
    expect((await chat(gateway, key, { max_tokens: 1_000 })).status).toBe(200);
  });

  it('max parallel: the next request waits for a lease; leases return after success', async () => {
    const { key } = await keyWith(gateway, { max_parallel: 2 });
    fake.enqueue({ delayMs: 1_500, json: { ...completionBody({ content: 'slow', model: 'gpt-4o-mini' }), usage: USAGE } });
    fake.enqueue({ delayMs: 1_500, json: { ...completionBody({ content: 'slow', model: 'gpt-4o-mini' }), usage: USAGE } });
    const before = fake.requests.length;
    const slow = [chat(gateway, key), chat(gateway, key)];
    await fake.waitForRequests(before + 2, 10_000);
    const refused = await chat(gateway, key);
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ type: 'requests', code: 'rate_limit_exceeded' });
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('retry-after-ms')).toBe('1000');
    expect((await Promise.all(slow)).map((a) => a.status)).toEqual([200, 200]);
    expect((await chat(gateway, key)).status).toBe(200);
  });

  it('a lease comes back when the upstream fails', async () => {
    const { key } = await keyWith(gateway, { max_parallel: 1 });
    fake.enqueue({ status: 500, json: { error: { message: 'boom', type: 'server_error' } } });
    expect((await chat(gateway, key)).status).toBe(502);
    expect((await chat(gateway, key)).status).toBe(200);
  });

  it('a lease comes back when the client disconnects mid-stream', async () => {
    const { key } = await keyWith(gateway, { max_parallel: 1 });
    fake.enqueue({ sse: textStreamChunks('one two three four', { model: 'gpt-4o-mini' }), eventDelayMs: 200, then: 'hang', done: false });
    const abort = new AbortController();
    const res = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true }),
      signal: abort.signal,
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    await reader.read();
    // Held while the stream runs.
    expect((await chat(gateway, key)).status).toBe(429);
    abort.abort();
    await eventually(async () => ((await chat(gateway, key)).status === 200 ? true : undefined), 5_000);
  });

  it('budget: reserves the estimate, settles the real cost, then 429 insufficient_quota with the wait until the period ends', async () => {
    const { id, key } = await keyWith(gateway, { budget_usd: 0.001, budget_period: 'day', soft_threshold: 0.5 });
    // Each reserves about 0.00006 (1 + 100 tokens) and settles 0.00045: three fit, the fourth finds 0.00135 spent.
    for (let i = 0; i < 3; i++) expect((await chat(gateway, key, { max_tokens: 100 })).status).toBe(200);
    const refused = await chat(gateway, key, { max_tokens: 100 });
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ type: 'insufficient_quota', code: 'insufficient_quota' });
    const untilMidnight = (86_400_000 - (Date.now() % 86_400_000)) / 1000;
    expect(Math.abs(Number(refused.headers.get('retry-after')) - untilMidnight)).toBeLessThan(30);
    expect(refused.headers.get('retry-after-ms')).toBeNull();
    await gateway.flushLogs();
    const usage = (await (await fetch(`${gateway.url}/admin/keys/${id}/usage`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as Record<string, any>;
    expect(usage.cost_usd).toBeCloseTo(3 * COST, 9);
    // Crossed 0.0005 on the second answer: one warning, one count, not one per answer after it.
    const warnings = gateway.logLines.filter((l) => l.includes('budget soft threshold crossed') && l.includes(id));
    expect(warnings).toHaveLength(1);
    expect(await metric(gateway, 'gateway_budget_soft_threshold_total{subject="key"}')).toBeGreaterThanOrEqual(1);
  });

  it('a total budget refuses without Retry-After (no period ends), and a team budget binds its keys', async () => {
    const total = await keyWith(gateway, { budget_usd: 0.0004, budget_period: 'total' });
    expect((await chat(gateway, total.key, { max_tokens: 10 })).status).toBe(200);
    const refused = await chat(gateway, total.key, { max_tokens: 10 });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('insufficient_quota');
    expect(refused.headers.get('retry-after')).toBeNull();
    const team = await keyWith(gateway, {}, { budget_usd: 0.0004, budget_period: 'month' });
    expect((await chat(gateway, team.key, { max_tokens: 10 })).status).toBe(200);
    const byTeam = await chat(gateway, team.key, { max_tokens: 10 });
    expect(byTeam.status).toBe(429);
    expect(byTeam.body.error.message).toContain('team');
  });

  it('an edit of the key or its team binds the next request, and a revoked key is refused at once', async () => {
    const { id, key, teamId } = await keyWith(gateway, { rpm: 2 });
    const change = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${gateway.url}${path}`, { method, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
      expect(res.status, await res.text()).toBe(200);
    };
    for (let i = 0; i < 2; i++) expect((await chat(gateway, key)).status).toBe(200);
    expect((await chat(gateway, key)).status).toBe(429);
    await change('PATCH', `/admin/keys/${id}`, { rpm: 4 });
    const raised = await chat(gateway, key);
    expect(raised.status).toBe(200);
    expect(raised.headers.get('x-ratelimit-limit-requests')).toBe('4');
    // The same sliding minute: the two earlier requests still count.
    expect(raised.headers.get('x-ratelimit-remaining-requests')).toBe('1');
    await change('PATCH', `/admin/teams/${teamId}`, { tpm: 10 });
    const byTeam = await chat(gateway, key);
    expect(byTeam.status).toBe(429);
    expect(byTeam.body.error).toMatchObject({ type: 'tokens', code: 'rate_limit_exceeded' });
    expect(byTeam.body.error.message).toContain('team');
    await change('POST', `/admin/keys/${id}/revoke`);
    expect((await chat(gateway, key)).status).toBe(401);
  });

  it('a key without limits carries no x-ratelimit headers', async () => {
    const { key } = await keyWith(gateway, {});
    const ok = await chat(gateway, key);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-ratelimit-limit-requests')).toBeNull();
    expect(ok.headers.get('x-ratelimit-limit-tokens')).toBeNull();
  });
});
