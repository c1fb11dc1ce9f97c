// The real `openai` v6 client's Responses API against the gateway: create, stream (final response assembled),
// parse with a zod schema, a function-tool round trip, errors before and after the first byte, unknown-id 404s.
import OpenAI from 'openai';
import { zodTextFormat } from 'openai/helpers/zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { TestGateway } from '../../../helpers/gateway.js';
import { openAIErrorBody } from '../../../fakes/openai-upstream.js';
import { GATEWAY_KEY, MODEL, UPSTREAM_KEY, chatBodies, postResponses, script, startBridge, startMockGateway, type Bridge, START_TIMEOUT_MS } from './harness.js';

let bridge: Bridge;
let mock: TestGateway;
let client: OpenAI;
let mockClient: OpenAI;

beforeAll(async () => {
  bridge = await startBridge();
  mock = await startMockGateway();
  client = new OpenAI({ apiKey: GATEWAY_KEY, baseURL: bridge.gateway.baseURL, maxRetries: 0 });
  mockClient = new OpenAI({ apiKey: GATEWAY_KEY, baseURL: mock.baseURL, maxRetries: 0 });
}, START_TIMEOUT_MS);

afterAll(async () => {
  await Promise.all([bridge?.close(), mock?.close()]);
});

const weatherTool: OpenAI.Responses.FunctionTool = {
  type: 'function',
  name: 'get_weather',
  description: 'Weather in a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  strict: true,
};

describe('responses.create', () => {
  it('answers through the mock, with the gateway headers', async () => {
    const { data, response } = await mockClient.responses.create({ model: 'mock/echo', input: 'hello responses', instructions: 'echo it' }).withResponse();
    expect(data.object).toBe('response');
    expect(data.status).toBe('completed');
    expect(data.output_text).toBe('hello responses');
    expect(data.instructions).toBe('echo it');
    expect(data.usage?.output_tokens).toBe(2);
    expect(response.headers.get('x-gateway-provider')).toBe('mock');
    expect(response.headers.get('x-gateway-attempts')).toBe('1');
  });

  it('the raw JSON and every raw stream event validate against the schema', async () => {
    const json = await postResponses(mock, { model: 'mock/echo', input: 'schema check' });
    expect(json.status).toBe(200);
    const streamed = await postResponses(mock, { model: 'mock/echo', input: 'schema check streamed', stream: true });
    expect(streamed.events?.at(-1)).toMatchObject({ type: 'response.completed', response: { status: 'completed' } });
  });

  it('logs the exchange under /v1/responses', async () => {
    const { response } = await mockClient.responses.create({ model: 'mock/echo', input: 'logged one' }).withResponse();
    await mock.flushLogs();
    const { request } = await mock.services.logStore.byId(response.headers.get('x-request-id') ?? '');
    expect(request).toMatchObject({ endpoint: '/v1/responses', status: 200, provider: 'mock' });
  });
});

describe('responses.stream', () => {
  it('streams typed events and assembles the final response', async () => {
    const stream = mockClient.responses.stream({ model: 'mock/echo', input: 'one two three four' });
    const types: string[] = [];
    let text = '';
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') text += event.delta;
    }
    const final = await stream.finalResponse();
    expect(text).toBe('one two three four');
    expect(final.output_text).toBe('one two three four');
    expect(final.status).toBe('completed');
    expect(types[0]).toBe('response.created');
    expect(types.at(-1)).toBe('response.completed');
    expect(types.filter((t) => t === 'response.output_text.delta').length).toBe(4);
  });
});

describe('responses.parse with a zod schema', () => {
  const City = z.object({ city: z.string(), country: z.string() });

  it('sends json_schema upstream and parses the answer', async () => {
    script(bridge.fake, { text: '{"city":"Paris","country":"France"}' });
    const result = await client.responses.parse({ model: MODEL, input: 'Capital of France?', text: { format: zodTextFormat(City, 'city') } });
    expect(result.output_parsed).toEqual({ city: 'Paris', country: 'France' });
    expect(chatBodies(bridge.fake).at(-1)).toMatchObject({
      response_format: { type: 'json_schema', json_schema: { name: 'city', strict: true, schema: { type: 'object', required: ['city', 'country'] } } },
    });
  });

  it('streams it too', async () => {
    script(bridge.fake, { text: '{"city":"Rome","country":"Italy"}' });
    const stream = client.responses.stream({ model: MODEL, input: 'Capital of Italy?', text: { format: zodTextFormat(City, 'city') } });
    const final = await stream.finalResponse();
    expect(final.output_parsed).toEqual({ city: 'Rome', country: 'Italy' });
  });
});

