// The Gemini translators, offline: outbound requests (inline snapshots), responses, streams, finish reasons,
// usage, schema cleaning, thought-signature round trips and error mapping, on our fixtures and on the
// recorded ones in the shared reference folder when it exists.
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/errors.js';
import { describeShared, ownFixture, sharedFixture } from '../../helpers/fixtures.js';
import { chatRequestSchema, type ChatRequest } from '../../../src/schemas/chat-request.js';
import type { ChatCompletionChunk } from '../../../src/schemas/chat-response.js';
import { ChunkFactory } from '../../../src/providers/chunks.js';
import { toGeminiRequest } from '../../../src/providers/gemini/request.js';
import { cleanGeminiSchema } from '../../../src/providers/gemini/schema.js';
import { SKIP_THOUGHT_SIGNATURE_VALIDATOR, ThoughtSignatureCodec } from '../../../src/providers/gemini/signature.js';
import { parseJsonPath, translateGeminiStream } from '../../../src/providers/gemini/stream.js';
import { fromGeminiError } from '../../../src/providers/gemini/errors.js';
import { fromGeminiModels, fromGeminiResponse, mapGeminiFinishReason } from '../../../src/providers/gemini/response.js';
import { generateContentResponseSchema, modelsListSchema } from '../../../src/providers/gemini/wire.js';

const own = (name: string) => ownFixture('gemini', name);
const shared = sharedFixture;

const req = (body: Record<string, unknown>): ChatRequest => chatRequestSchema.parse({ model: 'gemini/x', ...body });
const response = (text: string) => generateContentResponseSchema.parse(JSON.parse(text));

interface StreamResult {
  chunks: ChatCompletionChunk[];
  content: string;
  reasoning: string;
  toolCalls: Array<{ index: number; id: string; name: string; arguments: string }>;
  finish: string | null | undefined;
  usage: ChatCompletionChunk['usage'];
}

async function replay(sse: string, codec = new ThoughtSignatureCodec(), model = 'gemini-2.5-flash'): Promise<StreamResult> {
  const chunks: ChatCompletionChunk[] = [];
  // Split the body at an awkward size to prove framing does not depend on read boundaries.
  const pieces = sse.match(/[\s\S]{1,37}/g) ?? [];
  async function* body() {
    yield* pieces.map((piece) => new TextEncoder().encode(piece));
  }
  for await (const event of translateGeminiStream(body(), new ChunkFactory(model), 'gemini', codec)) chunks.push(event.chunk);
  const deltas = chunks.flatMap((c) => c.choices.map((choice) => choice.delta));
  return {
    chunks,
    content: deltas.map((d) => d.content ?? '').join(''),
    reasoning: deltas.map((d) => d.reasoning_content ?? '').join(''),
    toolCalls: deltas.flatMap((d) =>
      (d.tool_calls ?? []).map((t) => ({ index: t.index, id: t.id ?? '', name: t.function?.name ?? '', arguments: t.function?.arguments ?? '' })),
    ),
    finish: chunks.flatMap((c) => c.choices).find((choice) => choice.finish_reason)?.finish_reason,
    usage: chunks.at(-1)?.usage,
  };
}

const jsonlToSse = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => `data: ${line}\r\n\r\n`)
    .join('');

