// Every provider switched on at once (env, plus an openai-compatible one from GATEWAY_CONFIG), driven with the
// openai client: POST /v1/embeddings for each provider that has them (a clear 400 for the others), each provider's
// capabilities in GET /health/providers, and the default image fetcher staying https-only.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI, { APIError } from 'openai';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { conformingFetch, expectConforming } from '../helpers/openai-schema.js';
import type { Capabilities } from '../../src/providers/provider.js';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-upstream.js';
import { FakeGeminiUpstream } from '../fakes/gemini-upstream.js';
import { startFakeOpenAI, type FakeUpstream } from '../fakes/openai-upstream.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { GATEWAY_KEY, startImageServer, type ImageServer } from './provider-harness.js';

let gateway: TestGateway;
let client: OpenAI;
let gemini: FakeGeminiUpstream;
let anthropic: FakeAnthropic;
let images: ImageServer;
const wire: Record<'openai' | 'mistral' | 'deepseek' | 'ollama' | 'lmstudio' | 'vllm', FakeUpstream> = {} as never;

beforeAll(async () => {
  [gemini, anthropic, images, wire.openai, wire.mistral, wire.deepseek, wire.ollama, wire.lmstudio, wire.vllm] = await Promise.all([
    FakeGeminiUpstream.start({ apiKey: 'g-key' }),
    startFakeAnthropic({ apiKey: 'a-key' }),
    startImageServer(),
    startFakeOpenAI({ apiKey: 'o-key' }),
    startFakeOpenAI({ mode: 'mistral', apiKey: 'm-key' }),
    startFakeOpenAI({ apiKey: 'd-key', models: ['deepseek-chat', 'deepseek-reasoner'] }),
    startFakeOpenAI({ mode: 'ollama', models: ['nomic-embed-text:latest', 'llama3.2:latest'] }),
    startFakeOpenAI({ models: ['text-embedding-nomic-embed-text-v1.5', 'qwen2.5-7b-instruct'] }),
    startFakeOpenAI({ apiKey: 'v-key', models: ['BAAI/bge-m3'] }),
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'gateway-providers-'));
  const configFile = join(dir, 'gateway.json');
  writeFileSync(configFile, JSON.stringify({ providers: [{ id: 'vllm', type: 'openai-compatible', base_url: wire.vllm.baseUrl, api_key: '${VLLM_API_KEY}' }] }));
  gateway = await startGateway({
    env: {
      GATEWAY_API_KEYS: GATEWAY_KEY,
      GATEWAY_CONFIG: configFile,
      VLLM_API_KEY: 'v-key',
      OPENAI_API_KEY: 'o-key',
      OPENAI_BASE_URL: wire.openai.baseUrl,
      GEMINI_API_KEY: 'g-key',
      GEMINI_BASE_URL: gemini.baseUrl,
      ANTHROPIC_API_KEY: 'a-key',
      ANTHROPIC_BASE_URL: anthropic.baseUrl,
      MISTRAL_API_KEY: 'm-key',
      MISTRAL_BASE_URL: wire.mistral.baseUrl,
      DEEPSEEK_API_KEY: 'd-key',
      DEEPSEEK_BASE_URL: wire.deepseek.baseUrl,
      OLLAMA_BASE_URL: wire.ollama.baseUrl,
      LMSTUDIO_BASE_URL: wire.lmstudio.baseUrl,
    },
    configure: (c) => {
      c.routing.retries = 0;
    },
  });
  client = new OpenAI({ apiKey: GATEWAY_KEY, baseURL: gateway.baseURL, maxRetries: 0, fetch: conformingFetch });
});

afterAll(async () => {
  await gateway?.close();
  await Promise.all([gemini?.close(), anthropic?.close(), images?.close(), ...Object.values(wire).map((f) => f?.close())]);
});

afterEach(() => expectConforming());

beforeEach(() => {
  gemini.requests.length = 0;
  anthropic.requests.length = 0;
  for (const fake of Object.values(wire)) fake.reset();
});

const INPUT = ['hello', 'world!'];
/** What the fake OpenAI-wire upstream answers for INPUT: [length / 100, index / 10, 0.5] per input. */
const WIRE_VECTORS = [
  [0.05, 0, 0.5],
  [0.06, 0.1, 0.5],
];

