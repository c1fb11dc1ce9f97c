// The Anthropic adapter over real HTTP against the fake Messages API: JSON, streams, tools, JSON mode, errors,
// aborts, timeouts and the paginated model list.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/errors.js';
import { createAnthropicProvider } from '../../../src/providers/anthropic/adapter.js';
import type { CallOptions, Provider, ProviderConfig } from '../../../src/providers/provider.js';
import { chatRequestSchema, type ChatRequest } from '../../../src/schemas/chat-request.js';
import type { ChatCompletionChunk } from '../../../src/schemas/chat-response.js';
import { createDispatcher } from '../../../src/upstream/http.js';
import { anthropicMessage, messageToEvents, startFakeAnthropic, type FakeAnthropic } from '../../fakes/anthropic-upstream.js';

const KEY = 'sk-ant-gateway';
const MODEL = 'claude-sonnet-4-5';
let fake: FakeAnthropic;
const dispatcher = createDispatcher({ useEnvProxy: false });
let provider: Provider;

const make = (config: Partial<ProviderConfig> = {}) =>
  createAnthropicProvider({ id: 'anthropic', type: 'anthropic', baseUrl: fake.baseUrl, apiKey: KEY, options: { beta: 'beta-a,beta-b' }, ...config }, { dispatcher });

beforeAll(async () => {
  fake = await startFakeAnthropic({ apiKey: KEY });
  provider = make();
});
afterAll(async () => {
  await fake.close();
  await dispatcher.close();
});
beforeEach(() => {
  fake.requests.length = 0;
});

const opts = (overrides: Partial<CallOptions> = {}): CallOptions => ({ signal: new AbortController().signal, firstByteTimeoutMs: 2000, idleTimeoutMs: 2000, ...overrides });
const chatReq = (body: Record<string, unknown> = {}): ChatRequest =>
  chatRequestSchema.parse({ model: `anthropic/${MODEL}`, messages: [{ role: 'user', content: 'hello' }], ...body });

async function collect(stream: AsyncIterable<{ chunk: ChatCompletionChunk }>) {
  const chunks: ChatCompletionChunk[] = [];
  for await (const { chunk } of stream) chunks.push(chunk);
  return chunks;
}

async function failure(promise: Promise<unknown>): Promise<GatewayError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GatewayError);
  return err as GatewayError;
}

const deltas = (chunks: ChatCompletionChunk[]) => chunks.flatMap((c) => c.choices.map((choice) => choice.delta));
const textOf = (chunks: ChatCompletionChunk[]) => deltas(chunks).map((d) => d.content ?? '').join('');

const weatherCall = anthropicMessage({
  stop_reason: 'tool_use',
  content: [
    { type: 'text', text: 'Checking both.' },
    { type: 'tool_use', id: 'toolu_01P', name: 'get_weather', input: { city: 'Paris', unit: 'celsius' } },
    { type: 'tool_use', id: 'toolu_01T', name: 'get_weather', input: { city: 'Tokyo' } },
  ],
  usage: { input_tokens: 30, cache_read_input_tokens: 10, output_tokens: 44 },
});
const jsonAnswer = anthropicMessage({ stop_reason: 'tool_use', content: [{ type: 'tool_use', id: 'toolu_01J', name: 'json_output', input: { name: 'Ada', born: 1815 } }] });

