// The bridge per provider family: what the Gemini and Anthropic fakes receive for a Responses request (tools,
// images, JSON schema, reasoning, a tool round trip), what the client gets back as JSON and as a stream, and an
// upstream failure before the first byte (error JSON) and after it (response.failed).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anthropicMessage, startFakeAnthropic, type FakeAnthropic } from '../../../fakes/anthropic-upstream.js';
import { FakeGeminiUpstream } from '../../../fakes/gemini-upstream.js';
import { startGateway, type TestGateway } from '../../../helpers/gateway.js';
import { GATEWAY_KEY, postResponses, START_TIMEOUT_MS } from './harness.js';

const KEY = 'provider-key-0123456789';
const PNG_DATA_URL = 'data:image/png;base64,iVBORw0KGgo=';
let gemini: FakeGeminiUpstream;
let anthropic: FakeAnthropic;
let gateway: TestGateway;

beforeAll(async () => {
  [gemini, anthropic] = await Promise.all([FakeGeminiUpstream.start({ apiKey: KEY }), startFakeAnthropic({ apiKey: KEY })]);
  gateway = await startGateway({
    env: { GEMINI_API_KEY: KEY, GEMINI_BASE_URL: gemini.baseUrl, ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: anthropic.baseUrl, GATEWAY_API_KEYS: GATEWAY_KEY },
    configure: (c) => {
      c.routing.retries = 0;
    },
  });
}, START_TIMEOUT_MS);

afterAll(async () => {
  await gateway?.close();
  await Promise.all([gemini?.close(), anthropic?.close()]);
});

const WEATHER = { type: 'function', name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };

/** Tools, an image, a finished tool round trip in the history, and reasoning. */
const toolTurn = (model: string, stream: boolean) => ({
  model,
  stream,
  instructions: 'You are a weather bot.',
  reasoning: { effort: 'low', summary: 'auto' },
  max_output_tokens: 2048,
  tools: [WEATHER],
  input: [
    { role: 'user', content: [{ type: 'input_text', text: 'Where is this, and what is the weather?' }, { type: 'input_image', image_url: PNG_DATA_URL }] },
    { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
    { type: 'function_call_output', call_id: 'call_1', output: '{"temp_c":21}' },
    { role: 'user', content: 'And in Rome?' },
  ],
});

const jsonTurn = (model: string) => ({
  model,
  input: 'A city and its country.',
  text: { format: { type: 'json_schema', name: 'place', strict: true, schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false } } },
});

const geminiAnswer = {
  candidates: [
    {
      content: { role: 'model', parts: [{ text: 'Rome needs a lookup.', thought: true }, { text: 'Checking Rome.' }, { functionCall: { name: 'get_weather', args: { city: 'Rome' } } }] },
      finishReason: 'STOP',
      index: 0,
    },
  ],
  usageMetadata: { promptTokenCount: 40, candidatesTokenCount: 9, thoughtsTokenCount: 5, cachedContentTokenCount: 16, totalTokenCount: 54 },
  modelVersion: 'gemini-2.5-flash',
  responseId: 'g-1',
};

const anthropicAnswer = () =>
  anthropicMessage({
    content: [
      { type: 'thinking', thinking: 'Rome needs a lookup.', signature: 'c2ln' },
      { type: 'text', text: 'Checking Rome.' },
      { type: 'tool_use', id: 'toolu_rome', name: 'get_weather', input: { city: 'Rome' } },
    ],
    stop_reason: 'tool_use',
  });

function expectToolAnswer(output: Array<Record<string, unknown>>): void {
  expect(output.map((i) => i.type)).toEqual(['reasoning', 'message', 'function_call']);
  expect(output[0]).toMatchObject({ summary: [{ type: 'summary_text', text: 'Rome needs a lookup.' }] });
  expect(output[1]).toMatchObject({ content: [{ type: 'output_text', text: 'Checking Rome.' }] });
  expect(output[2]).toMatchObject({ name: 'get_weather', arguments: '{"city":"Rome"}', status: 'completed' });
}

const lastBody = (requests: Array<{ body: unknown }>) => requests.at(-1)?.body;

