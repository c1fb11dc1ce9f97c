// The DeepSeek preset against the fake upstream: history reasoning stripped except in a running tool loop,
// reasoning_content passed through, cache-hit usage mapped, keep-alive comments skipped, resource errors thrown.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeUpstream } from '../../../fakes/openai-upstream.js';
import { assemble, callOptions, chatRequest, chunksToSse, closeDispatcher, collect, collectEvents, dispatcher, failure, hello, makeProvider, own, reference } from '../helpers.js';
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

const deepseek = () => makeProvider('deepseek', fake);
const call = { id: 'call_0', type: 'function', function: { name: 'get_date', arguments: '{}' } };

describe('deepseek: outbound request', () => {
  it('strips reasoning_content from past turns but keeps it in the running tool loop', async () => {
    const request = chatRequest({
      messages: [
        { role: 'developer', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello!', reasoning_content: 'old thoughts' },
        { role: 'user', content: 'What date is it?' },
        { role: 'assistant', content: null, reasoning_content: 'I need the tool.', tool_calls: [call] },
        { role: 'tool', tool_call_id: 'call_0', content: '2026-01-05' },
      ],
      max_completion_tokens: 100,
    });
    await collect(await deepseek().chatStream(request, 'deepseek-reasoner', callOptions()));
    expect(fake.requests[0]?.body).toMatchInlineSnapshot(`
      {
        "max_tokens": 100,
        "messages": [
          {
            "content": "Be brief.",
            "role": "system",
          },
          {
            "content": "Hi",
            "role": "user",
          },
          {
            "content": "Hello!",
            "role": "assistant",
          },
          {
            "content": "What date is it?",
            "role": "user",
          },
          {
            "content": null,
            "reasoning_content": "I need the tool.",
            "role": "assistant",
            "tool_calls": [
              {
                "function": {
                  "arguments": "{}",
                  "name": "get_date",
                },
                "id": "call_0",
                "type": "function",
              },
            ],
          },
          {
            "content": "2026-01-05",
            "role": "tool",
            "tool_call_id": "call_0",
          },
        ],
        "model": "deepseek-reasoner",
        "stream": true,
        "stream_options": {
          "include_usage": true,
        },
      }
    `);
  });

  it('sends a plain request unchanged', async () => {
    const request = hello({ temperature: 0.3, response_format: { type: 'json_object' } });
    await deepseek().chat(request, 'deepseek-chat', callOptions());
    expect(fake.requests[0]?.body).toEqual({ ...request, model: 'deepseek-chat', stream: false });
  });
});

describe('deepseek: answers', () => {
  it('maps prompt_cache_hit_tokens to cached_tokens, after blank keep-alive lines before the JSON', async () => {
    fake.enqueue({ body: own('deepseek', 'chat-cache-hit.json'), contentType: 'application/json' });
    const completion = await deepseek().chat(hello(), 'deepseek-chat', callOptions());
    expect(completion.usage).toMatchObject({ prompt_tokens: 1024, prompt_tokens_details: { cached_tokens: 960 }, prompt_cache_hit_tokens: 960 });
    expect(completion.choices[0]?.message.content).toBe('Hello! How can I help?');
  });

  it('streams reasoning_content through, skips keep-alive comments, and splits usage off the finish chunk', async () => {
    fake.enqueue({ body: own('deepseek', 'stream-reasoner-keepalive.sse'), contentType: 'text/event-stream' });
    const events = await collectEvents(await deepseek().chatStream(hello(), 'deepseek-reasoner', callOptions()));
    const chunks = events.map((e) => e.chunk);
    expect(assemble(chunks)).toMatchObject({ reasoning: '2 plus 2 is 4.', content: '4', finish: 'stop' });
    expect(chunks.at(-2)?.usage).toBeUndefined();
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { total_tokens: 76, prompt_tokens_details: { cached_tokens: 64 }, completion_tokens_details: { reasoning_tokens: 8 } } });
    // Chunks that needed no change keep the upstream bytes.
    expect(events[1]?.raw).toContain('"reasoning_content":"2 plus 2"');
  });

  it('throws a retryable 502 on finish_reason insufficient_system_resource', async () => {
    fake.enqueue({ body: own('deepseek', 'chat-insufficient-resource.json'), contentType: 'application/json' });
    expect(await failure(deepseek().chat(hello(), 'deepseek-chat', callOptions()))).toMatchObject({ status: 502, code: 'insufficient_system_resource', retryable: true });
    fake.enqueue({
      sse: [
        { id: 'x', object: 'chat.completion.chunk', created: 1, model: 'deepseek-chat', choices: [{ index: 0, delta: { role: 'assistant', content: 'Hel' }, finish_reason: null }] },
        { id: 'x', object: 'chat.completion.chunk', created: 1, model: 'deepseek-chat', choices: [{ index: 0, delta: { content: '' }, finish_reason: 'insufficient_system_resource' }] },
      ],
    });
    expect(await failure(collect(await deepseek().chatStream(hello(), 'deepseek-chat', callOptions())))).toMatchObject({ status: 502, code: 'insufficient_system_resource' });
  });
});

