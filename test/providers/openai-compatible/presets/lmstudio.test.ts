// The LM Studio preset against the fake upstream: /v1 base URL, reasoning_content passed through, models, errors.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeUpstream } from '../../../fakes/openai-upstream.js';
import { assemble, callOptions, chatRequest, closeDispatcher, collect, dispatcher, failure, hello, makeProvider, own, reference } from '../helpers.js';
import { describeShared } from '../../../helpers/fixtures.js';

let fake: FakeUpstream;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(async () => {
  await fake.close();
  await closeDispatcher();
});
beforeEach(() => fake.reset());

const lmstudio = () => makeProvider('lmstudio', fake, { apiKey: undefined });

describe('lmstudio', () => {
  it('sends max_tokens and system, without an Authorization header when no token is set', async () => {
    const request = chatRequest({
      messages: [
        { role: 'developer', content: 'Short answers.' },
        { role: 'user', content: 'Hi' },
      ],
      max_completion_tokens: 128,
      top_k: 40,
    });
    await lmstudio().chat(request, 'qwen/qwen3-4b-thinking-2507', callOptions());
    expect(fake.requests[0]?.headers.authorization).toBeUndefined();
    expect(fake.requests[0]?.body).toMatchInlineSnapshot(`
      {
        "max_tokens": 128,
        "messages": [
          {
            "content": "Short answers.",
            "role": "system",
          },
          {
            "content": "Hi",
            "role": "user",
          },
        ],
        "model": "qwen/qwen3-4b-thinking-2507",
        "stream": false,
        "top_k": 40,
      }
    `);
  });

  it('streams reasoning_content through with usage', async () => {
    fake.enqueue({ body: own('lmstudio', 'stream-reasoning.sse'), contentType: 'text/event-stream' });
    const result = assemble(await collect(await lmstudio().chatStream(hello(), 'qwen/qwen3-4b-thinking-2507', callOptions())));
    expect(result).toMatchObject({ reasoning: 'Okay, keep it short.', content: 'Hi there!', finish: 'stop', usage: { total_tokens: 25 } });
    expect((fake.requests[0]?.body as Record<string, unknown>).stream_options).toEqual({ include_usage: true });
  });

  it('lists and probes through /v1/models', async () => {
    fake.enqueue({ body: own('lmstudio', 'models.json'), contentType: 'application/json' }, { method: 'GET', path: '/models' });
    expect((await lmstudio().listModels(AbortSignal.timeout(2000))).map((m) => m.id)).toEqual([
      'qwen/qwen3-4b-thinking-2507',
      'google/gemma-3-12b',
      'text-embedding-nomic-embed-text-v1.5',
    ]);
    await lmstudio().probe(AbortSignal.timeout(2000));
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1/models', 'GET /v1/models']);
  });

  it('reads a string error body', async () => {
    fake.enqueue({ status: 404, body: own('lmstudio', 'error-model-not-loaded.json'), contentType: 'application/json' });
    const err = await failure(lmstudio().chat(hello(), 'nope', callOptions()));
    expect(err).toMatchObject({ status: 404 });
    expect(err.message).toBe('lmstudio: Model "nope" not found. Please load it in LM Studio first.');
  });

  it('embeds, and assumes vision (the loaded model decides)', async () => {
    const res = await lmstudio().embeddings?.({ model: 'x', input: 'hello' }, 'text-embedding-nomic-embed-text-v1.5', callOptions());
    expect(res?.data).toHaveLength(1);
    expect(lmstudio().capabilities('google/gemma-3-12b')).toMatchObject({ vision: true, tools: true, embeddings: true });
  });
});

describeShared('lmstudio: recorded upstream bodies', () => {
  it('passes the documented chat completion (with stats) through', async () => {
    fake.enqueue({ body: reference('lmstudio-api-v0-chat-completion.json'), contentType: 'application/json' });
    const completion = await lmstudio().chat(hello(), 'granite-3.0-2b-instruct', callOptions());
    expect(completion.choices[0]?.message.content).toMatch(/^Greetings/);
    expect(completion.usage?.total_tokens).toBe(77);
  });

  it('lists the documented /api/v0/models shape as plain ids', async () => {
    fake.enqueue({ body: reference('lmstudio-api-v0-models.json'), contentType: 'application/json' }, { method: 'GET', path: '/models' });
    expect((await lmstudio().listModels(AbortSignal.timeout(2000))).map((m) => m.id)).toContain('qwen2-vl-7b-instruct');
  });
});