describe('Gemini through the bridge', () => {
  const model = 'gemini/gemini-2.5-flash';

  it('receives tools, the image, the tool round trip and a thinking budget; the client gets the items back', async () => {
    gemini.reply({ kind: 'json', body: geminiAnswer });
    const { status, body } = await postResponses(gateway, toolTurn(model, false));
    expect(status).toBe(200);
    expect(lastBody(gemini.requests)).toMatchInlineSnapshot(`
      {
        "contents": [
          {
            "parts": [
              {
                "text": "Where is this, and what is the weather?",
              },
              {
                "inlineData": {
                  "data": "iVBORw0KGgo=",
                  "mimeType": "image/png",
                },
              },
            ],
            "role": "user",
          },
          {
            "parts": [
              {
                "functionCall": {
                  "args": {
                    "city": "Paris",
                  },
                  "name": "get_weather",
                },
              },
            ],
            "role": "model",
          },
          {
            "parts": [
              {
                "functionResponse": {
                  "name": "get_weather",
                  "response": {
                    "temp_c": 21,
                  },
                },
              },
              {
                "text": "And in Rome?",
              },
            ],
            "role": "user",
          },
        ],
        "generationConfig": {
          "maxOutputTokens": 2048,
          "thinkingConfig": {
            "includeThoughts": true,
            "thinkingBudget": 1024,
          },
        },
        "systemInstruction": {
          "parts": [
            {
              "text": "You are a weather bot.",
            },
          ],
        },
        "tools": [
          {
            "functionDeclarations": [
              {
                "description": "Weather in a city",
                "name": "get_weather",
                "parametersJsonSchema": {
                  "properties": {
                    "city": {
                      "type": "string",
                    },
                  },
                  "required": [
                    "city",
                  ],
                  "type": "object",
                },
              },
            ],
          },
        ],
      }
    `);
    expectToolAnswer(body?.output as Array<Record<string, unknown>>);
    expect(body?.usage).toMatchObject({ input_tokens: 40, input_tokens_details: { cached_tokens: 16 }, output_tokens_details: { reasoning_tokens: 5 } });
  });

  it('streams the same answer as typed events', async () => {
    gemini.reply({ kind: 'sse', events: [geminiAnswer] });
    const { events } = await postResponses(gateway, toolTurn(model, true));
    const done = events?.at(-1) as { type: string; response: { output: Array<Record<string, unknown>> } };
    expect(done.type).toBe('response.completed');
    expectToolAnswer(done.response.output);
    expect(events?.map((e) => e.type)).toContain('response.reasoning_summary_text.delta');
  });

  it('receives the JSON schema as its response schema', async () => {
    gemini.reply({ kind: 'json', body: { ...geminiAnswer, candidates: [{ content: { role: 'model', parts: [{ text: '{"city":"Rome"}' }] }, finishReason: 'STOP', index: 0 }] } });
    const { body } = await postResponses(gateway, jsonTurn(model));
    expect((lastBody(gemini.requests) as { generationConfig?: unknown }).generationConfig).toMatchInlineSnapshot(`
      {
        "responseJsonSchema": {
          "additionalProperties": false,
          "properties": {
            "city": {
              "type": "string",
            },
          },
          "required": [
            "city",
          ],
          "type": "object",
        },
        "responseMimeType": "application/json",
      }
    `);
    expect(body?.output).toMatchObject([{ type: 'message', content: [{ text: '{"city":"Rome"}' }] }]);
  });

  it('a failure before the first byte is an error JSON; after it, response.failed', async () => {
    gemini.reply({ kind: 'error', status: 429, grpcStatus: 'RESOURCE_EXHAUSTED', message: 'Quota exceeded.' });
    const before = await postResponses(gateway, { model, input: 'x', stream: true });
    expect(before.status).toBe(429);
    expect(before.body).toMatchObject({ error: { type: 'rate_limit_error' } });

    gemini.reply({ kind: 'sse', events: [{ candidates: [{ content: { role: 'model', parts: [{ text: 'Half' }] }, index: 0 }] }], cut: true });
    const after = await postResponses(gateway, { model, input: 'x', stream: true });
    expect(after.events?.at(-1)).toMatchObject({ type: 'response.failed', response: { status: 'failed', output: [{ status: 'incomplete', content: [{ text: 'Half' }] }] } });
  });
});