function expectVectors(data: OpenAI.Embeddings.Embedding[], expected: number[][]): void {
  expect(data.map((d) => d.index)).toEqual(expected.map((_, i) => i));
  data.forEach((d, i) => {
    expect(d.embedding).toHaveLength(expected[i]!.length);
    d.embedding.forEach((value, j) => expect(value).toBeCloseTo(expected[i]![j]!, 6));
  });
}

describe('POST /v1/embeddings with the openai client', () => {
  const cases = [
    { provider: 'openai', model: 'text-embedding-3-small', path: '/v1/embeddings' },
    { provider: 'mistral', model: 'mistral-embed', path: '/v1/embeddings' },
    { provider: 'ollama', model: 'nomic-embed-text:latest', path: '/v1/embeddings' },
    { provider: 'lmstudio', model: 'text-embedding-nomic-embed-text-v1.5', path: '/v1/embeddings' },
    { provider: 'vllm', model: 'BAAI/bge-m3', path: '/v1/embeddings' },
  ] as const;

  it.each(cases)('$provider: the SDK default (base64 asked, floats upstream) decodes to the upstream vectors', async ({ provider, model, path }) => {
    const { data, response } = await client.embeddings.create({ model: `${provider}/${model}`, input: INPUT }).withResponse();
    expectVectors(data.data, WIRE_VECTORS);
    expect(data.object).toBe('list');
    expect(response.headers.get('x-gateway-provider')).toBe(provider);
    const sent = wire[provider].requests.filter((r) => r.method === 'POST');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ path, body: { model, input: INPUT, encoding_format: 'base64' } });
  });

  it.each(cases)('$provider: encoding_format float and dimensions', async ({ provider, model }) => {
    const result = await client.embeddings.create({ model: `${provider}/${model}`, input: 'hello', encoding_format: 'float', dimensions: 3 });
    expectVectors(result.data, [WIRE_VECTORS[0]!]);
    const body = wire[provider].requests.find((r) => r.method === 'POST')?.body;
    // Mistral names it output_dimension and refuses OpenAI's name (the fake answers 422 like Mistral).
    if (provider === 'mistral') expect(body).toEqual({ model, input: 'hello', output_dimension: 3, encoding_format: 'float' });
    else expect(body).toMatchObject({ model, input: 'hello', dimensions: 3, encoding_format: 'float' });
  });

  it('passes an upstream that honours base64 through, and decodes base64 for a client that asked for floats', async () => {
    const b64 = (values: number[]) => Buffer.from(new Float32Array(values).buffer).toString('base64');
    wire.openai.enqueue({
      json: { object: 'list', model: 'text-embedding-3-small', data: [{ object: 'embedding', index: 0, embedding: b64([0.25, -0.5]) }], usage: { prompt_tokens: 1, total_tokens: 1 } },
    });
    const result = await client.embeddings.create({ model: 'openai/text-embedding-3-small', input: 'x' });
    expect(result.data[0]?.embedding).toEqual([0.25, -0.5]);
    // And a base64 answer to a client that asked for floats is decoded.
    wire.openai.enqueue({
      json: { object: 'list', model: 'text-embedding-3-small', data: [{ object: 'embedding', index: 0, embedding: b64([0.75, 2]) }], usage: { prompt_tokens: 1, total_tokens: 1 } },
    });
    const floats = await client.embeddings.create({ model: 'openai/text-embedding-3-small', input: 'x', encoding_format: 'float' });
    expect(floats.data[0]?.embedding).toEqual([0.75, 2]);
  });

  it('gemini: batchEmbedContents, in OpenAI shape, float or base64', async () => {
    const { data, response } = await client.embeddings.create({ model: 'gemini/text-embedding-004', input: INPUT, dimensions: 3 }).withResponse();
    expectVectors(data.data, [
      [0, 0.5, -0.5],
      [1, 0.5, -0.5],
    ]);
    expect(response.headers.get('x-gateway-model')).toBe('gemini/text-embedding-004');
    expect(gemini.requests).toHaveLength(1);
    expect(gemini.requests[0]).toMatchObject({
      path: '/v1beta/models/text-embedding-004:batchEmbedContents',
      body: { requests: INPUT.map((text) => ({ model: 'models/text-embedding-004', content: { parts: [{ text }] }, outputDimensionality: 3 })) },
    });
    const floats = await client.embeddings.create({ model: 'gemini/text-embedding-004', input: 'hello', encoding_format: 'float' });
    expect(floats.data[0]?.embedding).toEqual([0, 0.5, -0.5]);
  });

  it.each([
    ['anthropic', 'claude-sonnet-4-5'],
    ['deepseek', 'deepseek-chat'],
  ])('%s has no embeddings: a clear 400, no upstream call', async (provider, model) => {
    const err = await client.embeddings.create({ model: `${provider}/${model}`, input: 'hello' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    expect(err).toMatchObject({ status: 400, code: 'unsupported_capability', param: 'model' });
    expect((err as APIError).message).toContain(`No target of '${provider}/${model}' supports this request (embeddings)`);
    expect(anthropic.requests).toHaveLength(0);
    expect(wire.deepseek.requests).toHaveLength(0);
  });
});