describe('toGeminiRequest', () => {
  it('maps roles, merges turns and translates sampling fields; drops what Gemini lacks', () => {
    const body = toGeminiRequest(
      req({
        messages: [
          { role: 'system', content: 'Be terse.' },
          { role: 'developer', content: [{ type: 'text', text: 'Answer in English.' }] },
          { role: 'user', content: 'Hi' },
          { role: 'user', content: [{ type: 'text', text: 'What is 2+2?' }] },
          { role: 'assistant', content: '4' },
          { role: 'user', content: 'And 3+3?' },
        ],
        temperature: 0.2,
        top_p: 0.9,
        max_completion_tokens: 256,
        stop: 'END',
        seed: 7,
        n: 2,
        presence_penalty: 0.5,
        frequency_penalty: 0,
        logit_bias: { '50256': -100 },
        user: 'u-1',
        store: true,
        parallel_tool_calls: false,
        response_format: { type: 'json_object' },
      }),
      { model: 'gemini-2.0-flash' },
    );
    expect(body).toMatchInlineSnapshot(`
      {
        "contents": [
          {
            "parts": [
              {
                "text": "Hi",
              },
              {
                "text": "What is 2+2?",
              },
            ],
            "role": "user",
          },
          {
            "parts": [
              {
                "text": "4",
              },
            ],
            "role": "model",
          },
          {
            "parts": [
              {
                "text": "And 3+3?",
              },
            ],
            "role": "user",
          },
        ],
        "generationConfig": {
          "candidateCount": 2,
          "maxOutputTokens": 256,
          "presencePenalty": 0.5,
          "responseMimeType": "application/json",
          "seed": 7,
          "stopSequences": [
            "END",
          ],
          "temperature": 0.2,
          "topP": 0.9,
        },
        "systemInstruction": {
          "parts": [
            {
              "text": "Be terse.",
            },
            {
              "text": "Answer in English.",
            },
          ],
        },
      }
    `);
  });

  it('drops presence/frequency penalties on 2.5+ models, which reject them', () => {
    const body = toGeminiRequest(req({ messages: [{ role: 'user', content: 'x' }], presence_penalty: 0.5, frequency_penalty: 0.3 }), {
      model: 'gemini-2.5-flash',
    });
    expect(body.generationConfig).toBeUndefined();
  });

  it('translates tools, tool_choice, tool history and tool results', () => {
    const codec = new ThoughtSignatureCodec();
    const signedId = codec.newId('AbC+/dE=');
    const body = toGeminiRequest(
      req({
        messages: [
          { role: 'user', content: 'Weather in Paris and Tokyo?' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: signedId, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
              { id: 'call_plain', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Tokyo"}' } },
            ],
          },
          { role: 'tool', tool_call_id: signedId, content: '{"temp_c":18}' },
          { role: 'tool', tool_call_id: 'call_plain', content: 'sunny, 25C' },
          { role: 'user', content: 'Thanks. Which is warmer?' },
        ],
        tools: [
          {
            type: 'function',
            function: {
              name: 'get_weather',
              description: 'Current weather',
              strict: true,
              parameters: {
                $schema: 'http://json-schema.org/draft-07/schema#',
                type: 'object',
                properties: { city: { type: 'string', minLength: 1 }, units: { type: ['string', 'null'], enum: ['metric', 'imperial', null] } },
                required: ['city'],
                additionalProperties: false,
              },
            },
          },
          { type: 'custom', custom: { name: 'ignored' } },
        ],
        tool_choice: { type: 'function', function: { name: 'get_weather' } },
      }),
      { model: 'gemini-2.5-flash', codec },
    );
    expect(body).toMatchInlineSnapshot(`
      {
        "contents": [
          {
            "parts": [
              {
                "text": "Weather in Paris and Tokyo?",
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
                "thoughtSignature": "AbC+/dE=",
              },
              {
                "functionCall": {
                  "args": {
                    "city": "Tokyo",
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
                    "temp_c": 18,
                  },
                },
              },
              {
                "functionResponse": {
                  "name": "get_weather",
                  "response": {
                    "content": "sunny, 25C",
                  },
                },
              },
              {
                "text": "Thanks. Which is warmer?",
              },
            ],
            "role": "user",
          },
        ],
        "toolConfig": {
          "functionCallingConfig": {
            "allowedFunctionNames": [
              "get_weather",
            ],
            "mode": "ANY",
          },
        },
        "tools": [
          {
            "functionDeclarations": [
              {
                "description": "Current weather",
                "name": "get_weather",
                "parametersJsonSchema": {
                  "additionalProperties": false,
                  "properties": {
                    "city": {
                      "type": "string",
                    },
                    "units": {
                      "enum": [
                        "metric",
                        "imperial",
                      ],
                      "type": [
                        "string",
                        "null",
                      ],
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
  });

  it.each([
    ['auto', { mode: 'AUTO' }],
    ['none', { mode: 'NONE' }],
    ['required', { mode: 'ANY' }],
    [{ type: 'allowed_tools', allowed_tools: { mode: 'required', tools: [{ type: 'function', function: { name: 'f' } }] } }, { mode: 'ANY', allowedFunctionNames: ['f'] }],
  ])('tool_choice %j → %j', (choice, expected) => {
    const tools = [{ type: 'function', function: { name: 'f' } }];
    const body = toGeminiRequest(req({ messages: [{ role: 'user', content: 'x' }], tools, tool_choice: choice }), { model: 'gemini-2.5-flash' });
    expect(body.toolConfig).toEqual({ functionCallingConfig: expected });
    expect(body.tools).toEqual([{ functionDeclarations: [{ name: 'f' }] }]);
  });

  it('inlines data URLs and fetched images, references Google file URIs, refuses unfetched URLs', () => {
    const images = new Map([['https://img.example/cat.png', { mimeType: 'image/png', data: 'UE5H' }]]);
    const body = toGeminiRequest(
      req({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Compare' },
              { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ' } },
              { type: 'image_url', image_url: { url: 'https://img.example/cat.png', detail: 'high' } },
              { type: 'image_url', image_url: { url: 'gs://bucket/dog.webp' } },
              { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } },
              { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'a.pdf' } },
              { type: 'file', file: { file_id: 'file-openai-123' } },
            ],
          },
        ],
      }),
      { model: 'gemini-2.5-flash', images },
    );
    expect(body.contents).toMatchInlineSnapshot(`
      [
        {
          "parts": [
            {
              "text": "Compare",
            },
            {
              "inlineData": {
                "data": "/9j/4AAQ",
                "mimeType": "image/jpeg",
              },
            },
            {
              "inlineData": {
                "data": "UE5H",
                "mimeType": "image/png",
              },
            },
            {
              "fileData": {
                "fileUri": "gs://bucket/dog.webp",
                "mimeType": "image/webp",
              },
            },
            {
              "inlineData": {
                "data": "UklGRg==",
                "mimeType": "audio/wav",
              },
            },
            {
              "inlineData": {
                "data": "JVBERi0=",
                "mimeType": "application/pdf",
              },
            },
          ],
          "role": "user",
        },
      ]
    `);
    const missing = () =>
      toGeminiRequest(req({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://img.example/x.png' } }] }] }), {
        model: 'gemini-2.5-flash',
      });
    expect(missing).toThrow(GatewayError);
  });

  it('maps json_schema response_format to responseMimeType + cleaned responseJsonSchema', () => {
    const body = toGeminiRequest(
      req({
        messages: [{ role: 'user', content: 'Give me a person' }],
        response_format: {
          type: 'json_schema',
          json_schema: {
            name: 'person',
            strict: true,
            schema: { type: 'object', properties: { name: { type: 'string' }, age: { type: 'integer', exclusiveMinimum: 0 } }, required: ['name', 'age'], additionalProperties: false },
          },
        },
      }),
      { model: 'gemini-2.5-flash' },
    );
    expect(body.generationConfig).toMatchInlineSnapshot(`
      {
        "responseJsonSchema": {
          "additionalProperties": false,
          "properties": {
            "age": {
              "type": "integer",
            },
            "name": {
              "type": "string",
            },
          },
          "required": [
            "name",
            "age",
          ],
          "type": "object",
        },
        "responseMimeType": "application/json",
      }
    `);
  });

  it.each([
    ['gemini-2.5-flash', 'low', { thinkingBudget: 1024, includeThoughts: true }],
    ['gemini-2.5-flash', 'none', { thinkingBudget: 0, includeThoughts: false }],
    ['gemini-2.5-pro', 'none', { thinkingBudget: 128, includeThoughts: false }],
    ['gemini-2.5-pro', 'high', { thinkingBudget: 24576, includeThoughts: true }],
    ['gemini-3-pro-preview', 'medium', { thinkingLevel: 'HIGH', includeThoughts: true }],
    ['gemini-3-flash-preview', 'minimal', { thinkingLevel: 'MINIMAL', includeThoughts: true }],
    ['gemini-2.0-flash', 'high', undefined],
    ['gemini-2.5-flash', 'bogus', undefined],
  ])('%s reasoning_effort=%s → thinkingConfig %j', (model, effort, expected) => {
    const body = toGeminiRequest(req({ messages: [{ role: 'user', content: 'x' }], reasoning_effort: effort }), { model });
    expect((body.generationConfig as Record<string, unknown> | undefined)?.thinkingConfig).toEqual(expected);
  });

  it('asks for thoughts by default when the provider option says so', () => {
    const body = toGeminiRequest(req({ messages: [{ role: 'user', content: 'x' }] }), { model: 'gemini-2.5-flash', includeThoughts: true });
    expect(body.generationConfig).toEqual({ thinkingConfig: { includeThoughts: true } });
  });

  it('puts the system prompt into the first user turn for Gemma, which has no systemInstruction', () => {
    const body = toGeminiRequest(req({ messages: [{ role: 'system', content: 'Be terse.' }, { role: 'user', content: 'Hi' }] }), { model: 'gemma-3-27b-it' });
    expect(body).toEqual({ contents: [{ role: 'user', parts: [{ text: 'Be terse.' }, { text: 'Hi' }] }] });
  });

  it('rejects a tool result that answers no earlier tool call (OpenAI does the same)', () => {
    const run = () => toGeminiRequest(req({ messages: [{ role: 'user', content: 'x' }, { role: 'tool', tool_call_id: 'call_nope', content: 'r' }] }), { model: 'gemini-2.5-flash' });
    expect(run).toThrow(expect.objectContaining({ status: 400, param: 'messages[1].tool_call_id' }));
  });
});

describe('thought signatures', () => {
  const history = (ids: string[]) =>
    req({
      messages: [
        { role: 'user', content: 'go' },
        { role: 'assistant', content: null, tool_calls: ids.map((id, i) => ({ id, type: 'function', function: { name: `f${i}`, arguments: '{}' } })) },
        ...ids.map((id) => ({ role: 'tool', tool_call_id: id, content: 'ok' })),
      ],
    });
  const modelParts = (body: Record<string, unknown>) => (body.contents as Array<{ role: string; parts: Array<Record<string, unknown>> }>)[1]!.parts;

  it('round-trips the signature of a response through the tool-call id to the same part', () => {
    const codec = new ThoughtSignatureCodec();
    const completion = fromGeminiResponse(response(own('generate-thinking-parallel-calls.json')), 'gemini-3-pro-preview', codec);
    const ids = completion.choices[0]!.message.tool_calls!.map((call) => call.id);
    expect(ids[0]).toMatch(/^call_[0-9a-f]{24}_gts_[A-Za-z0-9_-]+$/);
    expect(ids[1]).toMatch(/^call_[0-9a-f]{24}$/);
    const parts = modelParts(toGeminiRequest(history(ids), { model: 'gemini-3-pro-preview', codec }));
    const original = JSON.parse(own('generate-thinking-parallel-calls.json')).candidates[0].content.parts[1].thoughtSignature;
    expect(parts[0]!.thoughtSignature).toBe(original);
    // Gemini 3 signs only the first call of a parallel batch: the second stays unsigned, no placeholder.
    expect(parts[1]).not.toHaveProperty('thoughtSignature');
  });

  it('uses the documented placeholder for unsigned Gemini 3 history, and nothing on 2.5', () => {
    const codec = new ThoughtSignatureCodec();
    const g3 = modelParts(toGeminiRequest(history(['call_a', 'call_b']), { model: 'gemini-3-pro-preview', codec }));
    expect(g3.map((p) => p.thoughtSignature)).toEqual([SKIP_THOUGHT_SIGNATURE_VALIDATOR, SKIP_THOUGHT_SIGNATURE_VALIDATOR]);
    const g25 = modelParts(toGeminiRequest(history(['call_a']), { model: 'gemini-2.5-flash', codec }));
    expect(g25[0]).not.toHaveProperty('thoughtSignature');
  });

  it('keeps oversize signatures in the bounded cache; another replica falls back to the placeholder', () => {
    const signature = 'A'.repeat(40) + '==';
    const codec = new ThoughtSignatureCodec({ maxInlineLength: 16, cacheSize: 2 });
    const id = codec.newId(signature);
    expect(id).toMatch(/^call_[0-9a-f]{24}$/);
    expect(codec.signatureOf(id)).toBe(signature);
    codec.newId(signature);
    codec.newId(signature);
    expect(codec.signatureOf(id)).toBeUndefined(); // evicted: the cache stays bounded
    const elsewhere = modelParts(toGeminiRequest(history([codec.newId(signature)]), { model: 'gemini-3-pro-preview', codec: new ThoughtSignatureCodec() }));
    expect(elsewhere[0]!.thoughtSignature).toBe(SKIP_THOUGHT_SIGNATURE_VALIDATOR);
  });
});

describe('cleanGeminiSchema', () => {
  it('keeps the supported JSON Schema subset and fixes $ref siblings, definitions, const and allOf', () => {
    const cleaned = cleanGeminiSchema({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      title: 'Order',
      type: 'object',
      definitions: { Item: { type: 'object', properties: { sku: { type: 'string', pattern: '^[A-Z]+$' } }, additionalProperties: false } },
      properties: {
        item: { $ref: '#/definitions/Item', description: 'dropped: $ref siblings are not allowed' },
        kind: { const: 'order', default: 'order' },
        note: { anyOf: [{ type: 'string', maxLength: 10 }, { type: 'null' }], examples: ['x'] },
        flags: { type: 'array', items: { type: 'boolean', enum: [true, false] }, uniqueItems: true },
        size: { allOf: [{ $ref: '#/definitions/Item' }] },
        when: { type: 'string', format: 'date-time' },
        properties: { type: 'string', description: 'a property literally named properties' },
      },
      required: ['item', 'kind'],
      additionalProperties: { type: 'string' },
      strict: true,
      'x-vendor': 1,
    });
    expect(cleaned).toMatchInlineSnapshot(`
      {
        "$defs": {
          "Item": {
            "additionalProperties": false,
            "properties": {
              "sku": {
                "type": "string",
              },
            },
            "type": "object",
          },
        },
        "additionalProperties": {
          "type": "string",
        },
        "properties": {
          "flags": {
            "items": {
              "type": "boolean",
            },
            "type": "array",
          },
          "item": {
            "$ref": "#/$defs/Item",
          },
          "kind": {
            "enum": [
              "order",
            ],
          },
          "note": {
            "anyOf": [
              {
                "type": "string",
              },
              {
                "type": "null",
              },
            ],
          },
          "properties": {
            "description": "a property literally named properties",
            "type": "string",
          },
          "size": {
            "$ref": "#/$defs/Item",
          },
          "when": {
            "format": "date-time",
            "type": "string",
          },
        },
        "required": [
          "item",
          "kind",
        ],
        "title": "Order",
        "type": "object",
      }
    `);
  });
});

describe('fromGeminiResponse', () => {
  it('translates a text answer', () => {
    const completion = fromGeminiResponse(response(own('generate-text.json')), 'gemini-2.0-flash');
    expect(completion.choices).toEqual([
      { index: 0, message: { role: 'assistant', content: 'Paris is the capital of France.', refusal: null }, finish_reason: 'stop', logprobs: null },
    ]);
    expect(completion.usage).toEqual({
      prompt_tokens: 12,
      completion_tokens: 7,
      total_tokens: 19,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
    expect(completion).toMatchObject({ object: 'chat.completion', model: 'gemini-2.0-flash' });
  });

  it('translates thoughts and parallel function calls', () => {
    const completion = fromGeminiResponse(response(own('generate-thinking-parallel-calls.json')), 'gemini-3-pro-preview');
    const choice = completion.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    expect(choice.message.reasoning_content).toBe('I should look up both cities.');
    expect(choice.message.tool_calls?.map((c) => [c.type, c.function.name, c.function.arguments])).toEqual([
      ['function', 'get_weather', '{"city":"Paris"}'],
      ['function', 'get_weather', '{"city":"Tokyo","units":"metric"}'],
    ]);
    expect(completion.usage).toEqual({
      prompt_tokens: 40,
      completion_tokens: 150,
      total_tokens: 190,
      prompt_tokens_details: { cached_tokens: 16 },
      completion_tokens_details: { reasoning_tokens: 120 },
    });
  });

  it.each([
    ['generate-max-tokens.json', 'length', 'Once upon a'],
    ['generate-blocked-prompt.json', 'content_filter', ''],
    ['generate-safety.json', 'content_filter', ''],
  ])('%s → finish_reason %s', (file, finish, content) => {
    const completion = fromGeminiResponse(response(own(file)), 'gemini-2.5-flash');
    expect(completion.choices[0]).toMatchObject({ finish_reason: finish, message: { content } });
  });

  it('returns one choice per candidate (n > 1)', () => {
    const completion = fromGeminiResponse(response(own('generate-two-candidates.json')), 'gemini-2.0-flash');
    expect(completion.choices.map((c) => [c.index, c.message.content])).toEqual([
      [0, 'Heads'],
      [1, 'Tails'],
    ]);
  });

  it.each([
    ['STOP', false, 'stop'],
    ['STOP', true, 'tool_calls'],
    ['MAX_TOKENS', false, 'length'],
    ['RECITATION', false, 'content_filter'],
    ['BLOCKLIST', false, 'content_filter'],
    ['SPII', false, 'content_filter'],
    ['IMAGE_SAFETY', false, 'content_filter'],
    ['MALFORMED_FUNCTION_CALL', false, 'stop'],
    ['OTHER', false, 'stop'],
    [undefined, false, 'stop'],
  ] as const)('mapGeminiFinishReason(%s, tools=%s) → %s', (reason, tools, expected) => {
    expect(mapGeminiFinishReason(reason, tools)).toBe(expected);
  });
});

describe('stream translation', () => {
  it('emits role, reasoning and content deltas, then finish and usage from the last event', async () => {
    const result = await replay(own('stream-thinking-text.sse'));
    expect(result.chunks[0]!.choices[0]!.delta).toEqual({ role: 'assistant', content: '' });
    expect(result.reasoning).toBe('**Counting** the letters.');
    expect(result.content).toBe("There are three r's.");
    expect(result.finish).toBe('stop');
    expect(result.chunks.at(-2)!.choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    expect(result.chunks.at(-1)!.choices).toEqual([]);
    expect(result.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 31, completion_tokens_details: { reasoning_tokens: 25 } });
    const ids = new Set(result.chunks.map((c) => c.id));
    expect(ids.size).toBe(1);
  });

  it('emits each parallel call complete, with its own index and id', async () => {
    const result = await replay(own('stream-parallel-calls.sse'));
    expect(result.toolCalls.map((c) => [c.index, c.name, c.arguments])).toEqual([
      [0, 'get_weather', '{"city":"Paris"}'],
      [1, 'get_time', '{"tz":"Asia/Tokyo"}'],
    ]);
    expect(result.toolCalls[0]!.id).toContain('_gts_');
    expect(result.toolCalls[1]!.id).toMatch(/^call_[0-9a-f]{24}$/);
    expect(result.finish).toBe('tool_calls');
  });

  it('ends a blocked prompt with content_filter', async () => {
    const result = await replay(own('stream-blocked-prompt.sse'));
    expect(result.finish).toBe('content_filter');
    expect(result.usage?.prompt_tokens).toBe(7);
  });

  it('throws a retryable 502 when the stream ends without a finishReason', async () => {
    await expect(replay(own('stream-truncated.sse'))).rejects.toMatchObject({ status: 502, code: 'upstream_truncated', retryable: true });
  });

  it('throws the mapped error when an error object arrives inside the stream', async () => {
    await expect(replay(own('stream-midstream-error.sse'))).rejects.toMatchObject({ status: 502, upstreamStatus: 503, retryable: true });
  });

  it('throws on events that are not JSON', async () => {
    await expect(replay('data: {not json\r\n\r\n')).rejects.toMatchObject({ status: 502, code: 'bad_upstream_response' });
  });

  it.each([
    ['$.location', ['location']],
    ['$.a.b[0].c', ['a', 'b', 0, 'c']],
    ["$['odd key'][2]", ['odd key', 2]],
    ['$.__proto__.x', undefined],
    ['location', undefined],
  ])('parseJsonPath(%s)', (path, expected) => {
    expect(parseJsonPath(path)).toEqual(expected);
  });
});

describe('fromGeminiError', () => {
  const mapped = (status: number, body: string) => fromGeminiError('gemini', status, JSON.parse(body));

  it('treats 403 PERMISSION_DENIED as the gateway credentials failing (502)', () => {
    expect(mapped(403, own('error-403-permission-denied.json'))).toMatchObject({ status: 502, retryable: false, fallbackable: true });
  });

  it('keeps 404 for a model the upstream lacks', () => {
    expect(mapped(404, own('error-404-not-found.json'))).toMatchObject({ status: 404, code: 'model_not_found' });
  });

  it('maps 503 UNAVAILABLE to a retryable 502', () => {
    expect(mapped(503, own('error-503-unavailable.json'))).toMatchObject({ status: 502, retryable: true });
  });

  it('reads RetryInfo and marks a per-day quota as not worth retrying here', () => {
    expect(mapped(429, own('error-429-per-day.json'))).toMatchObject({ status: 429, retryAfter: 7, retryable: false, fallbackable: true });
  });

  it('falls back to the body text when the body is not a Google envelope', () => {
    const error = fromGeminiError('gemini', 502, '<html>Bad Gateway</html>');
    expect(error).toMatchObject({ status: 502, retryable: true });
    expect(error.message).toContain('Bad Gateway');
    expect(fromGeminiError('gemini', 429, 'Too Many Requests', { 'retry-after': '3' })).toMatchObject({ status: 429, retryAfter: 3 });
  });
});

describe('fromGeminiModels', () => {
  it('strips models/ and keeps only generateContent models', () => {
    const models = fromGeminiModels(modelsListSchema.parse(JSON.parse(own('models-list.json'))));
    expect(models.map((m) => m.id)).toEqual(['gemini-2.5-flash', 'gemini-2.0-flash']);
  });
});

describeShared('recorded upstream fixtures (shared reference)', () => {
  it('gemini-generate-functioncall.json: call, usage with thoughts, signature round trip', () => {
    const codec = new ThoughtSignatureCodec();
    const raw = shared('gemini-generate-functioncall.json');
    const completion = fromGeminiResponse(response(raw), 'gemini-3-pro-preview', codec);
    const call = completion.choices[0]!.message.tool_calls![0]!;
    expect(call.function).toEqual({ name: 'weather', arguments: '{"location":"San Francisco"}' });
    expect(completion.choices[0]!.finish_reason).toBe('tool_calls');
    expect(completion.usage).toMatchObject({ prompt_tokens: 29, completion_tokens: 908, total_tokens: 937, completion_tokens_details: { reasoning_tokens: 893 } });
    expect(codec.signatureOf(call.id)).toBe(JSON.parse(raw).candidates[0].content.parts[0].thoughtSignature);
  });

  it('gemini-stream-functioncall-thoughtsig.sse: a no-arg call whose 1.4k signature survives the id', async () => {
    const codec = new ThoughtSignatureCodec();
    const raw = shared('gemini-stream-functioncall-thoughtsig.sse');
    const result = await replay(raw, codec, 'gemini-3-pro-preview');
    expect(result.toolCalls.map((c) => [c.index, c.name, c.arguments])).toEqual([[0, 'get_country', '{}']]);
    expect(result.finish).toBe('tool_calls');
    expect(result.usage).toMatchObject({ prompt_tokens: 29, completion_tokens: 212, completion_tokens_details: { reasoning_tokens: 202 } });
    const original = /"thoughtSignature": "([^"]+)"/.exec(raw)![1];
    expect(codec.signatureOf(result.toolCalls[0]!.id)).toBe(original);
  });

  it('gemini-stream-functioncall-args.sse: a single-event stream with a whole call', async () => {
    const result = await replay(shared('gemini-stream-functioncall-args.sse'));
    expect(result.toolCalls.map((c) => [c.name, c.arguments])).toEqual([['get_capital', '{"country":"France"}']]);
    expect(result.finish).toBe('tool_calls');
    expect(result.usage).toMatchObject({ prompt_tokens: 52, completion_tokens: 5 });
  });

  it('gemini-stream-text-after-functionresponse.sse: usage from the LAST event (prompt 55 → 257)', async () => {
    const result = await replay(shared('gemini-stream-text-after-functionresponse.sse'));
    expect(result.content).toBe('The capital of Mexico is Mexico City.');
    expect(result.finish).toBe('stop');
    expect(result.usage).toMatchObject({ prompt_tokens: 257, completion_tokens: 8, total_tokens: 265 });
  });

  it('gemini-stream-text-usage.sse: text across events, cumulative usage', async () => {
    const result = await replay(shared('gemini-stream-text-usage.sse'));
    expect(result.content).toBe(Array.from({ length: 30 }, (_, i) => String(i + 1)).join('\n'));
    expect(result.usage).toMatchObject({ prompt_tokens: 18, completion_tokens: 115, completion_tokens_details: { reasoning_tokens: 35 } });
  });

  it('vertex-stream-functioncall-partialargs.chunks.jsonl: streamed arguments assembled into whole calls', async () => {
    const result = await replay(jsonlToSse(shared('vertex-stream-functioncall-partialargs.chunks.jsonl')), new ThoughtSignatureCodec(), 'gemini-3.1-pro-preview');
    expect(result.toolCalls.map((c) => [c.index, c.name, JSON.parse(c.arguments)])).toEqual([
      [0, 'getWeather', { location: 'Boston' }],
      [1, 'getWeather', { location: 'San Francisco' }],
    ]);
    expect(result.toolCalls[0]!.id).toContain('_gts_');
    expect(result.finish).toBe('tool_calls');
    expect(result.usage).toMatchObject({ prompt_tokens: 26, completion_tokens: 155 });
  });

  it('gemini-error-400-api-key-invalid.json (array-wrapped): credentials failure → 502', () => {
    const error = fromGeminiError('gemini', 400, JSON.parse(shared('gemini-error-400-api-key-invalid.json')));
    expect(error).toMatchObject({ status: 502, code: 'upstream_auth_error', retryable: false, fallbackable: true });
    expect(error.message).toContain('API key not valid');
  });

  it('gemini-error-429-resource-exhausted.json: 429 with Retry-After from RetryInfo (34.4s → 35)', () => {
    const error = fromGeminiError('gemini', 429, JSON.parse(shared('gemini-error-429-resource-exhausted.json')));
    expect(error).toMatchObject({ status: 429, retryAfter: 35, retryable: true });
  });

  it('gemini-error-400-invalid-argument.json: the client gets the 400 and the upstream message', () => {
    const error = fromGeminiError('gemini', 400, JSON.parse(shared('gemini-error-400-invalid-argument.json')));
    expect(error).toMatchObject({ status: 400, code: 'invalid_argument', retryable: false, fallbackable: false });
    expect(error.message).toContain('Penalty is not enabled');
  });

  it('vertex-error-400-invalid-argument.json: same envelope on Vertex', () => {
    const error = fromGeminiError('vertex', 400, JSON.parse(shared('vertex-error-400-invalid-argument.json')));
    expect(error).toMatchObject({ status: 400, provider: 'vertex' });
    expect(error.message).toContain('Cannot fetch content');
  });
});