describe('anthropic adapter: chat', () => {
  it('POSTs /v1/messages with the Anthropic headers and translates the answer', async () => {
    const completion = await provider.chat(chatReq({ messages: [{ role: 'system', content: 'terse' }, { role: 'user', content: 'hello' }] }), MODEL, opts());
    expect(completion.choices[0]).toMatchObject({ finish_reason: 'stop', message: { role: 'assistant', content: 'echo: hello' } });
    expect(completion.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 });
    const [req] = fake.requests;
    expect(req?.method).toBe('POST');
    expect(req?.url).toBe('/v1/messages');
    expect(req?.headers).toMatchObject({ 'x-api-key': KEY, 'anthropic-version': '2023-06-01', 'anthropic-beta': 'beta-a,beta-b', 'content-type': 'application/json' });
    expect(req?.headers.authorization).toBeUndefined();
    expect(req?.body).toEqual({ model: MODEL, max_tokens: 16384, system: 'terse', messages: [{ role: 'user', content: 'hello' }] });
  });

  it('takes anthropic-version from config.options.version', async () => {
    await make({ options: { version: '2099-01-01' } }).chat(chatReq(), MODEL, opts());
    expect(fake.requests[0]?.headers['anthropic-version']).toBe('2099-01-01');
    expect(fake.requests[0]?.headers['anthropic-beta']).toBeUndefined();
  });

  it('returns tool calls with Anthropic ids and the tool_calls finish reason', async () => {
    fake.reply({ kind: 'message', message: weatherCall });
    const completion = await provider.chat(chatReq({ tools: [{ type: 'function', function: { name: 'get_weather' } }] }), MODEL, opts());
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
    expect(completion.choices[0]?.message.tool_calls?.map((c) => [c.id, JSON.parse(c.function.arguments)])).toEqual([
      ['toolu_01P', { city: 'Paris', unit: 'celsius' }],
      ['toolu_01T', { city: 'Tokyo' }],
    ]);
    expect(completion.usage).toMatchObject({ prompt_tokens: 40, prompt_tokens_details: { cached_tokens: 10 } });
  });

  it('answers JSON mode through the forced tool', async () => {
    fake.reply({ kind: 'message', message: jsonAnswer });
    const completion = await provider.chat(chatReq({ response_format: { type: 'json_object' } }), MODEL, opts());
    expect(fake.requests[0]?.body).toMatchObject({ tool_choice: { type: 'tool', name: 'json_output' } });
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(JSON.parse(completion.choices[0]?.message.content ?? '')).toEqual({ name: 'Ada', born: 1815 });
  });

  it('rejects a 200 that is not a Messages response', async () => {
    fake.reply({ kind: 'raw', status: 200, body: '<html>captive portal</html>' });
    expect(await failure(provider.chat(chatReq(), MODEL, opts()))).toMatchObject({ status: 502, code: 'bad_upstream_response' });
  });
});

describe('anthropic adapter: chatStream', () => {
  it('streams role, text and reasoning deltas, then finish, then usage', async () => {
    fake.reply({
      kind: 'message',
      message: anthropicMessage({ content: [{ type: 'thinking', thinking: 'Short reasoning here.' }, { type: 'text', text: 'Bonjour tout le monde' }], usage: { output_tokens: 21 } }),
    });
    const chunks = await collect(await provider.chatStream(chatReq({ reasoning_effort: 'low' }), MODEL, opts()));
    expect(fake.requests[0]?.body).toMatchObject({ stream: true, thinking: { type: 'enabled', budget_tokens: 2048 } });
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: '' });
    expect(textOf(chunks)).toBe('Bonjour tout le monde');
    expect(deltas(chunks).filter((d) => d.content).length).toBeGreaterThan(1);
    expect(deltas(chunks).map((d) => d.reasoning_content ?? '').join('')).toBe('Short reasoning here.');
    expect(chunks.at(-2)?.choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 12, completion_tokens: 21, total_tokens: 33 } });
  });

  it('streams tool calls as OpenAI deltas: index per call, id and name first, argument fragments after', async () => {
    fake.reply({ kind: 'message', message: weatherCall });
    const chunks = await collect(await provider.chatStream(chatReq({ tools: [{ type: 'function', function: { name: 'get_weather' } }] }), MODEL, opts()));
    const calls = deltas(chunks).flatMap((d) => d.tool_calls ?? []);
    expect(calls.filter((c) => c.id)).toEqual([
      { index: 0, id: 'toolu_01P', type: 'function', function: { name: 'get_weather', arguments: '' } },
      { index: 1, id: 'toolu_01T', type: 'function', function: { name: 'get_weather', arguments: '' } },
    ]);
    const fragments = calls.filter((c) => !c.id);
    expect(fragments.filter((c) => c.index === 0).length).toBeGreaterThan(2);
    const args = (index: number) => JSON.parse(fragments.filter((c) => c.index === index).map((c) => c.function?.arguments).join(''));
    expect(args(0)).toEqual({ city: 'Paris', unit: 'celsius' });
    expect(args(1)).toEqual({ city: 'Tokyo' });
    expect(textOf(chunks)).toBe('Checking both.');
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('tool_calls');
  });

  it('streams JSON mode as content deltas with finish_reason stop', async () => {
    fake.reply({ kind: 'message', message: jsonAnswer });
    const chunks = await collect(await provider.chatStream(chatReq({ response_format: { type: 'json_schema', json_schema: { name: 'p', schema: { type: 'object' } } } }), MODEL, opts()));
    expect(JSON.parse(textOf(chunks))).toEqual({ name: 'Ada', born: 1815 });
    expect(deltas(chunks).some((d) => d.tool_calls)).toBe(false);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop');
  });

  it('throws a retryable 502 when an error event arrives after the 200, after yielding what came before', async () => {
    const events = messageToEvents(anthropicMessage({ content: [{ type: 'text', text: 'Once upon a time' }] })).slice(0, 4);
    events.push({ event: 'error', data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' }, request_id: 'req_x' } });
    fake.reply({ kind: 'stream', events });
    const seen: ChatCompletionChunk[] = [];
    const err = await failure(
      (async () => {
        for await (const { chunk } of await provider.chatStream(chatReq(), MODEL, opts())) seen.push(chunk);
      })(),
    );
    expect(textOf(seen)).toBe('Once upon ');
    expect(err).toMatchObject({ status: 502, retryable: true, upstreamStatus: 529, code: 'upstream_overloaded' });
  });

  it('throws when the upstream closes before message_stop', async () => {
    const events = messageToEvents(anthropicMessage({ content: [{ type: 'text', text: 'cut short' }] })).slice(0, -2);
    fake.reply({ kind: 'stream', events, end: 'close' });
    const err = await failure(collect(await provider.chatStream(chatReq(), MODEL, opts())));
    expect(err).toMatchObject({ status: 502, code: 'upstream_stream_truncated', retryable: true });
  });

  it('rejects a stream request answered with JSON', async () => {
    fake.reply({ kind: 'raw', status: 200, body: JSON.stringify(anthropicMessage({ content: [] })) });
    expect(await failure(provider.chatStream(chatReq(), MODEL, opts()))).toMatchObject({ status: 502, code: 'bad_upstream_response' });
  });
});