describe('GET /health/providers', () => {
  const all: Capabilities = { tools: true, vision: true, jsonSchema: true, reasoning: true, embeddings: true, files: true };
  /** Each provider's capabilities for its default model (the first one it lists). */
  const expected: Record<string, { type: string; model: string; capabilities: Capabilities }> = {
    openai: { type: 'openai', model: 'gpt-4o-mini', capabilities: { ...all, reasoning: false } },
    gemini: { type: 'gemini', model: 'gemini-2.5-flash', capabilities: all },
    anthropic: { type: 'anthropic', model: 'claude-sonnet-4-5-20250929', capabilities: { ...all, embeddings: false } },
    mistral: { type: 'mistral', model: 'mistral-small-latest', capabilities: { ...all, reasoning: false } },
    deepseek: { type: 'deepseek', model: 'deepseek-chat', capabilities: { tools: true, vision: false, jsonSchema: false, reasoning: false, embeddings: false, files: false } },
    ollama: { type: 'ollama', model: 'nomic-embed-text:latest', capabilities: { ...all, files: false } },
    lmstudio: { type: 'lmstudio', model: 'text-embedding-nomic-embed-text-v1.5', capabilities: { ...all, reasoning: false, files: false } },
    vllm: { type: 'openai-compatible', model: 'BAAI/bge-m3', capabilities: { ...all, files: false } },
  };

  it("shows every provider's type, model count and capabilities for its default model", async () => {
    // The model listing fills each provider's cache: the default model is the first one listed.
    const listed: string[] = [];
    for await (const m of client.models.list()) listed.push(m.id);
    for (const [id, { model }] of Object.entries(expected)) expect(listed).toContain(`${id}/${model}`);

    const res = await fetch(`${gateway.url}/health/providers`);
    expect(res.status).toBe(200);
    const { providers } = (await res.json()) as { providers: Array<{ id: string; type: string; models_count: number; capabilities: Capabilities }> };
    expect(providers.map((p) => p.id).sort()).toEqual(Object.keys(expected).sort());
    for (const p of providers) {
      const want = expected[p.id]!;
      expect(p, p.id).toMatchObject({ type: want.type, capabilities: want.capabilities });
      expect(p.models_count, p.id).toBeGreaterThan(0);
      expect(gateway.services.registry.defaultModel(p.id)).toBe(want.model);
    }
  });
});

describe('the default image fetcher (no test seam) stays https-only', () => {
  it.each([
    ['gemini', 'gemini-2.5-flash'],
    ['ollama', 'llama3.2:latest'],
    ['lmstudio', 'qwen2.5-7b-instruct'],
  ])('%s: a plain http image URL is a 400 naming the part, and nothing is fetched or sent', async (provider, model) => {
    images.hits.length = 0;
    const err = await client.chat.completions
      .create({
        model: `${provider}/${model}`,
        messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: `${images.url}/cat.png` } }] }],
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 400, code: 'invalid_image_url', param: 'messages[0].content[1].image_url.url' });
    expect(images.hits).toEqual([]);
    expect(gemini.requests).toHaveLength(0);
    expect(wire.ollama.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
    expect(wire.lmstudio.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
  });
});
