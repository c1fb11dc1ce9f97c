// The fault matrix: each upstream failure × {JSON, stream} through the gateway with the real `openai` client.
// Before the first byte reaches the client the fallback answers; after it, the stream ends with an OpenAI error
// chunk. Every case checks the answer, x-gateway-attempts, the attempt rows in the log store, a metric that moved,
// and that it finished within the timeout that governs it.
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chunkBody, openAIErrorBody, type FakeReply, type FakeUpstream } from '../fakes/openai-upstream.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { closedPortUrl, sample, scrape, startPrimaryAndFallback, writeGatewayConfig } from './helpers.js';

const FIRST_TOKEN_MS = 300;
const IDLE_MS = 300;
const TOTAL_MS = 3000;
/** Scheduling slack on a loaded 2-core CI machine; the assertions are "the timeout was honoured", not speed. */
const MARGIN_MS = 1000;

let primary: FakeUpstream;
let fallback: FakeUpstream;
let gateway: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  let providers: object[];
  ({ primary, fallback, providers } = await startPrimaryAndFallback());
  const config = writeGatewayConfig({
    providers: [
      ...providers,
      { id: 'dead', type: 'openai-compatible', base_url: await closedPortUrl(), models: ['p-model'] },
    ],
    models: [
      { name: 'primary', strategy: 'fallback', targets: ['primary/p-model', 'fallback/f-model'] },
      { name: 'refused', strategy: 'fallback', targets: ['dead/p-model', 'fallback/f-model'] },
    ],
    routing: { retries: 1, timeout_ms: TOTAL_MS, first_token_timeout_ms: FIRST_TOKEN_MS, idle_timeout_ms: IDLE_MS, connect_timeout_ms: 1000, backoff_base_ms: 10 },
    // One failure per case must not trip the primary's breaker here; circuit-breaker tests cover that.
    breaker: { failure_threshold: 1000, min_requests: 1000 },
  });
  gateway = await startGateway({ env: { GATEWAY_CONFIG: config } });
  client = new OpenAI({ apiKey: 'unused', baseURL: gateway.baseURL, maxRetries: 0 });
});

afterAll(async () => {
  await gateway?.close();
  await primary?.close();
  await fallback?.close();
});

beforeEach(() => {
  primary.reset();
  fallback.reset();
});

const errorJson = (status: number, message: string, type = 'api_error', headers?: Record<string, string>): FakeReply => ({
  status,
  headers,
  json: openAIErrorBody(message, type),
});
const firstChunks = [chunkBody({ role: 'assistant', content: '' }), chunkBody({ content: 'partial ' })];

interface BeforeFirstByte {
  name: string;
  /** undefined: the provider itself is unreachable (alias `refused`). */
  json?: FakeReply;
  stream?: FakeReply;
  /** The status the failed attempt is logged with. */
  status: number;
  codes: string[];
  /** The timeout that governs the case (the failure must come from it, and within it). */
  budgetMs: number;
  /** The failure needs the timeout to pass: elapsed must reach it. */
  waits?: boolean;
}

const beforeFirstByte: BeforeFirstByte[] = [
  { name: '429 with Retry-After', json: errorJson(429, 'slow down', 'rate_limit_error', { 'retry-after': '1' }), stream: errorJson(429, 'slow down', 'rate_limit_error', { 'retry-after': '1' }), status: 429, codes: ['rate_limit_exceeded'], budgetMs: TOTAL_MS },
  { name: '500', json: errorJson(500, 'boom'), stream: errorJson(500, 'boom'), status: 500, codes: ['upstream_error'], budgetMs: TOTAL_MS },
  { name: '503', json: errorJson(503, 'overloaded'), stream: errorJson(503, 'overloaded'), status: 503, codes: ['upstream_error'], budgetMs: TOTAL_MS },
  { name: 'connection refused', status: 502, codes: ['upstream_connection_error'], budgetMs: TOTAL_MS },
  {
    name: 'reset mid-body',
    json: { body: ['{"id":"chatcmpl-1","object":"chat.completion","choi'], contentType: 'application/json', then: 'destroy' },
    stream: { fault: 'destroy' },
    status: 502,
    codes: ['upstream_connection_error'],
    budgetMs: TOTAL_MS,
  },
  { name: 'hang before headers', json: { fault: 'hang' }, stream: { fault: 'hang' }, status: 504, codes: ['upstream_timeout', 'first_token_timeout'], budgetMs: FIRST_TOKEN_MS, waits: true },
  {
    name: 'hang mid-body',
    json: { body: ['{"id":"chatcmpl-1","object":"chat.completion",'], contentType: 'application/json', then: 'hang' },
    // Headers sent, then nothing: the first token never comes.
    stream: { sse: [], done: false, then: 'hang' },
    status: 504,
    codes: ['upstream_timeout', 'first_token_timeout'],
    budgetMs: Math.max(IDLE_MS, FIRST_TOKEN_MS),
    waits: true,
  },
  {
    name: 'malformed JSON',
    json: { body: 'this is { not json', contentType: 'application/json' },
    stream: { sse: ['data: {"id": nope\n\n'] },
    status: 502,
    codes: ['bad_upstream_response'],
    budgetMs: TOTAL_MS,
  },
  {
    name: 'cut without [DONE] (before any chunk)',
    json: { body: '{"id":"chatcmpl-1","object":"chat.completion","choices":[', contentType: 'application/json' },
    stream: { sse: [], done: false },
    status: 502,
    codes: ['bad_upstream_response', 'upstream_stream_truncated'],
    budgetMs: TOTAL_MS,
  },
];

