// The Mistral preset against the fake upstream in strict Mistral mode (unknown fields → 422, as the real API):
// whitelisted and renamed request, content-chunk arrays, tool calls without index/type, finish reasons, error shapes.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeUpstream } from '../../../fakes/openai-upstream.js';
import { assemble, callOptions, chatRequest, chunksToSse, closeDispatcher, collect, dispatcher, failure, hello, makeProvider, own, ownJson, reference } from '../helpers.js';
import { describeShared } from '../../../helpers/fixtures.js';

let fake: FakeUpstream;
beforeAll(async () => {
  fake = await startFakeOpenAI({ mode: 'mistral', apiKey: 'test-key' });
});
afterAll(async () => {
  await fake.close();
  await closeDispatcher();
});
beforeEach(() => fake.reset());

const mistral = () => makeProvider('mistral', fake);
const weatherTool = (name: string) => ({ type: 'function', function: { name, description: `${name} tool`, parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: true } });

/** Everything an OpenAI client may send that Mistral would refuse or name differently. */
const richRequest = chatRequest({
  messages: [
    { role: 'developer', content: 'Be terse.' },
    { role: 'system', content: [{ type: 'text', text: 'Use tools.' }] },
    {
      role: 'user',
      name: 'alice',
      content: [
        { type: 'text', text: 'What is in this picture, and the weather?' },
        { type: 'image_url', image_url: { url: 'https://example.com/cat.png', detail: 'high' } },
      ],
    },
    {
      role: 'assistant',
      content: null,
      refusal: null,
      reasoning_content: 'I should call the tool.',
      tool_calls: [{ id: 'gSIMJiOkT', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
    },
    { role: 'tool', tool_call_id: 'gSIMJiOkT', content: '18°C' },
  ],
  tools: [weatherTool('get_weather')],
  tool_choice: 'required',
  seed: 42,
  max_completion_tokens: 300,
  temperature: 0.2,
  stop: ['END'],
  response_format: { type: 'json_object' },
  parallel_tool_calls: false,
  store: true,
  metadata: { trace: '1' },
  user: 'u-1',
  logprobs: true,
  service_tier: 'auto',
  stream_options: { include_usage: true },
});

describe('mistral: outbound request', () => {
  it('whitelists fields, renames seed and max_completion_tokens, maps required → any (accepted by the strict fake)', async () => {
    await mistral().chat(richRequest, 'mistral-small-latest', callOptions());
    expect(fake.requests[0]?.body).toMatchInlineSnapshot(`
      {
        "max_tokens": 300,
        "messages": [
          {
            "content": "Be terse.",
            "role": "system",
          },
          {
            "content": [
              {
                "text": "Use tools.",
                "type": "text",
              },
            ],
            "role": "system",
          },
          {
            "content": [
              {
                "text": "What is in this picture, and the weather?",
                "type": "text",
              },
              {
                "image_url": {
                  "detail": "high",
                  "url": "https://example.com/cat.png",
                },
                "type": "image_url",
              },
            ],
            "role": "user",
          },
          {
            "content": null,
            "role": "assistant",
            "tool_calls": [
              {
                "function": {
                  "arguments": "{"city":"Paris"}",
                  "name": "get_weather",
                },
                "id": "gSIMJiOkT",
                "type": "function",
              },
            ],
          },
          {
            "content": "18°C",
            "name": "get_weather",
            "role": "tool",
            "tool_call_id": "gSIMJiOkT",
          },
        ],
        "model": "mistral-small-latest",
        "parallel_tool_calls": false,
        "random_seed": 42,
        "response_format": {
          "type": "json_object",
        },
        "stop": [
          "END",
        ],
        "stream": false,
        "temperature": 0.2,
        "tool_choice": "any",
        "tools": [
          {
            "function": {
              "description": "get_weather tool",
              "name": "get_weather",
              "parameters": {
                "properties": {
                  "city": {
                    "type": "string",
                  },
                },
                "type": "object",
              },
              "strict": true,
            },
            "type": "function",
          },
        ],
      }
    `);
  });

  it('streams without stream_options (Mistral rejects it and sends usage anyway)', async () => {
    const chunks = await collect(await mistral().chatStream(richRequest, 'mistral-small-latest', callOptions()));
    const body = fake.requests[0]?.body as Record<string, unknown>;
    expect(body.stream).toBe(true);
    expect(body).not.toHaveProperty('stream_options');
    expect(assemble(chunks).usage).toMatchObject({ total_tokens: expect.any(Number) });
  });

  it('implements a named tool_choice as any over that one tool', async () => {
    const request = chatRequest({
      messages: [{ role: 'user', content: 'Weather?' }],
      tools: [weatherTool('get_weather'), weatherTool('get_time')],
      tool_choice: { type: 'function', function: { name: 'get_time' } },
    });
    await mistral().chat(request, 'mistral-small-latest', callOptions());
    const body = fake.requests[0]?.body as { tools: Array<{ function: { name: string } }>; tool_choice: unknown };
    expect(body.tools.map((t) => t.function.name)).toEqual(['get_time']);
    expect(body.tool_choice).toBe('any');
  });
});

describe('mistral: answers', () => {
  it('splits a Magistral content array into reasoning_content and content', async () => {
    fake.enqueue({ json: ownJson('mistral', 'chat-magistral-thinking.json') });
    const completion = await mistral().chat(hello(), 'magistral-small-latest', callOptions());
    expect(completion.choices[0]?.message).toMatchObject({ content: '17 × 3 = **51**.', reasoning_content: 'The user asks for 17 * 3. 17 * 3 = 51.' });
  });

  it('adds type and index to JSON tool calls', async () => {
    fake.enqueue({ json: ownJson('mistral', 'chat-tool-calls.json') });
    const completion = await mistral().chat(hello(), 'mistral-small-latest', callOptions());
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
    expect(completion.choices[0]?.message.tool_calls).toEqual([
      { id: 'D681PevKs', index: 0, type: 'function', function: { name: 'retrieve_payment_status', arguments: '{"transaction_id": "T1001"}' } },
      { id: 'k9TzQ2mWx', index: 1, type: 'function', function: { name: 'retrieve_payment_date', arguments: '{"transaction_id": "T1001"}' } },
    ]);
    expect(completion.usage?.prompt_tokens_details?.cached_tokens).toBe(128);
  });

  it('indexes parallel streamed tool calls and moves usage into its own chunk', async () => {
    fake.enqueue({ body: own('mistral', 'stream-parallel-tools.sse'), contentType: 'text/event-stream' });
    const chunks = await collect(await mistral().chatStream(hello(), 'mistral-small-latest', callOptions()));
    expect(chunks[1]?.choices[0]?.delta.tool_calls).toEqual([
      { id: 'a1B2c3D4e', index: 0, type: 'function', function: { name: 'get_weather', arguments: '{"city": "Paris"}' } },
      { id: 'f5G6h7J8k', index: 1, type: 'function', function: { name: 'get_weather', arguments: '{"city": "Lyon"}' } },
    ]);
    expect(chunks[1]?.usage).toBeUndefined();
    expect(chunks[2]).toMatchObject({ choices: [], usage: { prompt_tokens: 140, completion_tokens: 40, total_tokens: 180 } });
    expect(chunks).toHaveLength(3);
  });

  it('maps finish_reason model_length to length', async () => {
    fake.enqueue({ body: own('mistral', 'stream-model-length.sse'), contentType: 'text/event-stream' });
    const result = assemble(await collect(await mistral().chatStream(hello(), 'open-mistral-nemo', callOptions())));
    expect(result).toMatchObject({ content: 'Once upon a time', finish: 'length' });
  });

  it('fails on finish_reason error, streamed or not', async () => {
    const json = ownJson('mistral', 'chat-tool-calls.json') as { choices: Array<Record<string, unknown>> };
    fake.enqueue({ json: { ...json, choices: [{ ...json.choices[0], finish_reason: 'error' }] } });
    expect(await failure(mistral().chat(hello(), 'mistral-small-latest', callOptions()))).toMatchObject({ status: 502, retryable: true });
    fake.enqueue({ sse: [{ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: 'a' }, finish_reason: 'error' }] }] });
    expect(await failure(collect(await mistral().chatStream(hello(), 'mistral-small-latest', callOptions())))).toMatchObject({ status: 502 });
  });
});

