// The circuit breaker through the gateway: trips, skips the open deployment (straight to the fallback), all-down
// → 503 with Retry-After, half-open single trial after the cooldown, recovery. Only Date is faked, to jump the
// cooldown; timers stay real. Then Retry-After and the total timeout as a client sees them.
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { completionBody, openAIErrorBody, type FakeUpstream } from '../fakes/openai-upstream.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { sample, scrape, startPrimaryAndFallback, writeGatewayConfig } from './helpers.js';

const COOLDOWN_MS = 60_000;
let primary: FakeUpstream;
let fallback: FakeUpstream;
let gateway: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  let providers: object[];
  ({ primary, fallback, providers } = await startPrimaryAndFallback());
  const config = writeGatewayConfig({
    providers,
    models: [
      { name: 'main', targets: ['primary/p-model', 'fallback/f-model'] },
      { name: 'solo', targets: ['primary/p-model'] },
      // Another deployment (own breaker) on the same fake, with per-route settings for the Retry-After tests.
      { name: 'patient', targets: ['primary/r-model'], routing: { retries: 1, backoff_base_ms: 10, max_retry_after_ms: 1000 } },
      // A short total timeout, and a first-token timeout longer than it.
      { name: 'tight', targets: ['primary/t-model'], routing: { retries: 1, timeout_ms: 400, first_token_timeout_ms: 5000 } },
    ],
    routing: { retries: 0, timeout_ms: 3000, first_token_timeout_ms: 1000, idle_timeout_ms: 1000 },
    breaker: { failure_threshold: 2, min_requests: 1000, cooldown_ms: COOLDOWN_MS },
  });
  gateway = await startGateway({ env: { GATEWAY_CONFIG: config } });
  client = new OpenAI({ apiKey: 'unused', baseURL: gateway.baseURL, maxRetries: 0 });
});

afterAll(async () => {
  vi.useRealTimers();
  await gateway?.close();
  await primary?.close();
  await fallback?.close();
});

const posts = (fake: FakeUpstream) => fake.requests.filter((r) => r.method === 'POST').length;

async function ask(model: string, content = 'hi') {
  const { data, response } = await client.chat.completions.create({ model, messages: [{ role: 'user', content }] }).withResponse();
  return { text: data.choices[0]?.message.content, provider: response.headers.get('x-gateway-provider'), attempts: response.headers.get('x-gateway-attempts') };
}

async function circuitState(): Promise<number> {
  return sample(await scrape(gateway.url), 'gateway_circuit_state', { provider: 'primary', model: 'p-model' });
}

interface ProvidersReport {
  providers: Array<{ id: string; state: string; circuits: Array<{ model: string; state: string; retry_after_ms: number; last_error: string | null }>; last_error: string | null }>;
}

async function primaryReport() {
  const report = (await (await fetch(`${gateway.url}/health/providers`)).json()) as ProvidersReport;
  return report.providers.find((p) => p.id === 'primary')!;
}