describe('anthropic adapter: errors', () => {
  it.each([
    ['400 invalid_request_error', { status: 400, type: 'invalid_request_error', message: 'prompt is too long: 210000 tokens > 200000 maximum' }, { status: 400, retryable: false }],
    ['413 request_too_large', { status: 413, type: 'request_too_large', message: 'Request exceeds the maximum size' }, { status: 413, retryable: false }],
    ['404 not_found_error', { status: 404, type: 'not_found_error', message: 'model: claude-nope' }, { status: 404, fallbackable: true }],
    ['500 api_error', { status: 500, type: 'api_error', message: 'Internal server error' }, { status: 502, retryable: true }],
    ['529 overloaded_error', { status: 529, type: 'overloaded_error', message: 'Overloaded' }, { status: 502, retryable: true, upstreamStatus: 529, code: 'upstream_overloaded' }],
  ] as const)('maps %s, before and instead of a stream', async (_name, reply, expected) => {
    fake.reply({ kind: 'error', ...reply }, { kind: 'error', ...reply });
    const err = await failure(provider.chat(chatReq(), MODEL, opts()));
    expect(err).toMatchObject({ ...expected, provider: 'anthropic', upstreamStatus: reply.status });
    expect(err.message).toContain('anthropic');
    expect(err.message).toContain(reply.message);
    expect(await failure(provider.chatStream(chatReq(), MODEL, opts()))).toMatchObject(expected);
  });

  it('keeps 429 with the Retry-After header', async () => {
    fake.reply({ kind: 'error', status: 429, type: 'rate_limit_error', message: 'slow down', headers: { 'retry-after': '12' } });
    expect(await failure(provider.chat(chatReq(), MODEL, opts()))).toMatchObject({ status: 429, retryAfter: 12, retryable: true, type: 'rate_limit_error' });
  });

  it('turns a rejected key into 502 (the gateway credentials, not the client)', async () => {
    const err = await failure(make({ apiKey: 'wrong' }).chat(chatReq(), MODEL, opts()));
    expect(err).toMatchObject({ status: 502, upstreamStatus: 401, retryable: false, fallbackable: true });
    expect(err.message).toContain('invalid x-api-key');
  });

  it('answers 400 for n > 1 without calling the upstream', async () => {
    expect(await failure(provider.chat(chatReq({ n: 3 }), MODEL, opts()))).toMatchObject({ status: 400, param: 'n' });
    expect(fake.requests).toHaveLength(0);
  });

  it('times out waiting for headers with a 504', async () => {
    fake.reply({ kind: 'hang' });
    expect(await failure(provider.chat(chatReq(), MODEL, opts({ firstByteTimeoutMs: 100 })))).toMatchObject({ status: 504, retryable: true });
  });
});

