// The Anthropic translators, pure: outbound requests (inline snapshots), answers, streams, usage, errors.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/errors.js';
import { describeShared, hasShared, itShared, ownFixture, SHARED_FIXTURES, sharedFixture } from '../../helpers/fixtures.js';
import { anthropicModelTraits } from '../../../src/providers/anthropic/models.js';
import { AnthropicStreamTranslator } from '../../../src/providers/anthropic/stream.js';
import { fromAnthropicError } from '../../../src/providers/anthropic/errors.js';
import { toAnthropicRequest as toAnthropicRequestFor } from '../../../src/providers/anthropic/request.js';
import { fromAnthropicResponse, fromAnthropicUsage, mapAnthropicStopReason } from '../../../src/providers/anthropic/response.js';
import { anthropicMessageSchema } from '../../../src/providers/anthropic/wire.js';
import { chatRequestSchema, type ChatRequest } from '../../../src/schemas/chat-request.js';
import { chatCompletionChunkSchema, type ChatCompletionChunk } from '../../../src/schemas/chat-response.js';
import { decodeSse } from '../../../src/upstream/sse.js';
import { attachThinking, GATEWAY_THINKING_SIGNATURE } from '../../../src/schemas/signed-thinking.js';

const own = (name: string) => ownFixture('anthropic', name);
const toAnthropicRequest = (request: ChatRequest, model: string) => toAnthropicRequestFor(request, model, 'anthropic');
const shared = sharedFixture;

const req = (body: Record<string, unknown>): ChatRequest => chatRequestSchema.parse({ model: 'anthropic/x', ...body });
const user = (content: unknown) => ({ role: 'user', content });