describe('circuit breaker through the gateway', () => {
  it('trips after consecutive failures, then sends requests straight to the fallback', async () => {
    primary.setDefault({ status: 500, json: openAIErrorBody('primary is broken', 'api_error') });
    expect(await ask('main')).toMatchObject({ provider: 'fallback', attempts: '2' });
    expect(await circuitState()).toBe(0);
    expect(await ask('main')).toMatchObject({ provider: 'fallback', attempts: '2' });
    expect(posts(primary)).toBe(2);

    expect(await ask('main', 'skipped')).toEqual({ text: 'skipped', provider: 'fallback', attempts: '1' });
    expect(posts(primary)).toBe(2);
    expect(await circuitState()).toBe(2);
    const report = await primaryReport();
    expect(report.state).toBe('degraded');
    expect(report.circuits).toEqual([expect.objectContaining({ model: 'p-model', state: 'open', last_error: expect.stringMatching(/primary is broken/) })]);
    expect(report.circuits[0]!.retry_after_ms).toBeGreaterThan(COOLDOWN_MS - 5_000);
  });

  it('all targets down → 503 with Retry-After and an OpenAI error body, no upstream touched', async () => {
    const res = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'solo', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(res.status).toBe(503);
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(50);
    expect(retryAfter).toBeLessThanOrEqual(COOLDOWN_MS / 1000);
    expect(res.headers.get('x-gateway-attempts')).toBe('0');
    expect(await res.json()).toEqual({
      error: { message: expect.stringMatching(/No provider for 'solo' is usable/), type: 'service_unavailable', param: null, code: 'no_provider_available' },
    });
    expect(posts(primary)).toBe(2);

    // The openai client sees the same as an APIError with status 503 (streams fail before any byte the same way).
    const err = await client.chat.completions.create({ model: 'solo', stream: true, messages: [{ role: 'user', content: 'x' }] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    expect((err as InstanceType<typeof OpenAI.APIError>).headers?.get('retry-after')).toBeTruthy();
  });

  it('after the cooldown: one half-open trial at a time, then closed again when it succeeds', async () => {
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    vi.setSystemTime(Date.now() + COOLDOWN_MS + 1_000);
    primary.setDefault(undefined);
    // The trial is slow, so a second request arrives while it is in flight: it must not become a second trial.
    primary.enqueue({ delayMs: 300, json: completionBody({ content: 'trial answer', model: 'p-model' }) });
    const trial = ask('main', 'trial');
    await primary.waitForRequests(3);
    const during = await ask('main', 'during the trial');
    expect(during).toEqual({ text: 'during the trial', provider: 'fallback', attempts: '1' });
    expect(await trial).toEqual({ text: 'trial answer', provider: 'primary', attempts: '1' });

    expect(await circuitState()).toBe(0);
    expect(await ask('main', 'recovered')).toEqual({ text: 'recovered', provider: 'primary', attempts: '1' });
    expect((await primaryReport()).state).toBe('healthy');
  });

  it('a failed trial opens the circuit again for another cooldown', async () => {
    primary.setDefault({ status: 503, json: openAIErrorBody('down again', 'api_error') });
    await ask('main');
    await ask('main');
    expect(await circuitState()).toBe(2);
    vi.setSystemTime(Date.now() + COOLDOWN_MS + 1_000);
    const before = posts(primary);
    expect(await ask('main')).toMatchObject({ provider: 'fallback', attempts: '2' }); // the trial, failed
    expect(posts(primary)).toBe(before + 1);
    expect(await ask('main')).toMatchObject({ provider: 'fallback', attempts: '1' }); // open again: skipped
    expect(posts(primary)).toBe(before + 1);
    expect(await circuitState()).toBe(2);
    vi.useRealTimers();
  });
});

describe('Retry-After and the total timeout, as the client sees them', () => {
  const solo = () => primary;
  const gw = () => gateway;
  const c = () => client;
  beforeEach(() => primary.reset());

  it('waits out a Retry-After under the cap, then retries the same deployment', async () => {
    solo().enqueue({ status: 429, headers: { 'retry-after': '0.4' }, json: openAIErrorBody('slow down', 'rate_limit_error') });
    const retriesBefore = sample(await scrape(gw().url), 'gateway_retries_total', { provider: 'primary', model: 'r-model' });
    const started = performance.now();
    const { data, response } = await c().chat.completions.create({ model: 'patient', messages: [{ role: 'user', content: 'again' }] }).withResponse();
    const elapsed = performance.now() - started;
    expect(data.choices[0]?.message.content).toBe('again');
    expect(response.headers.get('x-gateway-attempts')).toBe('2');
    expect(elapsed).toBeGreaterThanOrEqual(390);
    expect(elapsed).toBeLessThan(400 + 1000);
    expect(sample(await scrape(gw().url), 'gateway_retries_total', { provider: 'primary', model: 'r-model' }) - retriesBefore).toBe(1);
  });

  it('a Retry-After over the cap is not waited for: the 429 reaches the client at once, with its Retry-After', async () => {
    solo().enqueue({ status: 429, headers: { 'retry-after': '30' }, json: openAIErrorBody('slow down', 'rate_limit_error', 'rate_limit_exceeded') });
    const started = performance.now();
    const err = await c().chat.completions.create({ model: 'patient', messages: [{ role: 'user', content: 'x' }] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(performance.now() - started).toBeLessThan(1000);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('retry-after')).toBe('30');
    expect(solo().requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('the total timeout (per route) ends a hanging upstream: 504 within it, for JSON and stream', async () => {
    for (const stream of [false, true]) {
      solo().enqueue({ fault: 'hang' });
      const started = performance.now();
      const err = await c().chat.completions.create({ model: 'tight', stream, messages: [{ role: 'user', content: 'x' }] }).then(
        () => undefined,
        (e: unknown) => e,
      );
      const elapsed = performance.now() - started;
      expect(err).toBeInstanceOf(OpenAI.APIError);
      expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(504);
      expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe('total_timeout');
      expect(elapsed).toBeGreaterThanOrEqual(390);
      expect(elapsed).toBeLessThan(400 + 1000);
    }
    // The hung upstream requests were cancelled, not left open.
    await vi.waitFor(() => expect(solo().requests.filter((r) => r.method === 'POST').every((r) => r.aborted)).toBe(true));
  });
});