describe('mistral: errors', () => {
  it('maps the strict 422 to a 400 naming the field', async () => {
    fake.enqueue({
      status: 422,
      json: { object: 'error', message: { detail: [{ type: 'extra_forbidden', loc: ['body', 'logit_bias'], msg: 'Extra inputs are not permitted', input: {} }] }, type: 'invalid_request_error', param: null, code: null },
    });
    const err = await failure(mistral().chat(hello(), 'mistral-small-latest', callOptions()));
    expect(err).toMatchObject({ status: 400, param: 'logit_bias', upstreamStatus: 422, retryable: false });
    expect(err.message).toBe('mistral: body.logit_bias: Extra inputs are not permitted');
  });

  it.each([
    [{ message: 'Unauthorized', request_id: '933f' }, 401, 'Unauthorized'],
    [{ detail: 'Unauthorized' }, 401, 'Unauthorized'],
  ])('maps the 401 shape %j to 502', async (body, status, text) => {
    fake.enqueue({ status, json: body });
    const err = await failure(mistral().chat(hello(), 'mistral-small-latest', callOptions()));
    expect(err).toMatchObject({ status: 502, upstreamStatus: 401 });
    expect(err.message).toContain(text);
  });

  it('keeps a 429 retryable with its code', async () => {
    fake.enqueue({ status: 429, json: { message: 'Requests rate limit exceeded' } });
    const err = await failure(mistral().chat(hello(), 'mistral-small-latest', callOptions()));
    expect(err).toMatchObject({ status: 429, retryable: true });
    expect(err.message).toContain('Requests rate limit exceeded');
  });
});