async function* pieces(text: string, size: number) {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

/** Runs SSE text (split into `size`-character reads) through the translator and reassembles the answer. */
async function translate(sse: string, jsonTool?: string, size = 7) {
  const translator = new AnthropicStreamTranslator('anthropic', 'claude-requested', jsonTool);
  const chunks: ChatCompletionChunk[] = [];
  for await (const event of decodeSse(pieces(sse, size))) chunks.push(...translator.push(event).map((e) => e.chunk));
  return { chunks, done: translator.done, ...assemble(chunks) };
}

function assemble(chunks: ChatCompletionChunk[]) {
  let content = '';
  let reasoning = '';
  const calls: { id?: string; name?: string; arguments: string }[] = [];
  let finish: string | null | undefined;
  for (const chunk of chunks) {
    expect(chatCompletionChunkSchema.safeParse(chunk).success).toBe(true);
    const choice = chunk.choices[0];
    content += choice?.delta.content ?? '';
    reasoning += choice?.delta.reasoning_content ?? '';
    for (const call of choice?.delta.tool_calls ?? []) {
      const slot = (calls[call.index] ??= { arguments: '' });
      if (call.id) slot.id = call.id;
      if (call.function?.name) slot.name = call.function.name;
      slot.arguments += call.function?.arguments ?? '';
    }
    if (choice?.finish_reason) finish = choice.finish_reason;
  }
  const usage = chunks.at(-1)?.choices.length === 0 ? chunks.at(-1)?.usage : undefined;
  return { content, reasoning, calls, finish, usage, role: chunks[0]?.choices[0]?.delta.role };
}

describe('toAnthropicRequest', () => {
  it('moves system/developer to the top level, clamps temperature and drops what Anthropic lacks', () => {
    const plan = toAnthropicRequest(
      req({
        messages: [{ role: 'system', content: 'Be brief.' }, { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] }, user('Hi'), user('Still there?')],
        temperature: 1.6,
        top_p: 0.9,
        stop: 'END',
        user: 'user-42',
        seed: 7,
        n: 1,
        presence_penalty: 0.5,
        frequency_penalty: 0.5,
        logprobs: true,
        metadata: { team: 'a' },
      }),
      'claude-sonnet-4-5',
    );
    expect(plan).toMatchInlineSnapshot(`
      {
        "body": {
          "max_tokens": 16384,
          "messages": [
            {
              "content": [
                {
                  "text": "Hi",
                  "type": "text",
                },
                {
                  "text": "Still there?",
                  "type": "text",
                },
              ],
              "role": "user",
            },
          ],
          "metadata": {
            "user_id": "user-42",
          },
          "model": "claude-sonnet-4-5",
          "stop_sequences": [
            "END",
          ],
          "system": "Be brief.

      Answer in French.",
          "temperature": 1,
        },
      }
    `);
  });

  it('sends top_p only without temperature (newer models refuse the pair)', () => {
    expect(toAnthropicRequest(req({ messages: [user('x')], top_p: 0.9 }), 'claude-sonnet-4-5').body).toMatchObject({ top_p: 0.9 });
    expect(toAnthropicRequest(req({ messages: [user('x')], top_p: 0.9, temperature: 0.2 }), 'claude-haiku-4-5').body).not.toHaveProperty('top_p');
  });

  it('turns a tool round trip into tool_use / tool_result blocks, all results in one user turn', () => {
    const plan = toAnthropicRequest(
      req({
        messages: [
          user('Weather in Paris and Tokyo?'),
          {
            role: 'assistant',
            content: 'Checking.',
            tool_calls: [
              { id: 'toolu_A', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
              { id: 'toolu_B', type: 'function', function: { name: 'get_weather', arguments: '{not json' } },
            ],
          },
          { role: 'tool', tool_call_id: 'toolu_A', content: '18°C' },
          { role: 'tool', tool_call_id: 'toolu_B', content: [{ type: 'text', text: '25°C' }] },
          user('Thanks! And Rome?'),
        ],
        tools: [
          { type: 'function', function: { name: 'get_weather', description: 'Current weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
          { type: 'function', function: { name: 'now' } },
        ],
        tool_choice: 'required',
        parallel_tool_calls: false,
        max_completion_tokens: 300,
        max_tokens: 999,
      }),
      'claude-haiku-4-5',
    );
    expect(plan).toMatchInlineSnapshot(`
      {
        "body": {
          "max_tokens": 300,
          "messages": [
            {
              "content": "Weather in Paris and Tokyo?",
              "role": "user",
            },
            {
              "content": [
                {
                  "text": "Checking.",
                  "type": "text",
                },
                {
                  "id": "toolu_A",
                  "input": {
                    "city": "Paris",
                  },
                  "name": "get_weather",
                  "type": "tool_use",
                },
                {
                  "id": "toolu_B",
                  "input": {},
                  "name": "get_weather",
                  "type": "tool_use",
                },
              ],
              "role": "assistant",
            },
            {
              "content": [
                {
                  "content": "18°C",
                  "tool_use_id": "toolu_A",
                  "type": "tool_result",
                },
                {
                  "content": "25°C",
                  "tool_use_id": "toolu_B",
                  "type": "tool_result",
                },
                {
                  "text": "Thanks! And Rome?",
                  "type": "text",
                },
              ],
              "role": "user",
            },
          ],
          "model": "claude-haiku-4-5",
          "tool_choice": {
            "disable_parallel_tool_use": true,
            "type": "any",
          },
          "tools": [
            {
              "description": "Current weather",
              "input_schema": {
                "properties": {
                  "city": {
                    "type": "string",
                  },
                },
                "type": "object",
              },
              "name": "get_weather",
            },
            {
              "input_schema": {
                "properties": {},
                "type": "object",
              },
              "name": "now",
            },
          ],
        },
      }
    `);
  });

  it('maps tool_choice values', () => {
    const tools = [{ type: 'function', function: { name: 'f' } }];
    const choice = (tool_choice: unknown) => toAnthropicRequest(req({ messages: [user('x')], tools, tool_choice }), 'claude-sonnet-4-5').body.tool_choice;
    expect(choice('auto')).toEqual({ type: 'auto' });
    expect(choice('none')).toEqual({ type: 'none' });
    expect(choice('required')).toEqual({ type: 'any' });
    expect(choice({ type: 'function', function: { name: 'f' } })).toEqual({ type: 'tool', name: 'f' });
    expect(choice(undefined)).toBeUndefined();
    // No tools: no tool_choice at all (Anthropic rejects one without tools).
    expect(toAnthropicRequest(req({ messages: [user('x')], tool_choice: 'auto' }), 'claude-sonnet-4-5').body.tool_choice).toBeUndefined();
  });

  it('sends images and PDFs as base64 or url sources', () => {
    const plan = toAnthropicRequest(
      req({
        messages: [
          user([
            { type: 'text', text: 'Compare these.' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'high' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
            { type: 'file', file: { filename: 'report.pdf', file_data: 'data:application/pdf;base64,JVBERi0xLjQ=' } },
            { type: 'file', file: { filename: 'notes.txt', file_data: 'data:text/plain;base64,aGVsbG8=' } },
          ]),
        ],
      }),
      'claude-sonnet-4-5',
    );
    expect(plan.body.messages).toMatchInlineSnapshot(`
      [
        {
          "content": [
            {
              "text": "Compare these.",
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
            {
              "source": {
                "type": "url",
                "url": "https://example.com/cat.jpg",
              },
              "type": "image",
            },
            {
              "source": {
                "data": "JVBERi0xLjQ=",
                "media_type": "application/pdf",
                "type": "base64",
              },
              "title": "report.pdf",
              "type": "document",
            },
            {
              "source": {
                "data": "hello",
                "media_type": "text/plain",
                "type": "text",
              },
              "title": "notes.txt",
              "type": "document",
            },
          ],
          "role": "user",
        },
      ]
    `);
  });

  it('asks for JSON through a forced tool (json_schema and json_object)', () => {
    const schema = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] };
    const withSchema = toAnthropicRequest(
      req({ messages: [user('Who?')], response_format: { type: 'json_schema', json_schema: { name: 'person', schema, strict: true } } }),
      'claude-haiku-4-5',
    );
    expect(withSchema).toMatchInlineSnapshot(`
      {
        "body": {
          "max_tokens": 16384,
          "messages": [
            {
              "content": "Who?",
              "role": "user",
            },
          ],
          "model": "claude-haiku-4-5",
          "tool_choice": {
            "name": "json_output",
            "type": "tool",
          },
          "tools": [
            {
              "description": "Respond by calling this tool: its input is the final answer, as JSON matching input_schema.",
              "input_schema": {
                "properties": {
                  "name": {
                    "type": "string",
                  },
                },
                "required": [
                  "name",
                ],
                "type": "object",
              },
              "name": "json_output",
            },
          ],
        },
        "jsonTool": "json_output",
      }
    `);
    const object = toAnthropicRequest(req({ messages: [user('Who?')], response_format: { type: 'json_object' } }), 'claude-haiku-4-5');
    expect(object.body.tools).toEqual([expect.objectContaining({ name: 'json_output', input_schema: { type: 'object' } })]);
    expect(object.body.tool_choice).toEqual({ type: 'tool', name: 'json_output' });
    // With the client's own tools the model may call one of them or answer through the JSON tool.
    const mixed = toAnthropicRequest(
      req({ messages: [user('x')], tools: [{ type: 'function', function: { name: 'json_output' } }], response_format: { type: 'json_object' } }),
      'claude-haiku-4-5',
    );
    expect(mixed.jsonTool).toBe('json_output_');
    expect(mixed.body.tool_choice).toEqual({ type: 'any' });
    expect(toAnthropicRequest(req({ messages: [user('x')], response_format: { type: 'text' } }), 'claude-haiku-4-5').jsonTool).toBeUndefined();
  });

  it('enables thinking from reasoning_effort, raising max_tokens above the budget and dropping temperature', () => {
    const plan = toAnthropicRequest(req({ messages: [user('27*453?')], reasoning_effort: 'medium', temperature: 0.2, top_p: 0.5 }), 'claude-sonnet-4-5-20250929');
    expect(plan.body).toMatchInlineSnapshot(`
      {
        "max_tokens": 24576,
        "messages": [
          {
            "content": "27*453?",
            "role": "user",
          },
        ],
        "model": "claude-sonnet-4-5-20250929",
        "thinking": {
          "budget_tokens": 8192,
          "type": "enabled",
        },
      }
    `);
    const explicit = toAnthropicRequest(req({ messages: [user('x')], reasoning_effort: 'low', max_completion_tokens: 1000, top_p: 0.97 }), 'claude-3-7-sonnet-latest').body;
    expect(explicit).toMatchObject({ max_tokens: 3048, thinking: { budget_tokens: 2048 }, top_p: 0.97 });
    // Capped at the family's ceiling (Opus 4.1: 32000), still above the budget.
    const capped = toAnthropicRequest(req({ messages: [user('x')], reasoning_effort: 'high', max_tokens: 30000 }), 'claude-opus-4-1-20250805').body;
    expect(capped).toMatchObject({ max_tokens: 32000, thinking: { budget_tokens: 16384 } });
    // No thinking on models without it, with effort 'none', or when a tool is forced (Anthropic rejects that pair).
    const off = (body: Record<string, unknown>, model = 'claude-sonnet-4-5') => toAnthropicRequest(req({ messages: [user('x')], reasoning_effort: 'high', ...body }), model).body;
    expect(off({}, 'claude-3-5-haiku-20241022').thinking).toBeUndefined();
    expect(off({ reasoning_effort: 'none', temperature: 0.3 })).toMatchObject({ temperature: 0.3 });
    expect(off({ reasoning_effort: 'none' }).thinking).toBeUndefined();
    expect(off({ response_format: { type: 'json_object' } }).thinking).toBeUndefined();
    expect(off({ tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: 'required' }).thinking).toBeUndefined();
    expect(off({ tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: 'auto' }).thinking).toEqual({ type: 'enabled', budget_tokens: 16384 });
    // Continuing a tool loop: the signed thinking of that turn cannot be replayed, so no thinking until the next user text.
    const loop = [
      user('x'),
      { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'toolu_1', content: 'ok' },
    ];
    expect(off({ messages: loop }).thinking).toBeUndefined();
    expect(off({ messages: [...loop, { role: 'assistant', content: 'done' }, user('next question')] }).thinking).toBeDefined();
  });

  it("replays Anthropic's own signed thinking (so a tool loop keeps thinking), never a block signed elsewhere", () => {
    const loopTurn = (signature: string) => {
      const call = { id: 'toolu_1', type: 'function' as const, function: { name: 'f', arguments: '{}' } };
      const assistant = attachThinking({ role: 'assistant', content: null, tool_calls: [call] }, [{ type: 'thinking', thinking: 'Call f.', signature }, { type: 'redacted_thinking', data: 'EqQBCgIYAhIM' }]);
      return req({ messages: [user('x')], tools: [{ type: 'function', function: { name: 'f' } }], reasoning_effort: 'low' }).messages.concat(assistant, { role: 'tool', tool_call_id: 'toolu_1', content: 'ok' });
    };
    const signed = toAnthropicRequest({ ...req({ messages: [user('x')] }), messages: loopTurn('RXN0aGVyIHNpZ25hdHVyZQ=='), tools: [{ type: 'function', function: { name: 'f' } }], reasoning_effort: 'low' }, 'claude-sonnet-4-5').body;
    expect(signed.thinking).toEqual({ type: 'enabled', budget_tokens: 2048 });
    expect(signed.messages[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: 'Call f.', signature: 'RXN0aGVyIHNpZ25hdHVyZQ==' },
        { type: 'redacted_thinking', data: 'EqQBCgIYAhIM' },
        { type: 'tool_use', id: 'toolu_1', name: 'f', input: {} },
      ],
    });
    // Reasoning the gateway relayed from another provider carries its marker: dropped, and the loop does not think.
    const foreign = toAnthropicRequest({ ...req({ messages: [user('x')] }), messages: loopTurn(GATEWAY_THINKING_SIGNATURE).map((m) => (m.role === 'assistant' ? attachThinking({ ...m, role: 'assistant' }, [{ type: 'thinking', thinking: 'Call f.', signature: GATEWAY_THINKING_SIGNATURE }]) : m)), tools: [{ type: 'function', function: { name: 'f' } }], reasoning_effort: 'low' }, 'claude-sonnet-4-5').body;
    expect(foreign.thinking).toBeUndefined();
    expect(JSON.stringify(foreign.messages)).not.toContain(GATEWAY_THINKING_SIGNATURE);
    // Without thinking on, no block goes back at all.
    const plain = toAnthropicRequest({ ...req({ messages: [user('x')] }), messages: loopTurn('RXN0aGVyIHNpZ25hdHVyZQ==') }, 'claude-sonnet-4-5').body;
    expect(JSON.stringify(plain.messages)).not.toContain('thinking');
  });

  it('picks a default max_tokens per model family', () => {
    const max = (model: string) => toAnthropicRequest(req({ messages: [user('x')] }), model).body.max_tokens;
    expect(max('claude-3-haiku-20240307')).toBe(4096);
    expect(max('claude-3-5-sonnet-20241022')).toBe(8192);
    expect(max('claude-3-7-sonnet-20250219')).toBe(16384);
    expect(max('claude-opus-4-20250514')).toBe(16384);
    expect(max('some-proxy-alias')).toBe(4096);
    expect(anthropicModelTraits('claude-opus-4-20250514').maxOutputTokens).toBe(32000);
    expect(anthropicModelTraits('claude-sonnet-4-5').maxOutputTokens).toBe(64000);
    expect(anthropicModelTraits('claude-3-5-haiku-latest')).toMatchObject({ vision: false, reasoning: false });
  });

  it('merges turns, drops empty text and trims a trailing assistant prefill', () => {
    const { body } = toAnthropicRequest(
      req({ messages: [user('a'), { role: 'assistant', content: '' }, user([{ type: 'text', text: 'b' }, { type: 'text', text: '' }]), { role: 'assistant', content: 'The answer is ' }] }),
      'claude-sonnet-4-5',
    );
    expect(body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] },
      { role: 'assistant', content: 'The answer is' },
    ]);
  });

  it('rejects what it cannot express with a 400 naming the parameter', () => {
    const fail = (body: Record<string, unknown>) => {
      try {
        toAnthropicRequest(req({ messages: [user('x')], ...body }), 'claude-sonnet-4-5');
      } catch (err) {
        return err as GatewayError;
      }
      throw new Error('expected a GatewayError');
    };
    expect(fail({ n: 2 })).toMatchObject({ status: 400, param: 'n', type: 'invalid_request_error' });
    expect(fail({ reasoning_effort: 'extreme' })).toMatchObject({ status: 400, param: 'reasoning_effort' });
    expect(fail({ messages: [user([{ type: 'input_audio', input_audio: { data: 'AAA', format: 'wav' } }])] })).toMatchObject({ status: 400, param: 'messages[0].content[0]' });
    expect(fail({ messages: [user([{ type: 'file', file: { file_id: 'file-abc' } }])] })).toMatchObject({ status: 400, param: 'messages[0].content[0]' });
  });
});

