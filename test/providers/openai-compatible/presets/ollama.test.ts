// The Ollama preset against the fake upstream in Ollama mode (server-root base URL, /v1 chat, /api tags and version,
// data-URL-only images): outbound rewrites, image inlining, reasoning → reasoning_content, listing, probe, errors.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOllamaProvider } from '../../../../src/providers/openai-compatible/presets/ollama.js';
import type { ImageFetcher } from '../../../../src/providers/shared/images.js';
import { GatewayError } from '../../../../src/errors.js';
import { startFakeOpenAI, type FakeUpstream } from '../../../fakes/openai-upstream.js';
import { assemble, callOptions, chatRequest, closeDispatcher, collect, collectEvents, dispatcher, failure, hello, makeProvider, own, ownJson, reference } from '../helpers.js';
import { describeShared } from '../../../helpers/fixtures.js';

let fake: FakeUpstream;
beforeAll(async () => {
  fake = await startFakeOpenAI({ mode: 'ollama', models: ['qwen3:8b', 'llama3.2:latest'] });
});
afterAll(async () => {
  await fake.close();
  await closeDispatcher();
});
beforeEach(() => fake.reset());

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
const fetched: string[] = [];
const fakeFetcher: ImageFetcher = async (url) => {
  fetched.push(url);
  if (url.includes('missing')) throw new GatewayError({ status: 400, message: `Could not fetch image ${url}: HTTP 404`, code: 'invalid_image_url' });
  return { mimeType: 'image/png', data: PNG };
};
const ollama = (baseUrl = fake.baseUrl) => createOllamaProvider({ id: 'ollama', type: 'ollama', baseUrl }, { dispatcher }, { fetchImage: fakeFetcher });
const tool = (name: string) => ({ type: 'function', function: { name, parameters: { type: 'object', properties: {} } } });

describe('ollama: outbound request', () => {
  it('inlines remote images, maps developer and max_completion_tokens, narrows a named tool_choice', async () => {
    fetched.length = 0;
    const request = chatRequest({
      messages: [
        { role: 'developer', content: 'Describe briefly.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
            { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ' } },
          ],
        },
      ],
      tools: [tool('describe'), tool('search')],
      tool_choice: { type: 'function', function: { name: 'describe' } },
      max_completion_tokens: 64,
      keep_alive: '10m',
    });
    await ollama().chat(request, 'qwen3:8b', callOptions());
    expect(fetched).toEqual(['https://example.com/cat.png']);
    expect(fake.requests[0]?.path).toBe('/v1/chat/completions');
    expect(fake.requests[0]?.body).toMatchInlineSnapshot(`
      {
        "keep_alive": "10m",
        "max_tokens": 64,
        "messages": [
          {
            "content": "Describe briefly.",
            "role": "system",
          },
          {
            "content": [
              {
                "text": "What is this?",
                "type": "text",
              },
              {
                "image_url": {
                  "url": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==",
                },
                "type": "image_url",
              },
              {
                "image_url": {
                  "url": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==",
                },
                "type": "image_url",
              },
              {
                "image_url": {
                  "url": "data:image/jpeg;base64,/9j/4AAQ",
                },
                "type": "image_url",
              },
            ],
            "role": "user",
          },
        ],
        "model": "qwen3:8b",
        "stream": false,
        "tools": [
          {
            "function": {
              "name": "describe",
              "parameters": {
                "properties": {},
                "type": "object",
              },
            },
            "type": "function",
          },
        ],
      }
    `);
  });

  it('sends no tools for tool_choice none and asks for stream usage', async () => {
    await collect(await ollama().chatStream(hello({ tools: [tool('describe')], tool_choice: 'none' }), 'qwen3:8b', callOptions()));
    const body = fake.requests[0]?.body as Record<string, unknown>;
    expect(body).not.toHaveProperty('tools');
    expect(body).not.toHaveProperty('tool_choice');
    expect(body.stream_options).toEqual({ include_usage: true });
  });

  it('rejects an unfetchable image with 400 naming the part, before calling Ollama', async () => {
    const request = chatRequest({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/missing.png' } }] }] });
    const err = await failure(ollama().chat(request, 'qwen3:8b', callOptions()));
    expect(err).toMatchObject({ status: 400, code: 'invalid_image_url', param: 'messages[0].content[0].image_url.url' });
    expect(fake.requests).toHaveLength(0);
  });

  it('needs the inlining: the fake, like Ollama, refuses a remote image URL', async () => {
    const request = chatRequest({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }] }] });
    const generic = makeProvider('openai-compatible', fake, { baseUrl: `${fake.url}/v1` });
    expect(await failure(generic.chat(request, 'qwen3:8b', callOptions()))).toMatchObject({ status: 400, upstreamStatus: 400 });
  });

  it('tolerates a base URL written with /v1', async () => {
    await ollama(`${fake.url}/v1/`).chat(hello(), 'qwen3:8b', callOptions());
    expect(fake.requests[0]?.path).toBe('/v1/chat/completions');
  });
});

