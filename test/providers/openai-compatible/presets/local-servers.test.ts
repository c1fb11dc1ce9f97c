// The llama.cpp (llama-server) and vLLM presets against the fake upstream, replaying fixtures we wrote from their
// docs (llama.cpp tools/server/README.md: /health, /v1/models with `models` + `data`, `timings`, int error codes;
// vLLM docs/serving/openai_compatible_server.md and protocol.py ErrorResponse: flat and nested errors, in-stream errors).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PROVIDER_KINDS, ProviderRegistry, providersFromEnv } from '../../../../src/providers/registry.js';
import { HealthTracker } from '../../../../src/routing/health.js';
import { Prober } from '../../../../src/routing/prober.js';
import { startFakeOpenAI, type FakeUpstream } from '../../../fakes/openai-upstream.js';
import { assemble, callOptions, chatRequest, closeDispatcher, collect, dispatcher, failure, hello, own } from '../helpers.js';

let fake: FakeUpstream;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(async () => {
  await fake.close();
  await closeDispatcher();
});
beforeEach(() => fake.reset());

// The fake's baseUrl ends in /v1, as users copy it from the servers' docs: the presets must accept it.
const make = (type: 'llamacpp' | 'vllm', apiKey?: string) => PROVIDER_KINDS[type].create({ id: type, type, baseUrl: fake.baseUrl, apiKey }, { dispatcher });
const sse = (vendor: string, name: string) => ({ body: own(vendor, name), contentType: 'text/event-stream' });
const json = (vendor: string, name: string, status = 200) => ({ status, body: own(vendor, name), contentType: 'application/json' });

describe('llamacpp', () => {
  it('sends system and max_tokens, no Authorization without a key', async () => {
    const request = chatRequest({ messages: [{ role: 'developer', content: 'Be brief.' }, { role: 'user', content: 'Hi' }], max_completion_tokens: 64 });
    await make('llamacpp').chat(request, 'local-gguf', callOptions());
    const sent = fake.requests[0]!;
    expect(`${sent.method} ${sent.path}`).toBe('POST /v1/chat/completions');
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.body).toMatchObject({ max_tokens: 64, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user' }] });
    expect(sent.body).not.toHaveProperty('max_completion_tokens');
  });

  it('streams reasoning and content with usage, the final chunk carrying `timings`', async () => {
    fake.enqueue(sse('llamacpp', 'stream-timings.sse'));
    const result = assemble(await collect(await make('llamacpp').chatStream(hello(), 'local-gguf', callOptions())));
    expect(result).toMatchObject({ reasoning: 'Greet back.', content: 'Hello there!', finish: 'stop', usage: { total_tokens: 17 } });
  });

  it('lists from /v1/models (ignoring its Ollama-style `models` twin) and probes /health at the server root', async () => {
    fake.enqueue(json('llamacpp', 'models.json'), { method: 'GET', path: '/v1/models' });
    fake.enqueue({ json: { status: 'ok' } }, { method: 'GET', path: '/health' });
    const provider = make('llamacpp');
    expect((await provider.listModels(AbortSignal.timeout(2000))).map((m) => m.id)).toEqual(['local-gguf']);
    await provider.probe(AbortSignal.timeout(2000));
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1/models', 'GET /health']);
  });

  it('fails the probe with 503 while the model loads', async () => {
    fake.enqueue(json('llamacpp', 'health-loading.json', 503), { method: 'GET', path: '/health' });
    const err = await failure(make('llamacpp').probe(AbortSignal.timeout(2000)));
    expect(err).toMatchObject({ upstreamStatus: 503 });
    expect(err.message).toContain('Loading model');
  });

  it('reads its error envelope with an integer code', async () => {
    fake.enqueue(json('llamacpp', 'error-400-context-size.json', 400));
    const err = await failure(make('llamacpp').chat(hello(), 'local-gguf', callOptions()));
    expect(err).toMatchObject({ status: 400 });
    expect(err.message).toContain('exceeds the available context size');
  });
});

describe('vllm', () => {
  it('keeps max_completion_tokens (vLLM reads it), maps developer to system, sends the key when set', async () => {
    const request = chatRequest({ messages: [{ role: 'developer', content: 'Be brief.' }, { role: 'user', content: 'Hi' }], max_completion_tokens: 64, top_k: 20 });
    await make('vllm', 'vllm-test-key').chat(request, 'Qwen/Qwen2.5-1.5B-Instruct', callOptions());
    const sent = fake.requests[0]!;
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.headers.authorization).toBe('Bearer vllm-test-key');
    expect(sent.body).toMatchObject({ max_completion_tokens: 64, top_k: 20, messages: [{ role: 'system' }, { role: 'user' }] });
  });

  it('reads the older flat error body and the newer nested one', async () => {
    fake.enqueue(json('vllm', 'error-404-flat.json', 404));
    fake.enqueue(json('vllm', 'error-400-nested.json', 400));
    const flat = await failure(make('vllm').chat(hello(), 'nope', callOptions()));
    const nested = await failure(make('vllm').chat(hello(), 'Qwen/Qwen2.5-1.5B-Instruct', callOptions()));
    expect(flat).toMatchObject({ status: 404 });
    expect(flat.message).toContain('The model `nope` does not exist.');
    expect(nested).toMatchObject({ status: 400 });
    expect(nested.message).toContain('maximum context length is 32768 tokens');
  });

  it('turns an error event after the 200 into a failed stream, after renaming `reasoning`', async () => {
    fake.enqueue(sse('vllm', 'stream-midstream-error.sse'));
    const chunks: Array<{ reasoning?: string; content?: string }> = [];
    const stream = await make('vllm').chatStream(hello(), 'Qwen/Qwen2.5-1.5B-Instruct', callOptions());
    const err = await failure(
      (async () => {
        for await (const event of stream) {
          const delta = event.chunk.choices[0]?.delta;
          chunks.push({ reasoning: delta?.reasoning_content ?? undefined, content: delta?.content ?? undefined });
        }
      })(),
    );
    expect(chunks[0]?.reasoning).toBe('Counting.');
    expect(chunks.map((c) => c.content ?? '').join('')).toBe('One,');
    expect(err.message).toContain('CUDA out of memory');
  });

  it('lists from /v1/models and probes /health (200, empty body)', async () => {
    fake.enqueue(json('vllm', 'models.json'), { method: 'GET', path: '/v1/models' });
    fake.enqueue({ body: '' }, { method: 'GET', path: '/health' });
    const provider = make('vllm');
    expect((await provider.listModels(AbortSignal.timeout(2000))).map((m) => m.id)).toEqual(['Qwen/Qwen2.5-1.5B-Instruct']);
    await provider.probe(AbortSignal.timeout(2000));
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1/models', 'GET /health']);
  });
});