describe('fromAnthropicResponse', () => {
  itShared('translates the recorded text message', () => {
    const message = anthropicMessageSchema.parse(JSON.parse(shared('anthropic-message-text.json')));
    const completion = fromAnthropicResponse(message);
    expect(completion).toMatchObject({
      object: 'chat.completion',
      model: 'claude-sonnet-4-5-20250929',
      choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: expect.stringMatching(/^Hello! I'm doing well/) } }],
      usage: { prompt_tokens: 12, completion_tokens: 29, total_tokens: 41, prompt_tokens_details: { cached_tokens: 0 } },
    });
    expect(completion.id).toMatch(/^chatcmpl-/);
  });

  it('maps thinking, text and parallel tool_use (ids unchanged) and counts cache tokens in the prompt', () => {
    const completion = fromAnthropicResponse(anthropicMessageSchema.parse(JSON.parse(own('message-thinking-tools.json'))));
    expect(completion.choices[0]).toMatchInlineSnapshot(`
      {
        "finish_reason": "tool_calls",
        "index": 0,
        "logprobs": null,
        "message": {
          "content": "I'll look up both cities.",
          "reasoning_content": "The user asks for weather in two cities. I should call get_weather twice.",
          "refusal": null,
          "role": "assistant",
          "tool_calls": [
            {
              "function": {
                "arguments": "{"city":"Paris","unit":"celsius"}",
                "name": "get_weather",
              },
              "id": "toolu_01Paris0000000000000000",
              "type": "function",
            },
            {
              "function": {
                "arguments": "{"city":"Tokyo"}",
                "name": "get_weather",
              },
              "id": "toolu_01Tokyo0000000000000000",
              "type": "function",
            },
          ],
        },
      }
    `);
    expect(completion.usage).toEqual({ prompt_tokens: 2560, completion_tokens: 187, total_tokens: 2747, prompt_tokens_details: { cached_tokens: 2048 } });
  });

  it('returns the JSON-mode tool input as content with finish_reason stop', () => {
    const message = anthropicMessageSchema.parse(JSON.parse(own('message-json-tool.json')));
    const completion = fromAnthropicResponse(message, 'json_output');
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.choices[0]?.message.tool_calls).toBeUndefined();
    expect(JSON.parse(completion.choices[0]?.message.content ?? '')).toEqual({ name: 'Ada Lovelace', born: 1815, fields: ['mathematics', 'computing'] });
    // Without JSON mode the same answer is an ordinary tool call.
    expect(fromAnthropicResponse(message).choices[0]).toMatchObject({ finish_reason: 'tool_calls', message: { content: null, tool_calls: [{ id: 'toolu_01JsonOut000000000000000' }] } });
  });

  it('maps every stop reason', () => {
    const table = ['end_turn', 'stop_sequence', 'pause_turn', 'max_tokens', 'model_context_window_exceeded', 'refusal', null, 'something_new'].map((r) => [r, mapAnthropicStopReason(r, false)]);
    expect(Object.fromEntries(table)).toEqual({
      end_turn: 'stop',
      stop_sequence: 'stop',
      pause_turn: 'stop',
      max_tokens: 'length',
      model_context_window_exceeded: 'length',
      refusal: 'content_filter',
      null: 'stop',
      something_new: 'stop',
    });
    expect(mapAnthropicStopReason('tool_use', true)).toBe('tool_calls');
    expect(mapAnthropicStopReason('tool_use', false)).toBe('stop');
  });

  it('reports thinking tokens as reasoning_tokens when the API splits them out', () => {
    expect(fromAnthropicUsage({ input_tokens: 5, output_tokens: 90, output_tokens_details: { thinking_tokens: 60 } })).toEqual({
      prompt_tokens: 5,
      completion_tokens: 90,
      total_tokens: 95,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 60 },
    });
  });
});

