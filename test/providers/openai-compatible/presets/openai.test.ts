// The OpenAI preset and the shared OpenAI-wire adapter against the fake upstream: outbound bodies, pass-through
// of JSON and streams (upstream bytes kept as `raw`), error mapping, truncated streams, models, embeddings.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chunkBody, openAIErrorBody, startFakeOpenAI, type FakeUpstream } from '../../../fakes/openai-upstream.js';
import { assemble, callOptions, chatRequest, closeDispatcher, collect, collectEvents, dispatcher, failure, hello, makeProvider, own, ownJson, reference } from '../helpers.js';
import { describeShared } from '../../../helpers/fixtures.js';

let fake: FakeUpstream;
beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: 'test-key' });
});
afterAll(async () => {
  await fake.close();
  await closeDispatcher();
});
beforeEach(() => fake.reset());

const openai = () => makeProvider('openai', fake);

describe('openai: outbound request', () => {
  it('passes the request through untouched, unknown fields included', async () => {
    await openai().chat(
      chatRequest({
        messages: [
          { role: 'developer', content: 'Answer in French.' },
          { role: 'user', content: 'Hi' },
        ],
        max_tokens: 50,
        seed: 3,
        store: true,
        metadata: { team: 'a' },
        stream_options: { include_usage: true },
        verbosity: 'low',
      }),
      'gpt-4o-mini',
      callOptions(),
    );
    expect(fake.requests[0]?.path).toBe('/v1/chat/completions');
    expect(fake.requests[0]?.headers.authorization).toBe('Bearer test-key');
    expect(fake.requests[0]?.body).toMatchInlineSnapshot(`
      {
        "max_tokens": 50,
        "messages": [
          {
            "content": "Answer in French.",
            "role": "developer",
          },
          {
            "content": "Hi",
            "role": "user",
          },
        ],
        "metadata": {
          "team": "a",
        },
        "model": "gpt-4o-mini",
        "seed": 3,
        "store": true,
        "stream": false,
        "verbosity": "low",
      }
    `);
  });

  it.each(['o1', 'o3-mini', 'o4-mini', 'gpt-5', 'gpt-5.1-mini'])('sends max_completion_tokens instead of max_tokens to reasoning model %s', async (model) => {
    await openai().chat(hello({ max_tokens: 64, reasoning_effort: 'low' }), model, callOptions());
    const body = fake.requests[0]?.body as Record<string, unknown>;
    expect(body.max_tokens).toBeUndefined();
    expect(body.max_completion_tokens).toBe(64);
    expect(body.reasoning_effort).toBe('low');
  });

  it('keeps an explicit max_completion_tokens and asks for stream usage', async () => {
    await collect(await openai().chatStream(hello({ max_tokens: 10, max_completion_tokens: 99 }), 'o3', callOptions()));
    expect(fake.requests[0]?.body).toMatchInlineSnapshot(`
      {
        "max_completion_tokens": 99,
        "messages": [
          {
            "content": "Hello",
            "role": "user",
          },
        ],
        "model": "o3",
        "stream": true,
        "stream_options": {
          "include_usage": true,
        },
      }
    `);
  });
});

