// The real `openai` client against the gateway in front of a fake OpenAI-wire upstream: the wire contract end to end.
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { conformingFetch, expectConforming } from '../helpers/openai-schema.js';
import { startFakeOpenAI, type FakeUpstream as FakeOpenAI } from '../fakes/openai-upstream.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

const GATEWAY_KEY = 'gw-test-key-123456';
const UPSTREAM_KEY = 'sk-upstream-secret-abcdef';

let fake: FakeOpenAI;
let gateway: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI({ models: ['gpt-4o-mini', 'gpt-4o'], apiKey: UPSTREAM_KEY });
  gateway = await startGateway({
    env: { OPENAI_API_KEY: UPSTREAM_KEY, OPENAI_BASE_URL: fake.baseUrl, GATEWAY_API_KEYS: `other-key-000000,${GATEWAY_KEY}` },
    configure: (c) => {
      c.routing.retries = 0;
    },
  });
  client = new OpenAI({ apiKey: GATEWAY_KEY, baseURL: gateway.baseURL, maxRetries: 0, fetch: conformingFetch });
});

afterEach(() => expectConforming());

afterAll(async () => {
  await gateway?.close();
  await fake?.close();
});

const tools: OpenAI.Chat.ChatCompletionTool[] = [
  {
    type: 'function',
    function: { name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
  },
];

describe('the fake upstream is faithful: the same client straight at it', () => {
  it('answers create and stream like the gateway will see them', async () => {
    const direct = new OpenAI({ apiKey: UPSTREAM_KEY, baseURL: fake.baseUrl, maxRetries: 0 });
    const completion = await direct.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'direct hello' }] });
    expect(completion.choices[0]?.message.content).toBe('direct hello');
    const stream = await direct.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'a b c' }], stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('a b c');
    expect(usage?.total_tokens).toBeGreaterThan(0);
  });
});