async function attemptsMetric(provider: string, status: number): Promise<number> {
  return sample(await scrape(gateway.url), 'gateway_upstream_attempts_total', { provider, status: String(status), outcome: 'failure' });
}

async function logged(requestId: string | null) {
  expect(requestId).toBeTruthy();
  await gateway.flushLogs();
  return gateway.services.logStore.byId(requestId!);
}

describe('before the first byte: the fallback answers', () => {
  for (const c of beforeFirstByte) {
    const from = c.json ? 'primary' : 'dead';
    const model = c.json ? 'primary' : 'refused';
    for (const mode of ['json', 'stream'] as const) {
      it(`${c.name} (${mode})`, async () => {
        const reply = mode === 'json' ? c.json : c.stream;
        if (reply) primary.enqueue(reply);
        const prompt = `${mode} after ${c.name}`;
        const metricBefore = await attemptsMetric(from, c.status);
        const fallbacksBefore = sample(await scrape(gateway.url), 'gateway_fallbacks_total', { from: `${from}/p-model`, to: 'fallback/f-model' });

        const started = performance.now();
        let text: string;
        let response: Response;
        if (mode === 'json') {
          const result = await client.chat.completions.create({ model, messages: [{ role: 'user', content: prompt }] }).withResponse();
          text = result.data.choices[0]?.message.content ?? '';
          response = result.response;
        } else {
          const result = await client.chat.completions.create({ model, messages: [{ role: 'user', content: prompt }], stream: true }).withResponse();
          text = '';
          for await (const chunk of result.data) text += chunk.choices[0]?.delta.content ?? '';
          response = result.response;
        }
        const elapsed = performance.now() - started;

        expect(text).toBe(prompt);
        expect(response.headers.get('x-gateway-provider')).toBe('fallback');
        expect(response.headers.get('x-gateway-model')).toBe('fallback/f-model');
        expect(response.headers.get('x-gateway-attempts')).toBe('2');
        expect(elapsed).toBeLessThan(c.budgetMs + MARGIN_MS);
        if (c.waits) expect(elapsed).toBeGreaterThanOrEqual(c.budgetMs - 20);
        if (reply) expect(primary.requests.filter((r) => r.method === 'POST')).toHaveLength(1);

        const { request, attempts } = await logged(response.headers.get('x-request-id'));
        expect(request).toMatchObject({ status: 200, provider: 'fallback', model: 'f-model', attempts: 2, partial: false });
        expect(attempts.map((a) => [a.provider, a.status])).toEqual([
          [from, c.status],
          ['fallback', 200],
        ]);
        expect(c.codes).toContain(attempts[0]?.errorCode);
        expect(attempts[0]?.error).toBeTruthy();
        expect(attempts[0]?.latencyMs).toBeLessThan(c.budgetMs + MARGIN_MS);

        expect((await attemptsMetric(from, c.status)) - metricBefore).toBe(1);
        const fallbacksAfter = sample(await scrape(gateway.url), 'gateway_fallbacks_total', { from: `${from}/p-model`, to: 'fallback/f-model' });
        expect(fallbacksAfter - fallbacksBefore).toBe(1);
      });
    }
  }
});

interface AfterFirstByte {
  name: string;
  reply: FakeReply;
  status: number;
  code: string;
  budgetMs: number;
  waits?: boolean;
}