describe('the environment switches', () => {
  it('turns each on by base URL or model, with vLLM key', () => {
    const configs = providersFromEnv({ LLAMACPP_MODEL: 'local-gguf', VLLM_BASE_URL: 'http://gpu-box:8000/v1', VLLM_API_KEY: 'vllm-k', VLLM_MODEL: 'Qwen/Qwen2.5-1.5B-Instruct' });
    expect(configs).toEqual([
      { id: 'llamacpp', type: 'llamacpp', apiKey: undefined, baseUrl: 'http://localhost:8080', models: ['local-gguf'] },
      { id: 'vllm', type: 'vllm', apiKey: 'vllm-k', baseUrl: 'http://gpu-box:8000/v1', models: ['Qwen/Qwen2.5-1.5B-Instruct'] },
    ]);
  });
});

describe('local discovery', () => {
  const discoverWith = async (localUrls: Partial<Record<'llamacpp' | 'vllm', string>>) => {
    const registry = ProviderRegistry.fromConfigs([], { dispatcher });
    const prober = new Prober(registry, new HealthTracker(), { intervalMs: 0, discoverLocal: true, localUrls, configuredTypes: new Set(['ollama', 'lmstudio'] as const), dispatcher });
    await prober.runOnce();
    await prober.stop();
    return registry;
  };

  const CLOSED = 'http://127.0.0.1:9';

  it('finds vLLM and llama-server by the owner their /v1/models names, and not another server in their place', async () => {
    fake.enqueue(json('vllm', 'models.json'), { method: 'GET', path: '/v1/models' });
    expect((await discoverWith({ vllm: fake.url, llamacpp: CLOSED })).has('vllm')).toBe(true);
    fake.enqueue(json('llamacpp', 'models.json'), { method: 'GET', path: '/v1/models' });
    expect((await discoverWith({ vllm: CLOSED, llamacpp: fake.url })).has('llamacpp')).toBe(true);
    // The fake's own listing says owned_by "fake": an OpenAI server that is neither.
    const neither = await discoverWith({ vllm: fake.url, llamacpp: fake.url });
    expect(neither.has('vllm') || neither.has('llamacpp')).toBe(false);
  });

  it('never looks for llama-server on its default port (the gateway\'s own 8080) unless a URL is configured', async () => {
    fake.enqueue(json('vllm', 'models.json'), { method: 'GET', path: '/v1/models' });
    const registry = await discoverWith({ vllm: fake.url });
    expect(registry.has('llamacpp')).toBe(false);
    expect(fake.requests.filter((r) => r.path === '/v1/models')).toHaveLength(2); // vLLM's discovery, then its listing
  });
});