describe('chat completions through the gateway', () => {
  it('creates a JSON completion and reports the route in headers', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hello gateway' }], temperature: 0.2 })
      .withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.choices[0]?.message.content).toBe('hello gateway');
    expect(data.usage?.total_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-gateway-provider')).toBe('openai');
    expect(response.headers.get('x-gateway-model')).toBe('openai/gpt-4o-mini');
    expect(response.headers.get('x-gateway-attempts')).toBe('1');
    expect(Number(response.headers.get('x-gateway-overhead-ms'))).toBeGreaterThanOrEqual(0);
    expect(response.headers.get('x-request-id')).toMatch(/\S+/);
    const upstream = fake.requests.at(-1);
    expect(upstream?.body).toMatchObject({ model: 'gpt-4o-mini', temperature: 0.2, stream: false });
    expect(upstream?.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
  });

  it('passes fields it does not interpret through untouched', async () => {
    await client.chat.completions.create({
      model: 'openai/gpt-4o',
      messages: [{ role: 'developer', content: 'rules' }, { role: 'user', content: 'x' }],
      // @ts-expect-error a field from the future the gateway has never heard of
      future_knob: { depth: 3 },
      metadata: { team: 'search' },
      reasoning_effort: 'low',
      response_format: { type: 'json_schema', json_schema: { name: 'r', schema: { type: 'object' }, strict: true } },
    });
    const sent = fake.requests.at(-1)?.body as Record<string, unknown>;
    // gpt-4o is not a reasoning model: OpenAI answers 400 to reasoning_effort there, so the adapter drops it.
    expect(sent).not.toHaveProperty('reasoning_effort');
    expect(sent).toMatchObject({
      future_knob: { depth: 3 },
      metadata: { team: 'search' },
      messages: [{ role: 'developer', content: 'rules' }, { role: 'user', content: 'x' }],
      response_format: { type: 'json_schema', json_schema: { name: 'r', strict: true } },
    });
  });

  it('resolves a bare model name that exactly one provider lists', async () => {
    const { response } = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'bare' }] }).withResponse();
    expect(response.headers.get('x-gateway-model')).toBe('openai/gpt-4o');
  });

  it('streams with include_usage: deltas, a usage chunk with no choices, then [DONE]', async () => {
    const stream = await client.chat.completions.create({
      model: 'openai/gpt-4o-mini',
      messages: [{ role: 'user', content: 'one two three four' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('one two three four');
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    expect(chunks.some((c) => c.choices[0]?.finish_reason === 'stop')).toBe(true);
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage?.total_tokens).toBeGreaterThan(0);
    expect(fake.requests.at(-1)?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('drops the usage chunk when the client did not ask for it (but still asks upstream, to log usage)', async () => {
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${GATEWAY_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'no usage please' }] }),
    });
    const text = await response.text();
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(text).not.toContain('"choices":[]');
    expect(fake.requests.at(-1)?.body).toMatchObject({ stream_options: { include_usage: true } });
  });

  it('returns tool calls as JSON', async () => {
    fake.enqueue({
      json: {
        id: 'chatcmpl-t1', object: 'chat.completion', created: 1, model: 'gpt-4o-mini',
        choices: [{ index: 0, finish_reason: 'tool_calls', message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] } }],
        usage: { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25 },
      },
    });
    const completion = await client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'weather?' }], tools, tool_choice: 'auto', parallel_tool_calls: false });
    const call = completion.choices[0]?.message.tool_calls?.[0];
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call?.type === 'function' && call.function).toEqual({ name: 'get_weather', arguments: '{"city":"Paris"}' });
    expect(fake.requests.at(-1)?.body).toMatchObject({ tools, tool_choice: 'auto', parallel_tool_calls: false });
  });

  it('streams tool-call deltas intact, with reasoning_content passed through', async () => {
    const base = { id: 'chatcmpl-s1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini' };
    fake.enqueue({
      sse: [
        { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: null, reasoning_content: 'thinking…' }, finish_reason: null }] },
        { ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '' } }] }, finish_reason: null }] },
        { ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }, finish_reason: null }] },
        { ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] }, finish_reason: null }] },
        { ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '"Rome"}' } }] }, finish_reason: null }] },
        { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] },
        { ...base, choices: [], usage: { prompt_tokens: 9, completion_tokens: 7, total_tokens: 16 } },
      ],
    });
    const stream = client.chat.completions.stream({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'two cities' }], tools, stream_options: { include_usage: true } });
    let reasoning = '';
    stream.on('chunk', (chunk) => {
      reasoning += (chunk.choices[0]?.delta as { reasoning_content?: string } | undefined)?.reasoning_content ?? '';
    });
    const final = await stream.finalChatCompletion();
    const calls = final.choices[0]?.message.tool_calls ?? [];
    expect(calls.map((c) => c.type === 'function' && [c.id, c.function.name, c.function.arguments])).toEqual([
      ['call_a', 'get_weather', '{"city":"Rome"}'],
      ['call_b', 'get_weather', '{"city":"Oslo"}'],
    ]);
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');
    expect(reasoning).toBe('thinking…');
    expect(final.usage?.total_tokens).toBe(16);
  });

  it('re-frames an upstream event whose data spans several lines, so the client still parses it', async () => {
    const base = { id: 'chatcmpl-ml', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini' };
    const first = JSON.stringify({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: 'multi' }, finish_reason: null }] }, null, 1);
    fake.enqueue({
      sse: [
        first.split('\n').map((line) => `data: ${line}`).join('\n') + '\n\n',
        { ...base, choices: [{ index: 0, delta: { content: '-line' }, finish_reason: 'stop' }] },
      ],
    });
    const stream = await client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('multi-line');
  });

  it('lists and retrieves models as provider/model', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(expect.arrayContaining(['openai/gpt-4o-mini', 'openai/gpt-4o']));
    const one = await client.models.retrieve('openai/gpt-4o');
    expect(one).toMatchObject({ id: 'openai/gpt-4o', object: 'model' });
    const legacy = await fetch(`${gateway.baseURL}/llm/models`, { headers: { authorization: `Bearer ${GATEWAY_KEY}` } });
    expect(((await legacy.json()) as { data: unknown[] }).data.length).toBe(ids.length);
  });
});