describe('anthropic adapter: abort', () => {
  it('aborts a pending call through the signal and closes the upstream connection', async () => {
    fake.reply({ kind: 'hang' });
    const controller = new AbortController();
    const pending = provider.chat(chatReq(), MODEL, opts({ signal: controller.signal }));
    await expect.poll(() => fake.requests.length).toBe(1);
    controller.abort();
    await failure(pending);
    await fake.requests[0]?.closed;
    expect(fake.requests[0]?.abortedByClient).toBe(true);
  });

  it('aborts a stream midway and closes the upstream connection', async () => {
    const events = messageToEvents(anthropicMessage({ content: [{ type: 'text', text: 'never ending' }] })).slice(0, 3);
    fake.reply({ kind: 'stream', events, end: 'hold' });
    const controller = new AbortController();
    const stream = await provider.chatStream(chatReq(), MODEL, opts({ signal: controller.signal }));
    const seen: ChatCompletionChunk[] = [];
    const err = await failure(
      (async () => {
        for await (const { chunk } of stream) {
          seen.push(chunk);
          if (chunk.choices[0]?.delta.content) controller.abort();
        }
      })(),
    );
    expect(err).toBeInstanceOf(GatewayError);
    expect(textOf(seen)).toBe('never');
    await fake.requests[0]?.closed;
    expect(fake.requests[0]?.abortedByClient).toBe(true);
  });
});

describe('anthropic adapter: early exit', () => {
  it('closes the upstream connection when the consumer stops reading', async () => {
    const events = messageToEvents(anthropicMessage({ content: [{ type: 'text', text: 'a long answer' }] })).slice(0, 3);
    fake.reply({ kind: 'stream', events, end: 'hold' });
    for await (const { chunk } of await provider.chatStream(chatReq(), MODEL, opts())) {
      if (chunk.choices[0]?.delta.role) break;
    }
    await fake.requests[0]?.closed;
    expect(fake.requests[0]?.abortedByClient).toBe(true);
  });
});

describe('anthropic adapter: models and probe', () => {
  it('lists every model across pages of 1000 (has_more / last_id)', async () => {
    fake.models = Array.from({ length: 2003 }, (_, i) => ({ id: `claude-m${String(i).padStart(4, '0')}`, created_at: '2025-05-14T00:00:00Z' }));
    const models = await provider.listModels(new AbortController().signal);
    expect(models).toHaveLength(2003);
    expect(models[0]).toEqual({ id: 'claude-m0000', created: Date.parse('2025-05-14T00:00:00Z') / 1000, ownedBy: 'anthropic' });
    expect(models.at(-1)?.id).toBe('claude-m2002');
    expect(fake.requests.map((r) => r.url)).toEqual(['/v1/models?limit=1000', '/v1/models?limit=1000&after_id=claude-m0999', '/v1/models?limit=1000&after_id=claude-m1999']);
    expect(fake.requests[0]?.headers['x-api-key']).toBe(KEY);
  });

  it('probes with GET /models?limit=1 and fails on a bad key', async () => {
    await provider.probe(new AbortController().signal);
    expect(fake.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /v1/models?limit=1']);
    expect(await failure(make({ apiKey: 'nope' }).probe(new AbortController().signal))).toMatchObject({ status: 502, upstreamStatus: 401 });
  });

  it('declares capabilities per model family', () => {
    expect(provider.capabilities('claude-sonnet-4-5')).toEqual({ tools: true, vision: true, jsonSchema: true, reasoning: true, embeddings: false, files: true });
    expect(provider.capabilities('claude-3-5-sonnet-20241022')).toMatchObject({ reasoning: false, vision: true });
    expect(provider.capabilities('claude-3-7-sonnet-20250219').reasoning).toBe(true);
  });
});