describe('openai: answers', () => {
  it('returns the JSON completion as OpenAI sent it', async () => {
    fake.enqueue({ json: ownJson('openai', 'chat-tool-call.json') });
    const completion = await openai().chat(hello(), 'gpt-4o-mini', callOptions());
    expect(completion).toEqual(ownJson('openai', 'chat-tool-call.json'));
  });

  it('forwards every stream chunk with the upstream bytes as raw', async () => {
    const sse = own('openai', 'stream-text-usage.sse');
    fake.enqueue({ body: sse, contentType: 'text/event-stream' });
    const events = await collectEvents(await openai().chatStream(hello(), 'gpt-4o-mini', callOptions()));
    const payloads = sse.split('\n\n').filter((e) => e.startsWith('data: {')).map((e) => e.slice(6));
    expect(events.map((e) => e.raw)).toEqual(payloads);
    expect(assemble(events.map((e) => e.chunk))).toMatchObject({ content: 'Bonjour à tous !', finish: 'stop', usage: { total_tokens: 13 } });
  });

  it('decodes CRLF framing and events split across writes', async () => {
    const a = JSON.stringify(chunkBody({ role: 'assistant', content: 'Hi' }));
    const b = JSON.stringify(chunkBody({}, { finishReason: 'stop' }));
    fake.enqueue({ body: [`data: ${a.slice(0, 20)}`, `${a.slice(20)}\r\n\r\n: comment\r\n\r\ndata: ${b}\r`, '\n\r\ndata: [DONE]\r\n\r\n'], contentType: 'text/event-stream', chunkDelayMs: 5 });
    const chunks = await collect(await openai().chatStream(hello(), 'gpt-4o-mini', callOptions()));
    expect(assemble(chunks)).toMatchObject({ content: 'Hi', finish: 'stop' });
  });

  it('accepts a stream that ends after its finish chunk without [DONE]', async () => {
    fake.enqueue({ sse: [chunkBody({ role: 'assistant', content: 'ok' }), chunkBody({}, { finishReason: 'stop' })], done: false });
    expect(assemble(await collect(await openai().chatStream(hello(), 'gpt-4o-mini', callOptions()))).finish).toBe('stop');
  });

  it('fails a stream cut before any finish reason with 502 upstream_stream_truncated', async () => {
    fake.enqueue({ sse: [chunkBody({ role: 'assistant', content: 'Hel' })], done: false });
    const err = await failure(collect(await openai().chatStream(hello(), 'gpt-4o-mini', callOptions())));
    expect(err).toMatchObject({ status: 502, code: 'upstream_stream_truncated' });
  });

  it('fails a stream whose connection is reset mid-body with 502', async () => {
    fake.enqueue({ sse: [chunkBody({ role: 'assistant', content: 'Hel' })], done: false, then: 'destroy' });
    const err = await failure(collect(await openai().chatStream(hello(), 'gpt-4o-mini', callOptions())));
    expect(err.status).toBe(502);
    expect(err.retryable).toBe(true);
  });

  it('turns an error object inside a 200 stream into a 502', async () => {
    fake.enqueue({ sse: [chunkBody({ role: 'assistant', content: 'Hel' }), { error: { message: 'The server had an error', type: 'server_error', code: null } }], done: false });
    const err = await failure(collect(await openai().chatStream(hello(), 'gpt-4o-mini', callOptions())));
    expect(err).toMatchObject({ status: 502, code: 'upstream_stream_error' });
    expect(err.message).toContain('The server had an error');
  });

  it('rejects a stream request answered with JSON', async () => {
    fake.enqueue({ json: ownJson('openai', 'chat-tool-call.json') });
    expect(await failure(openai().chatStream(hello(), 'gpt-4o-mini', callOptions()))).toMatchObject({ status: 502, code: 'bad_upstream_response' });
  });

  it('maps a connection reset before any byte to a retryable 502', async () => {
    fake.enqueue({ fault: 'destroy' });
    expect(await failure(openai().chat(hello(), 'gpt-4o-mini', callOptions()))).toMatchObject({ status: 502, code: 'upstream_connection_error', retryable: true });
  });

  it('times out waiting for headers with 504', async () => {
    fake.enqueue({ fault: 'hang' });
    const err = await failure(openai().chat(hello(), 'gpt-4o-mini', { ...callOptions(), firstByteTimeoutMs: 100 }));
    expect(err.status).toBe(504);
  });
});