describe('stream translation', () => {
  it('streams parallel tool calls with OpenAI indices (not block indices) and argument fragments', async () => {
    const out = await translate(own('stream-parallel-tools.sse'));
    expect(out.role).toBe('assistant');
    expect(out.content).toBe('Checking both cities.');
    expect(out.calls).toEqual([
      { id: 'toolu_01StreamParis000000000', name: 'get_weather', arguments: '{"city": "Paris"}' },
      { id: 'toolu_01StreamTokyo000000000', name: 'get_weather', arguments: '{"city": "Tokyo"}' },
    ]);
    expect(out.finish).toBe('tool_calls');
    expect(out.usage).toEqual({ prompt_tokens: 768, completion_tokens: 88, total_tokens: 856, prompt_tokens_details: { cached_tokens: 256 } });
    expect(out.done).toBe(true);
    // The first delta of each call carries id, type, name and empty arguments, as OpenAI does.
    const starts = out.chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []).filter((t) => t.id);
    expect(starts).toEqual([
      { index: 0, id: 'toolu_01StreamParis000000000', type: 'function', function: { name: 'get_weather', arguments: '' } },
      { index: 1, id: 'toolu_01StreamTokyo000000000', type: 'function', function: { name: 'get_weather', arguments: '' } },
    ]);
    expect(out.chunks.every((c) => c.model === 'claude-sonnet-4-5-20250929' && c.id === out.chunks[0]?.id)).toBe(true);
  });

  it('gives the same answer whatever the read size', async () => {
    const sse = own('stream-parallel-tools.sse');
    const reference = await translate(sse, undefined, sse.length);
    for (const size of [1, 2, 3, 13, 64]) {
      const out = await translate(sse, undefined, size);
      expect({ content: out.content, calls: out.calls, finish: out.finish, usage: out.usage }).toEqual({
        content: reference.content,
        calls: reference.calls,
        finish: reference.finish,
        usage: reference.usage,
      });
    }
  });

  it('streams thinking as reasoning_content and ends with finish then usage', async () => {
    const out = await translate(own('stream-thinking.sse'));
    expect(out.reasoning).toBe('27 * 453: 27*400 = 10800, 27*53 = 1431, total 12231.');
    expect(out.content).toBe('27 × 453 = **12,231**');
    expect(out.finish).toBe('length');
    expect(out.usage).toEqual({ prompt_tokens: 40, completion_tokens: 96, total_tokens: 136, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 70 } });
    const tail = out.chunks.slice(-2);
    expect(tail[0]?.choices[0]).toMatchObject({ delta: {}, finish_reason: 'length' });
    expect(tail[1]?.choices).toEqual([]);
  });

  it('streams the JSON-mode tool input as content and finishes with stop', async () => {
    const out = await translate(own('stream-json-mode.sse'), 'json_output');
    expect(JSON.parse(out.content)).toEqual({ name: 'Ada Lovelace', born: 1815 });
    expect(out.calls).toEqual([]);
    expect(out.finish).toBe('stop');
  });

  it('throws a retryable 502 on a mid-stream overloaded_error, after what was already sent', async () => {
    const translator = new AnthropicStreamTranslator('anthropic', 'claude-x');
    const seen: ChatCompletionChunk[] = [];
    const failure = await (async () => {
      for await (const event of decodeSse(pieces(own('stream-midstream-overloaded.sse'), 11))) seen.push(...translator.push(event).map((e) => e.chunk));
    })().catch((e: unknown) => e);
    expect(assemble(seen).content).toBe('Once upon');
    expect(failure).toBeInstanceOf(GatewayError);
    expect(failure).toMatchObject({ status: 502, retryable: true, upstreamStatus: 529, code: 'upstream_overloaded', provider: 'anthropic' });
    expect((failure as GatewayError).message).toContain('Overloaded');
  });

  it('is not done when the stream stops before message_stop', async () => {
    const cut = own('stream-thinking.sse').split('event: message_delta')[0] ?? '';
    const out = await translate(cut);
    expect(out.done).toBe(false);
    expect(out.finish).toBeUndefined();
  });

  it('rejects a malformed event as a bad upstream response', () => {
    const translator = new AnthropicStreamTranslator('anthropic', 'claude-x');
    expect(() => translator.push({ event: 'content_block_delta', data: '{"type":"content_block_delta"' })).toThrow(/malformed/);
    expect(() => translator.push({ event: 'content_block_delta', data: '{"type":"content_block_delta","delta":{}}' })).toThrow(/malformed/);
  });
});