describe('Anthropic through the bridge', () => {
  const model = 'anthropic/claude-sonnet-4-5-20250929';

  it('receives tools, the image, the tool round trip and a thinking budget; the client gets the items back', async () => {
    anthropic.reply({ kind: 'message', message: anthropicAnswer() });
    const { status, body } = await postResponses(gateway, toolTurn(model, false));
    expect(status).toBe(200);
    expect(lastBody(anthropic.requests)).toMatchInlineSnapshot(`
      {
        "max_tokens": 4096,
        "messages": [
          {
            "content": [
              {
                "text": "Where is this, and what is the weather?",
                "type": "text",
              },
              {
                "source": {
                  "data": "iVBORw0KGgo=",
                  "media_type": "image/png",
                  "type": "base64",
                },
                "type": "image",
              },
            ],
            "role": "user",
          },
          {
            "content": [
              {
                "id": "call_1",
                "input": {
                  "city": "Paris",
                },
                "name": "get_weather",
                "type": "tool_use",
              },
            ],
            "role": "assistant",
          },
          {
            "content": [
              {
                "content": "{"temp_c":21}",
                "tool_use_id": "call_1",
                "type": "tool_result",
              },
              {
                "text": "And in Rome?",
                "type": "text",
              },
            ],
            "role": "user",
          },
        ],
        "model": "claude-sonnet-4-5-20250929",
        "system": "You are a weather bot.",
        "thinking": {
          "budget_tokens": 2048,
          "type": "enabled",
        },
        "tools": [
          {
            "description": "Weather in a city",
            "input_schema": {
              "properties": {
                "city": {
                  "type": "string",
                },
              },
              "required": [
                "city",
              ],
              "type": "object",
            },
            "name": "get_weather",
          },
        ],
      }
    `);
    expectToolAnswer(body?.output as Array<Record<string, unknown>>);
  });

  it('streams the same answer as typed events', async () => {
    anthropic.reply({ kind: 'message', message: anthropicAnswer() });
    const { events } = await postResponses(gateway, toolTurn(model, true));
    const done = events?.at(-1) as { type: string; response: { output: Array<Record<string, unknown>> } };
    expect(done.type).toBe('response.completed');
    expectToolAnswer(done.response.output);
  });

  it('receives the JSON schema the way the adapter enforces it', async () => {
    anthropic.reply({ kind: 'message', message: anthropicMessage({ content: [{ type: 'text', text: '{"city":"Rome"}' }] }) });
    const { body } = await postResponses(gateway, jsonTurn(model));
    const sent = lastBody(anthropic.requests) as Record<string, unknown>;
    expect({ tools: sent.tools, tool_choice: sent.tool_choice, output_format: sent.output_format, system: sent.system }).toMatchInlineSnapshot(`
      {
        "output_format": undefined,
        "system": undefined,
        "tool_choice": {
          "name": "json_output",
          "type": "tool",
        },
        "tools": [
          {
            "description": "Respond by calling this tool: its input is the final answer, as JSON matching input_schema.",
            "input_schema": {
              "additionalProperties": false,
              "properties": {
                "city": {
                  "type": "string",
                },
              },
              "required": [
                "city",
              ],
              "type": "object",
            },
            "name": "json_output",
          },
        ],
      }
    `);
    expect(body?.status).toBe('completed');
  });

  it('a failure before the first byte is an error JSON; after it, response.failed', async () => {
    anthropic.reply({ kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' });
    const before = await postResponses(gateway, { model, input: 'x' });
    expect(before.status).toBe(502);

    anthropic.reply({
      kind: 'stream',
      events: [
        { event: 'message_start', data: { type: 'message_start', message: { ...anthropicMessage({ content: [] }), stop_reason: null } } },
        { event: 'content_block_start', data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } },
        { event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Half' } } },
        { event: 'error', data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } },
      ],
    });
    const after = await postResponses(gateway, { model, input: 'x', stream: true });
    expect(after.events?.at(-1)).toMatchObject({ type: 'response.failed', response: { status: 'failed', error: { code: 'server_error' } } });
  });
});
