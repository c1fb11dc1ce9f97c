// The real `openai` client against a zero-config gateway (the mock provider): embeddings, the tool loop and structured
// output all work, and the JSON bodies validate against OpenAI's published schema.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { expectOpenAI, expectValidAgainst, openAIValidator } from '../helpers/openai-schema.js';

let gateway: TestGateway;
let client: OpenAI;

const expectOpenAIShape = expectOpenAI;

const post = async (path: string, body: unknown) => {
  const res = await fetch(`${gateway.baseURL}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
};

beforeAll(async () => {
  gateway = await startGateway({ env: { MOCK_DELAY_MS: '1' } });
  client = new OpenAI({ apiKey: 'unused', baseURL: gateway.baseURL, maxRetries: 0 });
  // A gateway opens its own PGlite log store: on a loaded machine that outlasts the default hook timeout.
}, 120_000);
afterAll(async () => {
  await gateway?.close();
});

const weatherParameters = {
  type: 'object',
  properties: {
    city: { type: 'string', minLength: 2 },
    unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
    days: { type: 'integer', minimum: 1, maximum: 7 },
    detail: { type: 'boolean' },
  },
  required: ['city', 'unit', 'days'],
  additionalProperties: false,
};
const tools: OpenAI.Chat.ChatCompletionTool[] = [
  { type: 'function', function: { name: 'get_weather', parameters: weatherParameters } },
  { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: { zone: { type: 'string', format: 'date-time' } }, required: ['zone'] } } },
];

describe('the mock through the openai client', () => {
  it('lists its models, the new ones included', async () => {
    const ids = (await client.models.list()).data.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining(['mock/echo', 'mock/embed', 'mock/tools']));
  });

  it('answers chat completions in the exact schema OpenAI publishes (refusal and logprobs null)', async () => {
    const { status, json } = await post('/chat/completions', { model: 'mock/echo', messages: [{ role: 'user', content: 'hello schema' }] });
    expect(status).toBe(200);
    expectOpenAIShape('CreateChatCompletionResponse', json);
    const choice = (json.choices as Array<{ message: Record<string, unknown>; logprobs: unknown }>)[0];
    expect(choice?.message).toMatchObject({ content: 'hello schema', refusal: null });
    expect(choice?.logprobs).toBeNull();
    // the validator is not vacuous: without logprobs the same body fails OpenAI's schema
    delete (choice as { logprobs?: unknown }).logprobs;
    expect(openAIValidator('CreateChatCompletionResponse')(json)).toBe(false);
  });

  it('embeds deterministically with mock/embed and with any mock model, base64 by default in the SDK', async () => {
    const a = await client.embeddings.create({ model: 'mock/embed', input: ['same text', 'other text'] });
    const b = await client.embeddings.create({ model: 'mock/echo', input: 'same text' });
    expectOpenAIShape('CreateEmbeddingResponse', await post('/embeddings', { model: 'mock/embed', input: 'x' }).then((r) => r.json));
    const first = a.data[0]?.embedding ?? [];
    expect(first).toHaveLength(256);
    expect(Math.hypot(...first)).toBeCloseTo(1, 5);
    expect(b.data[0]?.embedding).toEqual(first);
    expect(a.data[1]?.embedding).not.toEqual(first);
    const small = await client.embeddings.create({ model: 'mock/embed', input: 'same text', dimensions: 32, encoding_format: 'float' });
    expect(small.data[0]?.embedding).toHaveLength(32);
  });

  it('mock/tools calls the first offered tool with arguments valid against its schema', async () => {
    const completion = await client.chat.completions.create({ model: 'mock/tools', messages: [{ role: 'user', content: 'weather?' }], tools });
    const choice = completion.choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    const call = choice?.message.tool_calls?.[0];
    expect(call?.type === 'function' && call.function.name).toBe('get_weather');
    const args = JSON.parse(call?.type === 'function' ? call.function.arguments : 'null') as unknown;
    expectValidAgainst(weatherParameters, args);
    expect(choice?.message.content).toBeNull();
  });

  it('calls the tool tool_choice names and streams its arguments', async () => {
    const stream = await client.chat.completions.create({
      model: 'mock/tools',
      messages: [{ role: 'user', content: 'time?' }],
      tools,
      tool_choice: { type: 'function', function: { name: 'get_time' } },
      stream: true,
    });
    let name = '';
    let args = '';
    let finish: string | null | undefined;
    let argumentChunks = 0;
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta;
      name += delta?.tool_calls?.[0]?.function?.name ?? '';
      if (delta?.tool_calls?.[0]?.function?.arguments) argumentChunks++;
      args += delta?.tool_calls?.[0]?.function?.arguments ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(name).toBe('get_time');
    expect(finish).toBe('tool_calls');
    expect(argumentChunks).toBeGreaterThan(1);
    expectValidAgainst(tools[1]?.type === 'function' ? (tools[1].function.parameters ?? {}) : {}, JSON.parse(args));
  });

  it('finishes a runTools agent loop: answers in text once the conversation holds the tool result', async () => {
    const seen: unknown[] = [];
    const runner = client.chat.completions.runTools({
      model: 'mock/tools',
      messages: [{ role: 'user', content: 'weather in Oslo?' }],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Weather in a city',
            parameters: weatherParameters,
            parse: JSON.parse,
            function: (args: unknown) => {
              seen.push(args);
              return '{"temperature":21}';
            },
          },
        },
      ],
    });
    const final = await runner.finalContent();
    expect(seen).toHaveLength(1);
    expectValidAgainst(weatherParameters, seen[0]);
    expect(final).toContain('{"temperature":21}');
  });

  it('answers text to tool_choice none; mock/echo declares no tools, so routing refuses them there', async () => {
    const echo = await post('/chat/completions', { model: 'mock/echo', messages: [{ role: 'user', content: 'just talk' }], tools });
    expect(echo).toMatchObject({ status: 400, json: { error: { code: 'unsupported_capability' } } });
    const none = await client.chat.completions.create({ model: 'mock/tools', messages: [{ role: 'user', content: 'no tools' }], tools, tool_choice: 'none' });
    expect(none.choices[0]?.finish_reason).toBe('stop');
  });

  it('refuses a tool_choice that names a tool not offered with a 400', async () => {
    const res = await post('/chat/completions', {
      model: 'mock/tools',
      messages: [{ role: 'user', content: 'x' }],
      tools,
      tool_choice: { type: 'function', function: { name: 'missing' } },
    });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ param: 'tool_choice' });
  });

  it('answers a JSON object to json_object, whole and streamed', async () => {
    const whole = await client.chat.completions.create({ model: 'mock/echo', messages: [{ role: 'user', content: 'as json' }], response_format: { type: 'json_object' } });
    expect(JSON.parse(whole.choices[0]?.message.content ?? '')).toEqual({ answer: 'as json' });
    const stream = await client.chat.completions.create({ model: 'mock/echo', messages: [{ role: 'user', content: 'streamed json' }], response_format: { type: 'json_object' }, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(JSON.parse(text)).toEqual({ answer: 'streamed json' });
  });

  it('answers an instance valid against a json_schema response_format, whole and streamed', async () => {
    const schema = {
      type: 'object',
      properties: {
        title: { type: 'string' },
        score: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
        tags: { type: 'array', items: { type: 'string', enum: ['a', 'b'] }, minItems: 2 },
        author: { $ref: '#/$defs/person' },
        published: { type: ['string', 'null'], format: 'date' },
      },
      required: ['title', 'score', 'tags', 'author', 'published'],
      additionalProperties: false,
      $defs: { person: { type: 'object', properties: { email: { type: 'string', format: 'email' } }, required: ['email'], additionalProperties: false } },
    };
    const response_format = { type: 'json_schema' as const, json_schema: { name: 'review', strict: true, schema } };
    const messages = [{ role: 'user' as const, content: 'review it' }];
    const whole = await client.chat.completions.create({ model: 'mock/echo', messages, response_format });
    expectValidAgainst(schema, JSON.parse(whole.choices[0]?.message.content ?? 'null'));
    const stream = await client.chat.completions.create({ model: 'mock/echo', messages, response_format, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expectValidAgainst(schema, JSON.parse(text));
  });
});