const afterFirstByte: AfterFirstByte[] = [
  { name: 'hang mid-stream', reply: { sse: firstChunks, done: false, then: 'hang' }, status: 504, code: 'upstream_timeout', budgetMs: IDLE_MS, waits: true },
  { name: 'cut without [DONE]', reply: { sse: firstChunks, done: false, then: 'end' }, status: 502, code: 'upstream_stream_truncated', budgetMs: TOTAL_MS },
  { name: 'reset mid-body', reply: { sse: firstChunks, done: false, then: 'destroy' }, status: 502, code: 'upstream_connection_error', budgetMs: TOTAL_MS },
];

describe('after the first byte: partial text, then an OpenAI error chunk', () => {
  for (const c of afterFirstByte) {
    it(`${c.name} (stream)`, async () => {
      primary.enqueue(c.reply);
      const streamErrorsBefore = sample(await scrape(gateway.url), 'gateway_stream_errors_total', { provider: 'primary', model: 'p-model' });
      const started = performance.now();
      const { data, response } = await client.chat.completions.create({ model: 'primary', messages: [{ role: 'user', content: 'never echoed' }], stream: true }).withResponse();
      let text = '';
      let caught: unknown;
      try {
        for await (const chunk of data) text += chunk.choices[0]?.delta.content ?? '';
      } catch (err) {
        caught = err;
      }
      const elapsed = performance.now() - started;

      expect(text).toBe('partial ');
      expect(caught).toBeInstanceOf(OpenAI.APIError);
      expect((caught as InstanceType<typeof OpenAI.APIError>).code).toBe(c.code);
      expect(response.headers.get('x-gateway-provider')).toBe('primary');
      expect(response.headers.get('x-gateway-attempts')).toBe('1');
      expect(elapsed).toBeLessThan(c.budgetMs + MARGIN_MS);
      if (c.waits) expect(elapsed).toBeGreaterThanOrEqual(c.budgetMs - 20);
      // Nothing may be sent twice: no fallback once the client has bytes.
      expect(fallback.requests.filter((r) => r.method === 'POST')).toHaveLength(0);

      const { request, attempts } = await logged(response.headers.get('x-request-id'));
      expect(request).toMatchObject({ status: c.status, provider: 'primary', partial: true, errorCode: c.code, content: 'partial ' });
      expect(attempts).toHaveLength(1);
      expect(attempts[0]).toMatchObject({ provider: 'primary', status: 200, errorCode: c.code });
      expect(attempts[0]?.error).toMatch(/after the first byte/);
      const streamErrorsAfter = sample(await scrape(gateway.url), 'gateway_stream_errors_total', { provider: 'primary', model: 'p-model' });
      expect(streamErrorsAfter - streamErrorsBefore).toBe(1);
    });
  }

  it('the wire: an error chunk and no [DONE], so no client mistakes it for a complete answer', async () => {
    primary.enqueue({ sse: firstChunks, done: false, then: 'end' });
    const res = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'primary', stream: true, messages: [{ role: 'user', content: 'x' }] }),
    });
    const body = await res.text();
    const events = body.split('\n\n').filter(Boolean);
    expect(events.at(-1)).toMatch(/^data: \{"error":\{"message":"primary: stream ended before completion"/);
    expect(body).not.toContain('[DONE]');
    expect(JSON.parse(events.at(-1)!.slice(6))).toMatchObject({ error: { type: 'api_error', code: 'upstream_stream_truncated' } });
  });
});

describe('non-retryable 400: no fallback', () => {
  for (const mode of ['json', 'stream'] as const) {
    it(`the upstream's 400 reaches the client after one attempt (${mode})`, async () => {
      primary.enqueue({ status: 400, json: openAIErrorBody("This model's maximum context length is 8192 tokens", 'invalid_request_error', 'context_length_exceeded', 'messages') });
      const before = await attemptsMetric('primary', 400);
      const request = client.chat.completions.create({ model: 'primary', messages: [{ role: 'user', content: 'too long' }], stream: mode === 'stream' });
      const err = await request.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      const apiError = err as InstanceType<typeof OpenAI.BadRequestError>;
      expect(apiError.status).toBe(400);
      expect(apiError.code).toBe('context_length_exceeded');
      expect(apiError.message).toMatch(/primary: .*maximum context length/);
      expect(apiError.headers?.get('x-gateway-attempts')).toBe('1');
      expect(fallback.requests.filter((r) => r.method === 'POST')).toHaveLength(0);

      const { request: row, attempts } = await logged(apiError.headers?.get('x-request-id') ?? null);
      expect(row).toMatchObject({ status: 400, attempts: 1 });
      expect(attempts.map((a) => [a.provider, a.status])).toEqual([['primary', 400]]);
      expect((await attemptsMetric('primary', 400)) - before).toBe(1);
    });
  }
});
