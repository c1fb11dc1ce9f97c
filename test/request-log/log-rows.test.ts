// Log rows after JSON and streamed requests: content, usage, status, latency and attempts, in whichever store runs
// (PGlite always; the Postgres server too when DATABASE_URL is set — .ci/run runs the suite both ways).
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeUpstream as FakeOpenAI } from '../fakes/openai-upstream.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

let fake: FakeOpenAI;
let gateway: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI({ models: ['gpt-4o-mini'] });
  gateway = await startGateway({ env: { OPENAI_API_KEY: 'sk-log-rows-test-key', OPENAI_BASE_URL: fake.baseUrl } });
  client = new OpenAI({ apiKey: 'unused', baseURL: gateway.baseURL, maxRetries: 0 });
});

afterAll(async () => {
  await gateway?.close();
  await fake?.close();
});

async function rowFor(requestId: string | null) {
  expect(requestId).toBeTruthy();
  await gateway.flushLogs();
  return gateway.services.logStore.byId(requestId!);
}

describe(`request log rows (${process.env.DATABASE_URL ? 'PostgreSQL server' : 'PGlite'})`, () => {
  it('records a JSON request with its answer, usage, status, latency and the attempt', async () => {
    fake.enqueue({
      delayMs: 30,
      json: {
        id: 'chatcmpl-log1', object: 'chat.completion', created: 1, model: 'gpt-4o-mini-2024-07-18',
        choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'logged answer' } }],
        usage: { prompt_tokens: 11, completion_tokens: 3, total_tokens: 14, prompt_tokens_details: { cached_tokens: 4 } },
      },
    });
    const { response } = await client.chat.completions
      .create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'please log me' }], user: 'user-42' }, { headers: { 'x-session-id': 'sess-a' } })
      .withResponse();
    const { request, attempts } = await rowFor(response.headers.get('x-request-id'));
    expect(request).toMatchObject({
      endpoint: '/v1/chat/completions',
      requestedModel: 'openai/gpt-4o-mini',
      stream: false,
      sessionId: 'sess-a',
      userId: 'user-42',
      question: 'please log me',
      provider: 'openai',
      model: 'gpt-4o-mini',
      status: 200,
      finishReason: 'stop',
      content: 'logged answer',
      promptTokens: 11,
      completionTokens: 3,
      totalTokens: 14,
      cachedTokens: 4,
      attempts: 1,
      partial: false,
      error: null,
    });
    expect(request?.latencyMs).toBeGreaterThanOrEqual(30);
    expect(request?.requestBody).toMatchObject({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'please log me' }] });
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini', status: 200, error: null });
    expect(attempts[0]?.latencyMs).toBeGreaterThanOrEqual(30);
  });

  it('records a streamed request with the assembled content, tool calls and streamed usage', async () => {
    const base = { id: 'chatcmpl-log2', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini' };
    fake.enqueue({
      eventDelayMs: 5,
      sse: [
        { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: 'Hello' }, finish_reason: null }] },
        { ...base, choices: [{ index: 0, delta: { content: ', stream' }, finish_reason: null }] },
        { ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_z', type: 'function', function: { name: 'f', arguments: '{"a"' } }] }, finish_reason: null }] },
        { ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: ':1}' } }] }, finish_reason: null }] },
        { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] },
        { ...base, choices: [], usage: { prompt_tokens: 5, completion_tokens: 6, total_tokens: 11, completion_tokens_details: { reasoning_tokens: 2 } } },
      ],
    });
    // Without include_usage: the client gets no usage chunk, but the log still has the usage.
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'stream and log' }], stream: true })
      .withResponse();
    for await (const chunk of stream) void chunk;
    const { request } = await rowFor(response.headers.get('x-request-id'));
    expect(request).toMatchObject({
      stream: true,
      status: 200,
      content: 'Hello, stream',
      finishReason: 'tool_calls',
      toolCalls: [{ id: 'call_z', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
      promptTokens: 5,
      completionTokens: 6,
      totalTokens: 11,
      reasoningTokens: 2,
      partial: false,
    });
    expect(request?.ttftMs).toBeGreaterThanOrEqual(0);
    expect(request?.latencyMs).toBeGreaterThanOrEqual(request?.ttftMs ?? 0);
  });

  it('records a failed request with the mapped status and the upstream error', async () => {
    fake.enqueue({ status: 400, json: { error: { message: 'context too long', type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' } } });
    const err = (await client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(err.status).toBe(400);
    const { request, attempts } = await rowFor(err.headers?.get('x-request-id') ?? null);
    expect(request).toMatchObject({ status: 400, errorCode: 'context_length_exceeded', provider: 'openai' });
    expect(request?.error).toContain('context too long');
    expect(attempts[0]).toMatchObject({ status: 400, errorCode: 'context_length_exceeded' });
  });

  it('records a request for an unknown model (404) with no attempts', async () => {
    const err = (await client.chat.completions.create({ model: 'nobody/has-this', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(err.status).toBe(404);
    const { request, attempts } = await rowFor(err.headers?.get('x-request-id') ?? null);
    expect(request).toMatchObject({ status: 404, errorCode: 'model_not_found', requestedModel: 'nobody/has-this', attempts: 0 });
    expect(attempts).toEqual([]);
  });

  it('records an embeddings request with its usage and attempt, like chat', async () => {
    const { data, response } = await client.embeddings.create({ model: 'openai/text-embedding-3-small', input: ['a', 'b'] }).withResponse();
    expect(data.data).toHaveLength(2);
    expect(response.headers.get('x-gateway-attempts')).toBe('1');
    const { request, attempts } = await rowFor(response.headers.get('x-request-id'));
    expect(request).toMatchObject({ endpoint: '/v1/embeddings', provider: 'openai', model: 'text-embedding-3-small', status: 200, attempts: 1 });
    expect(request?.promptTokens).toBe(data.usage.prompt_tokens);
    expect(attempts[0]).toMatchObject({ provider: 'openai', status: 200 });
  });

  it('keeps bodies out of the row when LOG_BODIES=false', async () => {
    const quiet = await startGateway({ env: { OPENAI_API_KEY: 'sk-quiet-key-000', OPENAI_BASE_URL: fake.baseUrl, LOG_BODIES: 'false' } });
    try {
      const c = new OpenAI({ apiKey: 'unused', baseURL: quiet.baseURL, maxRetries: 0 });
      const { response } = await c.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'secret prompt' }] }).withResponse();
      await quiet.flushLogs();
      const { request } = await quiet.services.logStore.byId(response.headers.get('x-request-id')!);
      expect(request).toMatchObject({ status: 200, requestBody: null, content: null, question: null });
      expect(request?.totalTokens).toBeGreaterThan(0);
    } finally {
      await quiet.close();
    }
  });
});

describe('x-request-id reuse', () => {
  it('keeps both rows when a client sends the same x-request-id twice', async () => {
    const reused = `reused-${crypto.randomUUID()}`;
    for (const content of ['first ask', 'second ask']) {
      const response = await fetch(`${gateway.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': reused },
        body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content }] }),
      });
      expect(response.headers.get('x-request-id')).toBe(reused);
    }
    await gateway.flushLogs();
    const rows = await gateway.services.logStore.allById(reused);
    expect(rows.map((r) => r.content)).toEqual(['first ask', 'second ask']);
    expect(new Set(rows.map((r) => r.id)).size).toBe(2);
  });
});