describe('a function-tool round trip', () => {
  it('function_call out, function_call_output back, text answer', async () => {
    script(bridge.fake, { toolCalls: [{ id: 'call_w1', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] });
    const first = await client.responses.create({ model: MODEL, input: 'Weather in Paris?', tools: [weatherTool] });
    const call = first.output.find((i): i is OpenAI.Responses.ResponseFunctionToolCall => i.type === 'function_call');
    expect(call).toMatchObject({ call_id: 'call_w1', name: 'get_weather', arguments: '{"city":"Paris"}', status: 'completed' });
    expect(chatBodies(bridge.fake).at(-1)).toMatchObject({
      tools: [{ type: 'function', function: { name: 'get_weather', strict: true, parameters: weatherTool.parameters } }],
    });

    script(bridge.fake, { text: 'It is 21°C in Paris.' });
    const second = await client.responses.create({
      model: MODEL,
      tools: [weatherTool],
      input: [{ role: 'user', content: 'Weather in Paris?' }, ...(first.output as OpenAI.Responses.ResponseInputItem[]), { type: 'function_call_output', call_id: 'call_w1', output: '{"temp_c":21}' }],
    });
    expect(second.output_text).toBe('It is 21°C in Paris.');
    expect(chatBodies(bridge.fake).at(-1)?.messages).toEqual([
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_w1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_w1', content: '{"temp_c":21}' },
    ]);
  });

  it('streamed: argument deltas and a completed function_call in the final response', async () => {
    script(bridge.fake, { toolCalls: [{ id: 'call_s1', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] });
    const stream = client.responses.stream({ model: MODEL, input: 'Weather in Oslo?', tools: [weatherTool] });
    let args = '';
    for await (const event of stream) if (event.type === 'response.function_call_arguments.delta') args += event.delta;
    const final = await stream.finalResponse();
    expect(args).toBe('{"city":"Oslo"}');
    expect(final.output).toMatchObject([{ type: 'function_call', call_id: 'call_s1', arguments: '{"city":"Oslo"}', status: 'completed' }]);
  });
});

describe('failures', () => {
  it('before the first byte: the upstream error as JSON, status kept, schema-valid', async () => {
    bridge.fake.enqueue({ status: 400, json: openAIErrorBody("Invalid 'input': too long.", 'invalid_request_error', 'context_length_exceeded', 'input') });
    const err = await client.responses.create({ model: MODEL, input: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe('context_length_exceeded');

    bridge.fake.enqueue({ status: 500, json: openAIErrorBody('boom', 'server_error') });
    const raw = await postResponses(bridge.gateway, { model: MODEL, input: 'x', stream: true });
    expect(raw.status).toBe(502);
    expect(raw.body).toMatchObject({ error: { type: 'api_error' } });
  });

  it('after the first byte: response.failed, never a completed', async () => {
    bridge.fake.enqueue({ sse: [{ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: 'Half an ans' }, finish_reason: null }] }], done: false, then: 'destroy' });
    const raw = await postResponses(bridge.gateway, { model: MODEL, input: 'x', stream: true });
    const types = raw.events?.map((e) => e.type) ?? [];
    expect(types).toContain('response.output_text.delta');
    expect(types.at(-1)).toBe('response.failed');
    expect(types).not.toContain('response.completed');
    expect(raw.events?.at(-1)).toMatchObject({ response: { status: 'failed', error: { code: 'server_error' } } });

    bridge.fake.enqueue({ sse: [{ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: 'Half' }, finish_reason: null }] }], done: false, then: 'destroy' });
    const stream = client.responses.stream({ model: MODEL, input: 'x' });
    const seen: string[] = [];
    for await (const event of stream) seen.push(event.type);
    expect(seen.at(-1)).toBe('response.failed');
    const final = await stream.finalResponse();
    expect(final.status).toBe('failed');
  });

  it('an upstream error quoting the provider key reaches the client redacted, in every field', async () => {
    bridge.fake.enqueue({ status: 400, json: openAIErrorBody(`Key ${UPSTREAM_KEY} may not use this model`, 'invalid_request_error', `bad_${UPSTREAM_KEY}`, UPSTREAM_KEY) });
    const raw = await postResponses(bridge.gateway, { model: MODEL, input: 'x' });
    expect(raw.status).toBe(400);
    expect(JSON.stringify(raw.body)).not.toContain(UPSTREAM_KEY);
    expect(raw.body).toMatchObject({ error: { message: expect.stringContaining('[REDACTED]'), param: '[REDACTED]', code: 'bad_[REDACTED]' } });
  });

  it('a bad request is a 400 naming the field', async () => {
    const err = await client.responses.create({ model: MODEL, input: [{ role: 'user', content: [{ type: 'input_image', detail: 'auto' } as never] }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.APIError>).param).toBe('input[0].content[0].image_url');
    const raw = await postResponses(bridge.gateway, { model: MODEL, input: 'x', tools: [{ type: 'web_search' }] });
    expect(raw).toMatchObject({ status: 400, body: { error: { code: 'unsupported_tool', param: 'tools[0]' } } });
  });

  it('an unknown response id: retrieve, delete and input_items are 404s in OpenAI\'s shape', async () => {
    await expect(client.responses.retrieve('resp_missing')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(client.responses.delete('resp_missing')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(client.responses.inputItems.list('resp_missing')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });
});