describe('errors in OpenAI shape, as the client sees them', () => {
  it('wrong key → 401 AuthenticationError', async () => {
    const bad = new OpenAI({ apiKey: 'wrong', baseURL: gateway.baseURL, maxRetries: 0 });
    const err = await bad.chat.completions.create({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe('invalid_api_key');
  });

  it('percent-encoded paths reach the same routes and stay behind the key', async () => {
    for (const path of ['/%761/models', '/v%31/chat/completions']) {
      const response = await fetch(`${gateway.url}${path}`, { method: path.endsWith('models') ? 'GET' : 'POST', body: path.endsWith('models') ? undefined : '{}' });
      expect(response.status, path).toBe(401);
    }
  });

  it('a model id with a literal % is a 404, not a 500', async () => {
    const response = await fetch(`${gateway.baseURL}/models/openai%2Fgpt%25`, { headers: { authorization: `Bearer ${GATEWAY_KEY}` } });
    expect(response.status).toBe(404);
  });

  it('X-Internal-Auth is accepted as well as Bearer', async () => {
    const response = await fetch(`${gateway.baseURL}/models`, { headers: { 'x-internal-auth': GATEWAY_KEY } });
    expect(response.status).toBe(200);
  });

  it('bad body → 400 with param naming the field', async () => {
    const err = await client.chat.completions
      .create({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'x' }], temperature: 7 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.APIError>).param).toBe('temperature');
  });

  it('malformed JSON → 400 invalid_json', async () => {
    const response = await fetch(`${gateway.baseURL}/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${GATEWAY_KEY}`, 'content-type': 'application/json' }, body: '{"model": "x",' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { type: 'invalid_request_error', code: 'invalid_json' } });
  });

  it('unknown model → 404 model_not_found', async () => {
    const err = await client.chat.completions.create({ model: 'nobody/serves-this', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe('model_not_found');
  });

  it('upstream 500 → 502 naming the provider', async () => {
    fake.enqueue({ status: 500, json: { error: { message: 'boom', type: 'server_error', param: null, code: null } } });
    const err = await client.chat.completions.create({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((err as Error).message).toContain('openai');
  });

  it('upstream 400 → 400 with the upstream message, param and code', async () => {
    fake.enqueue({ status: 400, json: { error: { message: "Unsupported parameter: 'max_tokens'", type: 'invalid_request_error', param: 'max_tokens', code: 'unsupported_parameter' } } });
    const err = await client.chat.completions.create({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'x' }], max_tokens: 5 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    const apiError = err as InstanceType<typeof OpenAI.APIError>;
    expect(apiError.param).toBe('max_tokens');
    expect(apiError.code).toBe('unsupported_parameter');
    expect(apiError.message).toContain('openai');
  });

  it('upstream rejecting the gateway key → 502, and the key never reaches the gateway logs', async () => {
    const wrong = await startGateway({ env: { OPENAI_API_KEY: 'sk-not-the-right-key-999', OPENAI_BASE_URL: fake.baseUrl } });
    try {
      const direct = new OpenAI({ apiKey: 'unused', baseURL: wrong.baseURL, maxRetries: 0 });
      const err = await direct.chat.completions.create({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
      expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
      await wrong.flushLogs();
      expect(wrong.logLines.join('\n')).not.toContain('sk-not-the-right-key-999');
    } finally {
      await wrong.close();
    }
  });

  it('a stream that fails before its first byte is a plain HTTP error', async () => {
    fake.enqueue({ status: 503, json: { error: { message: 'overloaded', type: 'server_error', param: null, code: null } } });
    const err = await client.chat.completions.create({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'x' }], stream: true }).catch((e: unknown) => e);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
  });

  it('a stream that fails after its first byte ends with an error event the client throws on', async () => {
    const base = { id: 'chatcmpl-e', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o' };
    fake.enqueue({ sse: [{ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: 'partial ' }, finish_reason: null }] }], done: false, then: 'destroy' });
    const stream = await client.chat.completions.create({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'x' }], stream: true });
    let text = '';
    const err = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })().catch((e: unknown) => e);
    expect(text).toBe('partial ');
    expect(err).toBeInstanceOf(OpenAI.APIError);
  });
});