describe('openai: errors', () => {
  it('keeps a 400 with param and code (unsupported max_tokens)', async () => {
    fake.enqueue({ status: 400, json: openAIErrorBody("Unsupported parameter: 'max_tokens' is not supported with this model.", 'invalid_request_error', 'unsupported_parameter', 'max_tokens') });
    const err = await failure(openai().chat(hello(), 'gpt-4o-mini', callOptions()));
    expect(err).toMatchObject({ status: 400, param: 'max_tokens', code: 'unsupported_parameter', retryable: false });
    expect(err.message).toContain("'max_tokens' is not supported");
  });

  it('maps a rejected key to 502 and a 5xx to a retryable 502', async () => {
    fake.enqueue({ status: 401, json: openAIErrorBody('Incorrect API key provided', 'invalid_request_error', 'invalid_api_key') });
    expect(await failure(openai().chat(hello(), 'gpt-4o-mini', callOptions()))).toMatchObject({ status: 502, upstreamStatus: 401, retryable: false });
    fake.enqueue({ status: 503, json: openAIErrorBody('Slow down', 'server_error') });
    expect(await failure(openai().chat(hello(), 'gpt-4o-mini', callOptions()))).toMatchObject({ status: 502, retryable: true });
  });

  it('tells a quota 429 (permanent) from a rate-limit 429 (retryable, Retry-After kept)', async () => {
    fake.enqueue({ status: 429, json: openAIErrorBody('You exceeded your current quota', 'insufficient_quota', 'insufficient_quota') });
    expect(await failure(openai().chat(hello(), 'gpt-4o-mini', callOptions()))).toMatchObject({ status: 429, retryable: false });
    fake.enqueue({ status: 429, headers: { 'retry-after': '12' }, json: openAIErrorBody('Rate limit reached', 'requests', 'rate_limit_exceeded') });
    expect(await failure(openai().chat(hello(), 'gpt-4o-mini', callOptions()))).toMatchObject({ status: 429, retryable: true, retryAfter: 12 });
  });
});

describe('openai: models, probe, embeddings, capabilities', () => {
  it('lists models and probes with GET /models', async () => {
    expect((await openai().listModels(AbortSignal.timeout(2000))).map((m) => m.id)).toEqual(['gpt-4o-mini', 'gpt-4o', 'text-embedding-3-small']);
    await openai().probe(AbortSignal.timeout(2000));
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1/models', 'GET /v1/models']);
  });

  it('fails the probe with a bad key as 502', async () => {
    const provider = makeProvider('openai', fake, { apiKey: 'wrong' });
    expect(await failure(provider.probe(AbortSignal.timeout(2000)))).toMatchObject({ status: 502, upstreamStatus: 401 });
  });

  it('creates embeddings', async () => {
    const res = await openai().embeddings?.({ model: 'x', input: ['a', 'b'] }, 'text-embedding-3-small', callOptions());
    expect(res?.data).toHaveLength(2);
    expect(fake.requests[0]?.body).toEqual({ model: 'text-embedding-3-small', input: ['a', 'b'] });
  });

  it('reports vision off only for text-only models', () => {
    expect(openai().capabilities('gpt-4o').vision).toBe(true);
    expect(openai().capabilities('o3-mini').vision).toBe(false);
    expect(openai().capabilities('gpt-4o')).toMatchObject({ tools: true, jsonSchema: true, embeddings: true });
  });
});

describeShared('openai: recorded upstream bodies', () => {
  it('replays a recorded tool-call stream with usage', async () => {
    fake.enqueue({ body: reference('openai-stream-tools-usage.sse'), contentType: 'text/event-stream' });
    const events = await collectEvents(await openai().chatStream(hello(), 'gpt-4o-mini', callOptions()));
    expect(events.every((e) => typeof e.raw === 'string')).toBe(true);
    const result = assemble(events.map((e) => e.chunk));
    expect(result.calls).toEqual([{ id: 'call_ZR5UUuTt3pf61kjwAJIYdVMj', name: 'get_capital', arguments: '{"country":"UK"}' }]);
    expect(result.finish).toBe('tool_calls');
    expect(result.usage?.total_tokens).toBe(68);
  });

  it('replays a recorded text stream', async () => {
    fake.enqueue({ body: reference('openai-stream-text-usage.sse'), contentType: 'text/event-stream' });
    const result = assemble(await collect(await openai().chatStream(hello(), 'gpt-4o-mini', callOptions())));
    expect(result.content).toMatch(/^The capital of the UK is London\./);
    expect(result.finish).toBe('stop');
  });

  it.each([
    ['openai-error-400-unsupported-parameter.json', 400, { status: 400, param: 'max_tokens', code: 'unsupported_parameter' }],
    ['openai-error-401-invalid-api-key.json', 401, { status: 502, code: 'invalid_api_key' }],
    ['openai-error-429-insufficient-quota.json', 429, { status: 429, code: 'insufficient_quota', retryable: false }],
  ])('maps recorded %s', async (file, status, expected) => {
    fake.enqueue({ status, body: reference(file), contentType: 'application/json' });
    expect(await failure(openai().chat(hello(), 'gpt-4o-mini', callOptions()))).toMatchObject(expected);
  });
});