describe('mistral: models, embeddings, capabilities', () => {
  it('lists models and embeds through /v1/embeddings', async () => {
    expect((await mistral().listModels(AbortSignal.timeout(2000))).map((m) => m.id)).toContain('mistral-embed');
    const res = await mistral().embeddings?.({ model: 'x', input: 'hi' }, 'mistral-embed', callOptions());
    expect(res?.data).toHaveLength(1);
    expect(fake.requests.at(-1)?.path).toBe('/v1/embeddings');
  });

  it('knows vision and reasoning per model', () => {
    const caps = mistral().capabilities;
    expect(caps('pixtral-large-latest').vision).toBe(true);
    expect(caps('mistral-small-latest').vision).toBe(true);
    expect(caps('mistral-small-2409').vision).toBe(false);
    expect(caps('mistral-medium-2505').vision).toBe(true);
    expect(caps('open-mistral-nemo').vision).toBe(false);
    expect(caps('magistral-medium-latest').reasoning).toBe(true);
    expect(caps('mistral-large-latest').reasoning).toBe(false);
    expect(caps('mistral-embed')).toMatchObject({ tools: false, embeddings: true });
  });
});

describeShared('mistral: recorded upstream bodies', () => {
  it('replays a recorded text stream', async () => {
    fake.enqueue({ sse: chunksToSse(reference('mistral-stream-text.chunks.jsonl')), done: false });
    const result = assemble(await collect(await mistral().chatStream(hello(), 'mistral-small-latest', callOptions())));
    expect(result).toMatchObject({ content: 'Hello, world! This is a test response.', finish: 'stop', usage: { prompt_tokens: 13, completion_tokens: 8, total_tokens: 21 } });
  });

  it('replays a recorded tool-call stream', async () => {
    fake.enqueue({ sse: chunksToSse(reference('mistral-stream-toolcall.chunks.jsonl')), done: false });
    const result = assemble(await collect(await mistral().chatStream(hello(), 'mistral-small-latest', callOptions())));
    expect(result.calls).toEqual([{ id: 'gSIMJiOkT', name: 'weather', arguments: '{"location": "San Francisco"}' }]);
    expect(result).toMatchObject({ finish: 'tool_calls', usage: { total_tokens: 146 } });
  });

  it('replays a recorded Magistral thinking stream', async () => {
    fake.enqueue({ body: reference('mistral-stream-thinking.sse'), contentType: 'text/event-stream' });
    const result = assemble(await collect(await mistral().chatStream(hello(), 'magistral-medium-latest', callOptions())));
    expect(result.reasoning.startsWith('Okay, the user')).toBe(true);
    expect(result.content.endsWith('ensure a safe crossing.')).toBe(true);
    expect(result.content).not.toContain('Okay, the user');
    expect(result.usage?.total_tokens).toBe(242);
  });

  it.each([
    ['mistral-error-422-extra-forbidden.json', 422, { status: 400, param: 'max_completion_tokens' }],
    ['mistral-error-401-unauthorized.json', 401, { status: 502 }],
    ['mistral-error-429-rate-limited.json', 429, { status: 429, code: '1300', retryable: true }],
  ])('maps recorded %s', async (file, status, expected) => {
    fake.enqueue({ status, body: reference(file), contentType: 'application/json' });
    expect(await failure(mistral().chat(hello(), 'mistral-small-latest', callOptions()))).toMatchObject(expected);
  });
});

describe('tool-call ids from other providers', () => {
  it('maps ids Mistral would refuse to stable 9-character ones, keeping each call matched with its result', async () => {
    const history = chatRequest({
      messages: [
        { role: 'user', content: 'weather in two cities' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_0123456789abcdef01234567_gts_c2lnbmF0dXJl', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'toolu_01A09q90qw90lq917835lq9', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
            { id: 'gSIMJiOkT', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_0123456789abcdef01234567_gts_c2lnbmF0dXJl', content: '18°C' },
        { role: 'tool', tool_call_id: 'toolu_01A09q90qw90lq917835lq9', content: '4°C' },
        { role: 'tool', tool_call_id: 'gSIMJiOkT', content: '22°C' },
      ],
    });
    const completion = await mistral().chat(history, 'mistral-small-latest', callOptions());
    expect(completion.choices[0]?.message.content).toBeTypeOf('string');
    const sent = fake.requests.at(-1)?.body as { messages: Array<{ role: string; tool_calls?: Array<{ id: string }>; tool_call_id?: string }> };
    const callIds = sent.messages[1]?.tool_calls?.map((c) => c.id) ?? [];
    const resultIds = sent.messages.filter((m) => m.role === 'tool').map((m) => m.tool_call_id);
    expect(callIds).toHaveLength(3);
    for (const id of callIds) expect(id).toMatch(/^[a-zA-Z0-9]{9}$/);
    expect(resultIds).toEqual(callIds);
    expect(callIds[2]).toBe('gSIMJiOkT');
    expect(new Set(callIds).size).toBe(3);
  });
});