describeShared('recorded Anthropic fixtures (shared reference)', () => {
  const frame = (jsonl: string) =>
    jsonl
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => `event: ${(JSON.parse(line) as { type: string }).type}\ndata: ${line}\n\n`)
      .join('');
  const streams = hasShared ? readdirSync(SHARED_FIXTURES).filter((f) => /^anthropic-.*\.(sse|chunks\.jsonl)$/.test(f)) : [];

  it.each(streams)('replays %s to a complete, well-formed OpenAI stream', async (name) => {
    const sse = name.endsWith('.jsonl') ? frame(shared(name)) : shared(name);
    const out = await translate(sse);
    expect(out.done).toBe(true);
    expect(out.role).toBe('assistant');
    expect(out.finish).toMatch(/^(stop|length|tool_calls|content_filter)$/);
    expect(out.usage?.total_tokens).toBeGreaterThan(0);
  });

  it('anthropic-stream-text.sse: padded data, ping, cumulative usage', async () => {
    const out = await translate(shared('anthropic-stream-text.sse'));
    expect(out).toMatchObject({ content: '2', finish: 'stop', usage: { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25 } });
  });

  it('anthropic-stream-tooluse.chunks.jsonl: as a client tool, and as the JSON-mode tool', async () => {
    const sse = frame(shared('anthropic-stream-tooluse.chunks.jsonl'));
    const asTool = await translate(sse);
    expect(asTool.content).toBe("I'll invoke the JSON response tool.");
    expect(asTool.calls).toEqual([{ id: 'toolu_01KFbKqPYSuAKujiL6mTfzYA', name: 'json', arguments: expect.any(String) }]);
    expect(JSON.parse(asTool.calls[0]?.arguments ?? '')).toEqual({ elements: [{ location: 'San Francisco', temperature: 58, condition: 'sunny' }] });
    expect(asTool.finish).toBe('tool_calls');
    expect(asTool.usage).toMatchObject({ prompt_tokens: 849, completion_tokens: 47 });

    const asJson = await translate(sse, 'json');
    expect(JSON.parse(asJson.content)).toEqual({ elements: [{ location: 'San Francisco', temperature: 58, condition: 'sunny' }] });
    expect(asJson.calls).toEqual([]);
    expect(asJson.finish).toBe('stop');
  });

  it('maps every recorded error body by the contract', () => {
    const error = (status: number, name: string, retryAfter?: number) => fromAnthropicError('anthropic', status, shared(name), retryAfter);
    const bad = error(400, 'anthropic-error-400-invalid-request.json');
    expect(bad).toMatchObject({ status: 400, type: 'invalid_request_error', retryable: false, fallbackable: false, upstreamStatus: 400 });
    expect(bad.message).toMatch(/^anthropic: messages\.2\.content\.0: unexpected `tool_use_id`.*\(request_id req_011Cd65WVh8Zrvno3NunpJ73\)$/);
    const auth = error(401, 'anthropic-error-401-authentication.json');
    expect(auth).toMatchObject({ status: 502, type: 'api_error', retryable: false, fallbackable: true, upstreamStatus: 401 });
    expect(auth.message).toContain('invalid x-api-key');
    expect(error(429, 'anthropic-error-429-rate-limit.json', 7)).toMatchObject({ status: 429, type: 'rate_limit_error', retryAfter: 7, retryable: true });
    expect(error(529, 'anthropic-error-529-overloaded.json')).toMatchObject({ status: 502, type: 'api_error', code: 'upstream_overloaded', retryable: true, upstreamStatus: 529 });
  });
});

describe('fromAnthropicError (own fixtures and odd bodies)', () => {
  it('keeps 413 with a message naming the provider', () => {
    const err = fromAnthropicError('anthropic', 413, own('error-413-request-too-large.json'));
    expect(err).toMatchObject({ status: 413, code: 'request_too_large', retryable: false });
    expect(err.message).toMatch(/^anthropic: Request exceeds/);
  });

  it('survives a non-JSON error body (a proxy page)', () => {
    const err = fromAnthropicError('claude', 502, '<html>Bad gateway</html>');
    expect(err).toMatchObject({ status: 502, retryable: true, provider: 'claude' });
    expect(err.message).toBe('claude: HTTP 502: <html>Bad gateway</html>');
  });
});