describe('ollama: answers', () => {
  it('renames message.reasoning to reasoning_content', async () => {
    fake.enqueue({ json: ownJson('ollama', 'chat-reasoning.json') });
    const completion = await ollama().chat(hello(), 'qwen3:8b', callOptions());
    expect(completion.choices[0]?.message).toEqual({ role: 'assistant', content: 'The answer is 12.', reasoning_content: 'The user wants 3 times 4. That is 12.', refusal: null });
  });

  it('renames delta.reasoning in streams and keeps raw bytes for untouched chunks', async () => {
    fake.enqueue({ body: own('ollama', 'stream-reasoning.sse'), contentType: 'text/event-stream' });
    const events = await collectEvents(await ollama().chatStream(hello(), 'qwen3:8b', callOptions()));
    expect(assemble(events.map((e) => e.chunk))).toMatchObject({ reasoning: 'Three fours.', content: '12', finish: 'stop', usage: { total_tokens: 27 } });
    expect(events[0]?.raw).toBeUndefined();
    expect(events[0]?.chunk.choices[0]?.delta).not.toHaveProperty('reasoning');
    expect(events[2]?.raw).toContain('"content":"12"');
  });
});

describe('ollama: models, probe, embeddings, errors', () => {
  it('lists models from /api/tags and probes /api/version', async () => {
    fake.enqueue({ body: own('ollama', 'api-tags.json'), contentType: 'application/json' }, { method: 'GET', path: '/api/tags' });
    const models = await ollama().listModels(AbortSignal.timeout(2000));
    expect(models).toEqual([
      { id: 'qwen3:8b', ownedBy: 'ollama', created: 1762074900 },
      { id: 'nomic-embed-text:latest', ownedBy: 'ollama', created: 1760940000 },
    ]);
    await ollama().probe(AbortSignal.timeout(2000));
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/tags', 'GET /api/version']);
  });

  it('fails the probe when something else answers on the port', async () => {
    fake.enqueue({ json: { status: 'ok' } }, { method: 'GET', path: '/api/version' });
    expect(await failure(ollama().probe(AbortSignal.timeout(2000)))).toMatchObject({ status: 502, code: 'bad_upstream_response' });
  });

  it('embeds through /v1/embeddings', async () => {
    const res = await ollama().embeddings?.({ model: 'x', input: ['a'] }, 'nomic-embed-text', callOptions());
    expect(res?.data).toHaveLength(1);
    expect(fake.requests[0]?.path).toBe('/v1/embeddings');
  });

  it('keeps 404 for a model that is not pulled (another target may have it)', async () => {
    fake.enqueue({ status: 404, body: own('ollama', 'error-404-model-not-found.json'), contentType: 'application/json' });
    const err = await failure(ollama().chat(hello(), 'llama9', callOptions()));
    expect(err).toMatchObject({ status: 404, retryable: false });
    expect(err.message).toContain('try pulling it first');
  });

  it('is built by the factory with the server root base URL', async () => {
    await makeProvider('ollama', fake).probe(AbortSignal.timeout(2000));
    expect(fake.requests[0]?.path).toBe('/api/version');
    expect(makeProvider('ollama', fake).capabilities('llava')).toMatchObject({ vision: true, reasoning: true, tools: true, embeddings: true });
  });
});

describeShared('ollama: recorded upstream bodies', () => {
  it('replays the recorded /v1 tool-call completion with reasoning', async () => {
    fake.enqueue({ body: reference('ollama-openai-compat-toolcall.json'), contentType: 'application/json' });
    const completion = await ollama().chat(hello(), 'gpt-oss:20b', callOptions());
    const message = completion.choices[0]?.message;
    expect(message?.reasoning_content).toMatch(/^The conversation/);
    expect(message?.tool_calls?.[0]).toMatchObject({ id: 'call_o2vnpxrw', function: { name: 'final_result' } });
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
  });

  it('lists the recorded /api/tags', async () => {
    fake.enqueue({ body: reference('ollama-api-tags.json'), contentType: 'application/json' }, { method: 'GET', path: '/api/tags' });
    expect((await ollama().listModels(AbortSignal.timeout(2000))).map((m) => m.id)).toEqual(['deepseek-r1:latest', 'llama3.2:latest']);
    fake.enqueue({ body: reference('ollama-api-version.json'), contentType: 'application/json' }, { method: 'GET', path: '/api/version' });
    await ollama().probe(AbortSignal.timeout(2000));
  });
});