describe('deepseek: errors and capabilities', () => {
  it.each([
    [402, { error: { message: 'Insufficient Balance', type: 'unknown_error', param: null, code: 'invalid_request_error' } }, { status: 502, upstreamStatus: 402, retryable: false }],
    [422, { error: { message: 'Invalid max_tokens value', type: 'invalid_request_error', param: null, code: 'invalid_request_error' } }, { status: 400, upstreamStatus: 422 }],
    [503, { error: { message: 'Server overloaded', type: 'server_error', param: null, code: null } }, { status: 502, retryable: true }],
  ])('maps HTTP %i', async (status, body, expected) => {
    fake.enqueue({ status, json: body });
    expect(await failure(deepseek().chat(hello(), 'deepseek-chat', callOptions()))).toMatchObject(expected);
  });

  it('is text-only, with tools, reasoning only on the reasoner, no embeddings', () => {
    expect(deepseek().capabilities('deepseek-chat')).toEqual({ tools: true, vision: false, jsonSchema: false, reasoning: false, embeddings: false, files: false });
    expect(deepseek().capabilities('deepseek-reasoner').reasoning).toBe(true);
  });
});

describeShared('deepseek: recorded upstream bodies', () => {
  it('replays a recorded reasoner stream', async () => {
    fake.enqueue({ body: reference('deepseek-stream-reasoner.sse'), contentType: 'text/event-stream' });
    const result = assemble(await collect(await deepseek().chatStream(hello(), 'deepseek-reasoner', callOptions())));
    expect(result.reasoning.length).toBeGreaterThan(50);
    expect(result.content.endsWith('today?')).toBe(true);
    expect(result.usage).toMatchObject({ total_tokens: 218, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 198 } });
  });

  it('replays a recorded reasoner tool-call stream', async () => {
    fake.enqueue({ sse: chunksToSse(reference('deepseek-stream-reasoner-toolcall.chunks.jsonl')), done: false });
    const result = assemble(await collect(await deepseek().chatStream(hello(), 'deepseek-reasoner', callOptions())));
    expect(result.calls).toHaveLength(1);
    expect(JSON.parse(result.calls[0]?.arguments ?? '')).toMatchObject({ location: 'San Francisco' });
    expect(result).toMatchObject({ finish: 'tool_calls', usage: { prompt_tokens_details: { cached_tokens: 320 } } });
    expect(result.reasoning.length).toBeGreaterThan(0);
  });

  it('passes the recorded reasoner completion through', async () => {
    fake.enqueue({ body: reference('deepseek-chat-reasoner.json'), contentType: 'application/json' });
    const completion = await deepseek().chat(hello(), 'deepseek-reasoner', callOptions());
    expect(completion.choices[0]?.message.reasoning_content).toMatch(/^We are asked/);
    expect(completion.usage?.completion_tokens_details?.reasoning_tokens).toBe(315);
  });

  it.each([
    ['deepseek-error-401-authentication.json', 401, { status: 502 }],
    ['deepseek-error-402-insufficient-balance.json', 402, { status: 502, retryable: false }],
  ])('maps recorded %s', async (file, status, expected) => {
    fake.enqueue({ status, body: reference(file), contentType: 'application/json' });
    expect(await failure(deepseek().chat(hello(), 'deepseek-chat', callOptions()))).toMatchObject(expected);
  });
});
