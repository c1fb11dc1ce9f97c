// The generic preset (vLLM and other OpenAI-wire servers): both reasoning field names, both error shapes, in-stream errors.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeUpstream } from '../../fakes/openai-upstream.js';
import { assemble, callOptions, chatRequest, closeDispatcher, collect, dispatcher, failure, hello, makeProvider, own } from './helpers.js';

let fake: FakeUpstream;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(async () => {
  await fake.close();
  await closeDispatcher();
});
beforeEach(() => fake.reset());

const vllm = () => makeProvider('openai-compatible', fake, { id: 'vllm' });

describe('openai-compatible (vLLM)', () => {
  it('passes vendor fields through and maps developer to system', async () => {
    const request = chatRequest({
      messages: [
        { role: 'developer', content: 'Terse.' },
        { role: 'user', content: 'Hi' },
      ],
      max_completion_tokens: 32,
      top_k: 20,
      chat_template_kwargs: { enable_thinking: false },
    });
    await vllm().chat(request, 'Qwen/Qwen3-8B', callOptions());
    expect(fake.requests[0]?.body).toMatchInlineSnapshot(`
      {
        "chat_template_kwargs": {
          "enable_thinking": false,
        },
        "max_completion_tokens": 32,
        "messages": [
          {
            "content": "Terse.",
            "role": "system",
          },
          {
            "content": "Hi",
            "role": "user",
          },
        ],
        "model": "Qwen/Qwen3-8B",
        "stream": false,
        "top_k": 20,
      }
    `);
  });

  it('streams delta.reasoning as reasoning_content', async () => {
    fake.enqueue({ body: own('openai-compatible', 'vllm-stream-reasoning.sse'), contentType: 'text/event-stream' });
    const chunks = await collect(await vllm().chatStream(hello(), 'Qwen/Qwen3-8B', callOptions()));
    expect(assemble(chunks)).toMatchObject({ reasoning: 'User greets. Reply politely.', content: 'Hello!', finish: 'stop', usage: { total_tokens: 29 } });
    expect(chunks.some((c) => c.choices.some((choice) => 'reasoning' in choice.delta))).toBe(false);
  });

  it('keeps one reasoning_content when a server sends both names', async () => {
    fake.enqueue({ body: own('openai-compatible', 'vllm-chat-both-reasoning-fields.json'), contentType: 'application/json' });
    const message = (await vllm().chat(hello(), 'Qwen/Qwen3-8B', callOptions())).choices[0]?.message;
    expect(message?.reasoning_content).toBe('Capital of France.');
    expect(message).not.toHaveProperty('reasoning');
    expect(message?.content).toBe('Paris.');
  });

  it('reads the top-level {object:"error", code:<int>} shape as the upstream 400', async () => {
    fake.enqueue({ status: 400, body: own('openai-compatible', 'vllm-error-flat.json'), contentType: 'application/json' });
    const err = await failure(vllm().chat(hello(), 'Qwen/Qwen3-8B', callOptions()));
    expect(err).toMatchObject({ status: 400, code: '400', retryable: false });
    expect(err.message).toContain('maximum context length is 32768 tokens');
  });

  it('reads a FastAPI {detail:[…]} validation body', async () => {
    fake.enqueue({ status: 422, json: { detail: [{ type: 'missing', loc: ['body', 'messages'], msg: 'Field required', input: {} }] } });
    const err = await failure(vllm().chat(hello(), 'Qwen/Qwen3-8B', callOptions()));
    expect(err).toMatchObject({ status: 400, param: 'messages' });
    expect(err.message).toBe('vllm: body.messages: Field required');
  });

  it('ends a stream on an in-stream error with 502 carrying its message', async () => {
    fake.enqueue({ body: own('openai-compatible', 'vllm-stream-midstream-error.sse'), contentType: 'text/event-stream' });
    const err = await failure(collect(await vllm().chatStream(hello(), 'Qwen/Qwen3-8B', callOptions())));
    expect(err).toMatchObject({ status: 502, code: '500' });
    expect(err.message).toContain('CUDA out of memory');
  });

  it('also recognises a bare {object:"error"} event in a stream', async () => {
    fake.enqueue({ sse: [{ object: 'error', message: 'engine dead', type: 'InternalServerError', param: null, code: 500 }], done: false });
    const err = await failure(collect(await vllm().chatStream(hello(), 'Qwen/Qwen3-8B', callOptions())));
    expect(err.message).toContain('engine dead');
  });

  it('assumes the full OpenAI surface except files', () => {
    expect(vllm().capabilities('any')).toEqual({ tools: true, vision: true, jsonSchema: true, reasoning: true, embeddings: true, files: false });
  });
});

describe('reasoning fields only for models declared as reasoning', () => {
  const history = [
    { role: 'user', content: 'Hi' },
    { role: 'assistant', content: 'Hello', reasoning_content: 'They greet me.' },
    { role: 'user', content: 'Again' },
  ];
  const sent = () => fake.requests.at(-1)?.body as Record<string, unknown> & { messages: Array<Record<string, unknown>> };

  it('openai: gpt-4o gets neither reasoning_effort nor reasoning_content; o3 keeps its effort', async () => {
    const openai = makeProvider('openai', fake);
    await openai.chat(chatRequest({ messages: history, reasoning_effort: 'high' }), 'gpt-4o', callOptions());
    expect(sent()).not.toHaveProperty('reasoning_effort');
    expect(sent().messages[1]).toEqual({ role: 'assistant', content: 'Hello' });
    await openai.chat(chatRequest({ messages: history, reasoning_effort: 'high' }), 'o3', callOptions());
    expect(sent()).toMatchObject({ reasoning_effort: 'high' });
    // OpenAI's chat API never takes reasoning text back, reasoning model or not.
    expect(sent().messages[1]).not.toHaveProperty('reasoning_content');
  });

  it('deepseek: deepseek-chat gets no effort; the reasoner keeps it (its own preset rules its history)', async () => {
    const deepseek = makeProvider('deepseek', fake);
    await deepseek.chat(chatRequest({ messages: history, reasoning_effort: 'low' }), 'deepseek-chat', callOptions());
    expect(sent()).not.toHaveProperty('reasoning_effort');
    await deepseek.chat(chatRequest({ messages: history, reasoning_effort: 'low' }), 'deepseek-reasoner', callOptions());
    expect(sent()).toMatchObject({ reasoning_effort: 'low' });
  });

  it('a generic server (declared reasoning) gets both as sent', async () => {
    await vllm().chat(chatRequest({ messages: history, reasoning_effort: 'low' }), 'qwen3', callOptions());
    expect(sent()).toMatchObject({ reasoning_effort: 'low', messages: [{}, { reasoning_content: 'They greet me.' }, {}] });
  });
});
