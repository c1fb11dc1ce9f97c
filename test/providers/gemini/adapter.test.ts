// The Gemini adapter end to end against the fake Gemini server (and a second loopback server for images):
// JSON, streams, tool calls, image inlining, error statuses, abort, Vertex URLs + bearer tokens, model listing.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDispatcher } from '../../../src/upstream/http.js';
import { chatRequestSchema, type ChatRequest } from '../../../src/schemas/chat-request.js';
import type { ChatCompletionChunk } from '../../../src/schemas/chat-response.js';
import { createGeminiProvider, type GeminiProviderOverrides } from '../../../src/providers/gemini/adapter.js';
import { geminiEndpoints } from '../../../src/providers/gemini/endpoints.js';
import { createImageFetcher } from '../../../src/providers/shared/images.js';
import type { ChatStreamEvent, ProviderConfig } from '../../../src/providers/provider.js';
import { FakeGeminiUpstream, textResponse } from '../../fakes/gemini-upstream.js';
import { ownFixture } from '../../helpers/fixtures.js';

const own = (name: string) => ownFixture('gemini', name);
const dispatcher = createDispatcher({ useEnvProxy: false });
const options = (signal = new AbortController().signal) => ({ signal, firstByteTimeoutMs: 5_000, idleTimeoutMs: 5_000 });
const req = (body: Record<string, unknown>): ChatRequest => chatRequestSchema.parse({ model: 'gemini/x', ...body });
const hello = req({ messages: [{ role: 'user', content: 'Hello' }] });

async function collect(events: AsyncIterable<ChatStreamEvent>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const event of events) chunks.push(event.chunk);
  return chunks;
}

let fake: FakeGeminiUpstream;
let images: Server;
let imagesUrl: string;
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

beforeAll(async () => {
  fake = await FakeGeminiUpstream.start({ apiKey: 'studio-key' });
  images = createServer((req, res) => {
    if (req.url === '/cat.png') res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
    else if (req.url === '/big.png') res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.alloc(4096));
    else if (req.url === '/page') res.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>');
    else res.writeHead(404).end('not found');
  });
  await new Promise<void>((resolve) => images.listen(0, '127.0.0.1', resolve));
  imagesUrl = `http://127.0.0.1:${(images.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await fake.close();
  await new Promise((resolve) => images.close(resolve));
  await dispatcher.close();
});
afterEach(() => {
  fake.requests.length = 0;
});

function studio(overrides: GeminiProviderOverrides = {}, extra: Partial<ProviderConfig> = {}) {
  return createGeminiProvider({ id: 'gemini', type: 'gemini', baseUrl: fake.baseUrl, apiKey: 'studio-key', ...extra }, { dispatcher }, overrides);
}

describe('AI Studio chat', () => {
  it('sends generateContent with the key header and translates the answer', async () => {
    fake.reply({ kind: 'raw', status: 200, body: own('generate-text.json'), contentType: 'application/json; charset=UTF-8' });
    const provider = studio({}, { headers: { 'x-extra': '1' } });
    const completion = await provider.chat(req({ messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Capital of France?' }] }), 'gemini-2.0-flash', options());
    expect(completion.choices[0]!.message.content).toBe('Paris is the capital of France.');
    expect(completion.usage?.total_tokens).toBe(19);
    const sent = fake.requests[0]!;
    expect(sent.method).toBe('POST');
    expect(sent.path).toBe('/v1beta/models/gemini-2.0-flash:generateContent');
    expect(sent.headers).toMatchObject({ 'x-goog-api-key': 'studio-key', 'content-type': 'application/json', 'x-extra': '1' });
    expect(sent.body).toEqual({
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
      contents: [{ role: 'user', parts: [{ text: 'Capital of France?' }] }],
    });
  });

  it('streams with ?alt=sse: role, reasoning, content, finish, then usage', async () => {
    fake.reply({ kind: 'raw', status: 200, body: own('stream-thinking-text.sse'), contentType: 'text/event-stream' });
    const chunks = await collect(await studio().chatStream(req({ messages: [{ role: 'user', content: 'r in strawberry?' }], reasoning_effort: 'low' }), 'gemini-2.5-flash', options()));
    const sent = fake.requests[0]!;
    expect(sent.path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent');
    expect(sent.query.get('alt')).toBe('sse');
    expect(sent.body).toMatchObject({ generationConfig: { thinkingConfig: { thinkingBudget: 1024, includeThoughts: true } } });
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    expect(chunks.map((c) => c.choices[0]?.delta.reasoning_content ?? '').join('')).toBe('**Counting** the letters.');
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe("There are three r's.");
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('stop');
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 11, completion_tokens: 31 } });
  });

  it('streams tool calls as whole deltas and replays their signature on the next turn', async () => {
    fake.reply({ kind: 'raw', status: 200, body: own('stream-parallel-calls.sse'), contentType: 'text/event-stream' });
    const provider = studio();
    const tools = [
      { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
      { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: { tz: { type: 'string' } } } } },
    ];
    const first = req({ messages: [{ role: 'user', content: 'Paris weather, Tokyo time' }], tools, tool_choice: 'auto' });
    const chunks = await collect(await provider.chatStream(first, 'gemini-3-pro-preview', options()));
    const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(calls.map((c) => [c.index, c.type, c.function?.name, c.function?.arguments])).toEqual([
      [0, 'function', 'get_weather', '{"city":"Paris"}'],
      [1, 'function', 'get_time', '{"tz":"Asia/Tokyo"}'],
    ]);
    expect(chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0]?.finish_reason).toBe('tool_calls');

    fake.reply({ kind: 'json', body: textResponse('Sunny; 9pm.') });
    const second = req({
      messages: [
        ...first.messages,
        { role: 'assistant', content: null, tool_calls: calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.function?.name, arguments: c.function?.arguments } })) },
        { role: 'tool', tool_call_id: calls[0]!.id, content: 'sunny' },
        { role: 'tool', tool_call_id: calls[1]!.id, content: '21:00' },
      ],
      tools,
    });
    const answer = await provider.chat(second, 'gemini-3-pro-preview', options());
    expect(answer.choices[0]!.message.content).toBe('Sunny; 9pm.');
    const recorded = own('stream-parallel-calls.sse');
    const signature = /"thoughtSignature": "([^"]+)"/.exec(recorded)![1];
    const body = fake.requests[1]!.body as { contents: Array<{ role: string; parts: Array<Record<string, unknown>> }> };
    expect(body.contents[1]).toEqual({
      role: 'model',
      parts: [
        { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: signature },
        { functionCall: { name: 'get_time', args: { tz: 'Asia/Tokyo' } } },
      ],
    });
    expect(body.contents[2]!.parts.map((p) => p.functionResponse)).toEqual([
      { name: 'get_weather', response: { content: 'sunny' } },
      { name: 'get_time', response: { content: '21:00' } },
    ]);
  });
});

describe('image URLs', () => {
  const withImage = (url: string) =>
    req({ messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url } }] }] });

  it('fetches a remote image and sends it inline', async () => {
    const provider = studio({ fetchImage: createImageFetcher({ provider: 'gemini', transport: dispatcher, allowHttp: true, allowPdf: true }) });
    await provider.chat(withImage(`${imagesUrl}/cat.png`), 'gemini-2.5-flash', options());
    const body = fake.requests[0]!.body as { contents: Array<{ parts: unknown[] }> };
    expect(body.contents[0]!.parts[1]).toEqual({ inlineData: { mimeType: 'image/png', data: PNG.toString('base64') } });
  });

  it('refuses plain http image URLs with the default fetcher', async () => {
    const error = await studio().chat(withImage(`${imagesUrl}/cat.png`), 'gemini-2.5-flash', options()).catch((err: unknown) => err);
    expect(error).toMatchObject({ status: 400, code: 'invalid_image_url' });
    expect(fake.requests).toHaveLength(0);
  });

  it("leaves fetching to Gemini (fileData) when options.imageUrls is 'pass'", async () => {
    await studio({}, { options: { imageUrls: 'pass' } }).chat(withImage(`${imagesUrl}/missing.png`), 'gemini-2.5-flash', options());
    const body = fake.requests[0]!.body as { contents: Array<{ parts: unknown[] }> };
    expect(body.contents[0]!.parts[1]).toEqual({ fileData: { mimeType: 'image/png', fileUri: `${imagesUrl}/missing.png` } });
  });

  it.each([
    ['/missing.png', 'could not be fetched'], // one generic text: a status would map internal services
    ['/page', 'not an image'],
    ['/big.png', 'larger than 1024 bytes'],
  ])('refuses %s with a 400 before calling Gemini', async (path, why) => {
    const provider = studio({ fetchImage: createImageFetcher({ provider: 'gemini', transport: dispatcher, maxBytes: 1024, allowHttp: true, allowPdf: true }) });
    const error = await provider.chat(withImage(`${imagesUrl}${path}`), 'gemini-2.5-flash', options()).catch((err: unknown) => err);
    expect(error).toMatchObject({ status: 400, code: 'invalid_image_url', retryable: false, param: 'messages[0].content[1].image_url.url' });
    expect((error as Error).message).toContain(why);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('errors', () => {
  it('maps a rejected key (400 API_KEY_INVALID) to 502', async () => {
    const error = await studio({}, { apiKey: 'wrong' }).chat(hello, 'gemini-2.5-flash', options()).catch((err: unknown) => err);
    expect(error).toMatchObject({ status: 502, code: 'upstream_auth_error', upstreamStatus: 401, fallbackable: true });
  });

  it('maps 429 RESOURCE_EXHAUSTED with RetryInfo to 429 + retryAfter', async () => {
    fake.reply({
      kind: 'error',
      status: 429,
      grpcStatus: 'RESOURCE_EXHAUSTED',
      message: 'Resource has been exhausted (e.g. check quota).',
      details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '34s' }],
    });
    await expect(studio().chatStream(hello, 'gemini-2.5-flash', options())).rejects.toMatchObject({ status: 429, retryAfter: 34, retryable: true });
  });

  it.each([
    [503, 'UNAVAILABLE', 502, true],
    [500, 'INTERNAL', 502, true],
    [504, 'DEADLINE_EXCEEDED', 504, true],
    [404, 'NOT_FOUND', 404, false],
    [400, 'INVALID_ARGUMENT', 400, false],
  ])('maps HTTP %i %s to %i (retryable %s)', async (status, grpcStatus, expected, retryable) => {
    fake.reply({ kind: 'error', status, grpcStatus, message: `upstream said ${grpcStatus}` });
    const error = await studio().chat(hello, 'gemini-2.5-flash', options()).catch((err: unknown) => err);
    expect(error).toMatchObject({ status: expected, retryable, upstreamStatus: status, provider: 'gemini' });
    expect((error as Error).message).toContain(`upstream said ${grpcStatus}`);
  });

  it('throws the mapped error when an error event arrives mid-stream', async () => {
    fake.reply({ kind: 'raw', status: 200, body: own('stream-midstream-error.sse'), contentType: 'text/event-stream' });
    const events = await studio().chatStream(hello, 'gemini-2.5-flash', options());
    await expect(collect(events)).rejects.toMatchObject({ status: 502, upstreamStatus: 503 });
  });

  it('throws 502 when the stream closes without a finishReason', async () => {
    fake.reply({ kind: 'raw', status: 200, body: own('stream-truncated.sse'), contentType: 'text/event-stream' });
    await expect(collect(await studio().chatStream(hello, 'gemini-2.5-flash', options()))).rejects.toMatchObject({ status: 502, code: 'upstream_truncated' });
  });

  it('throws 502 when the connection is cut mid-stream', async () => {
    fake.reply({ kind: 'sse', events: [textResponse('partial')].map(({ candidates, ...rest }) => ({ ...rest, candidates: [{ content: candidates[0]!.content }] })), cut: true });
    await expect(collect(await studio().chatStream(hello, 'gemini-2.5-flash', options()))).rejects.toMatchObject({ status: 502 });
  });

  it('times out a silent stream with 504', async () => {
    fake.reply({ kind: 'stall' });
    const events = await studio().chatStream(hello, 'gemini-2.5-flash', { ...options(), idleTimeoutMs: 100 });
    await expect(collect(events)).rejects.toMatchObject({ status: 504, code: 'upstream_timeout' });
  });
});

describe('abort', () => {
  it('stops a stream when the signal aborts and closes the upstream connection', async () => {
    fake.reply({ kind: 'stall' });
    const controller = new AbortController();
    const events = await studio().chatStream(hello, 'gemini-2.5-flash', options(controller.signal));
    const pending = collect(events);
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await fake.clientClosed;
  });

  it('rejects a JSON call aborted before the answer', async () => {
    fake.reply({ kind: 'stall' });
    const controller = new AbortController();
    const pending = studio().chat(hello, 'gemini-2.5-flash', options(controller.signal));
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('models, probe, embeddings, capabilities (AI Studio)', () => {
  it('lists generateContent models across pages, without the models/ prefix', async () => {
    fake.reply(
      { kind: 'json', body: { ...JSON.parse(own('models-list.json')), nextPageToken: 'page-2' } },
      { kind: 'json', body: { models: [{ name: 'models/gemini-2.5-pro', supportedGenerationMethods: ['generateContent'] }] } },
    );
    const models = await studio().listModels(new AbortController().signal);
    expect(models.map((m) => m.id)).toEqual(['gemini-2.5-flash', 'gemini-2.0-flash', 'gemini-2.5-pro']);
    // Only the listing's requests: under load, the abort test's POST may reach the fake this late.
    const listing = fake.requests.filter((r) => r.method === 'GET');
    expect(listing.map((r) => [r.method, r.path, r.query.get('pageSize'), r.query.get('pageToken')])).toEqual([
      ['GET', '/v1beta/models', '1000', null],
      ['GET', '/v1beta/models', '1000', 'page-2'],
    ]);
  });

  it('probes with models?pageSize=1 and fails on a bad key', async () => {
    await studio().probe(new AbortController().signal);
    expect(fake.requests[0]).toMatchObject({ method: 'GET', path: '/v1beta/models' });
    expect(fake.requests[0]!.query.get('pageSize')).toBe('1');
    await expect(studio({}, { apiKey: 'bad' }).probe(new AbortController().signal)).rejects.toMatchObject({ status: 502 });
  });

  it('embeds through batchEmbedContents in OpenAI shape (float and base64)', async () => {
    const provider = studio();
    const result = await provider.embeddings!({ model: 'x', input: ['a', 'b'], dimensions: 3 }, 'text-embedding-004', options());
    expect(fake.requests[0]!.path).toBe('/v1beta/models/text-embedding-004:batchEmbedContents');
    expect(fake.requests[0]!.body).toEqual({
      requests: [
        { model: 'models/text-embedding-004', content: { parts: [{ text: 'a' }] }, outputDimensionality: 3 },
        { model: 'models/text-embedding-004', content: { parts: [{ text: 'b' }] }, outputDimensionality: 3 },
      ],
    });
    expect(result).toMatchObject({ object: 'list', model: 'text-embedding-004', data: [{ index: 0, embedding: [0, 0.5, -0.5] }, { index: 1, embedding: [1, 0.5, -0.5] }] });
    fake.reply({ kind: 'raw', status: 200, body: own('embed-batch.json'), contentType: 'application/json' });
    const encoded = await provider.embeddings!({ model: 'x', input: ['a', 'b'], encoding_format: 'base64' }, 'text-embedding-004', options());
    const floats = new Float32Array(Uint8Array.from(Buffer.from(encoded.data[0]!.embedding as string, 'base64')).buffer);
    expect([...floats]).toEqual([0.25, -0.5, 0.125]);
    await expect(provider.embeddings!({ model: 'x', input: [1, 2, 3] }, 'text-embedding-004', options())).rejects.toMatchObject({ status: 400 });
  });

  it('reports capabilities per model', () => {
    const provider = studio();
    expect(provider.capabilities('gemini-2.5-flash')).toEqual({ tools: true, vision: true, jsonSchema: true, reasoning: true, embeddings: true, files: true });
    expect(provider.capabilities('gemini-2.0-flash').reasoning).toBe(false);
    expect(provider.capabilities('gemini-3-pro-preview').reasoning).toBe(true);
  });
});

describe('Vertex AI', () => {
  let vertexFake: FakeGeminiUpstream;
  let tokenCalls = 0;
  const tokenSource = {
    async getAccessToken() {
      tokenCalls++;
      return 'vertex-token';
    },
  };
  const vertexConfig = (extra: Partial<ProviderConfig> = {}): ProviderConfig => ({
    id: 'vertex',
    type: 'gemini',
    baseUrl: `${vertexFake.url}/v1`,
    options: { project: 'my-proj', location: 'us-central1' },
    ...extra,
  });
  const prefix = '/v1/projects/my-proj/locations/us-central1/publishers/google/models';

  beforeAll(async () => {
    vertexFake = await FakeGeminiUpstream.start({ bearerToken: 'vertex-token' });
  });
  afterAll(() => vertexFake.close());
  afterEach(() => {
    vertexFake.requests.length = 0;
  });

  it('calls the project/location URL with a bearer token from the token source', async () => {
    const provider = createGeminiProvider(vertexConfig(), { dispatcher }, { tokenSource });
    const completion = await provider.chat(hello, 'gemini-2.5-flash', options());
    expect(completion.choices[0]!.message.content).toBe('Hello from the fake.');
    const chunks = await collect(await provider.chatStream(hello, 'gemini-2.5-flash', options()));
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Hello from the fake.');
    expect(vertexFake.requests.map((r) => r.path)).toEqual([`${prefix}/gemini-2.5-flash:generateContent`, `${prefix}/gemini-2.5-flash:streamGenerateContent`]);
    expect(vertexFake.requests[0]!.headers.authorization).toBe('Bearer vertex-token');
    expect(vertexFake.requests[0]!.headers['x-goog-api-key']).toBeUndefined();
    expect(tokenCalls).toBeGreaterThanOrEqual(2);
  });

  it('lists configured models without calling upstream, and probes with countTokens', async () => {
    const provider = createGeminiProvider(vertexConfig({ models: ['gemini-2.5-pro'] }), { dispatcher }, { tokenSource });
    expect(await provider.listModels(new AbortController().signal)).toEqual([{ id: 'gemini-2.5-pro', ownedBy: 'google' }]);
    expect(vertexFake.requests).toHaveLength(0);
    await provider.probe(new AbortController().signal);
    expect(vertexFake.requests[0]).toMatchObject({ path: `${prefix}/gemini-2.5-pro:countTokens`, body: { contents: [{ role: 'user', parts: [{ text: 'ping' }] }] } });
    const defaults = createGeminiProvider(vertexConfig(), { dispatcher }, { tokenSource });
    expect((await defaults.listModels(new AbortController().signal)).map((m) => m.id)).toContain('gemini-2.5-flash');
  });

  it('turns a token-source failure into a 502 without calling upstream', async () => {
    const broken = { getAccessToken: () => Promise.reject(new Error('Could not load the default credentials')) };
    const provider = createGeminiProvider(vertexConfig(), { dispatcher }, { tokenSource: broken });
    const error = await provider.chat(hello, 'gemini-2.5-flash', options()).catch((err: unknown) => err);
    expect(error).toMatchObject({ status: 502, code: 'upstream_auth_error' });
    expect((error as Error).message).toContain('Could not load the default credentials');
    expect(vertexFake.requests).toHaveLength(0);
  });

  it('maps Vertex 401 UNAUTHENTICATED (stale token) to 502', async () => {
    const provider = createGeminiProvider(vertexConfig(), { dispatcher }, { tokenSource: { getAccessToken: async () => 'expired' } });
    await expect(provider.chat(hello, 'gemini-2.5-flash', options())).rejects.toMatchObject({ status: 502, upstreamStatus: 401 });
  });

  it('uses x-goog-api-key instead of a token in express mode (apiKey set)', async () => {
    const keyed = await FakeGeminiUpstream.start({ apiKey: 'express-key' });
    try {
      let asked = false;
      const provider = createGeminiProvider(
        { ...vertexConfig(), baseUrl: `${keyed.url}/v1`, apiKey: 'express-key' },
        { dispatcher },
        { tokenSource: { getAccessToken: async () => ((asked = true), 'unused') } },
      );
      await provider.chat(hello, 'gemini-2.5-flash', options());
      expect(keyed.requests[0]!.headers.authorization).toBeUndefined();
      expect(asked).toBe(false);
    } finally {
      await keyed.close();
    }
  });

  it.each([
    ['us-central1', 'https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.5-flash:generateContent'],
    ['global', 'https://aiplatform.googleapis.com/v1/projects/p/locations/global/publishers/google/models/gemini-2.5-flash:generateContent'],
  ])('builds the real Vertex URL for location %s when no base URL overrides it', (location, expected) => {
    const endpoints = geminiEndpoints({ id: 'v', type: 'gemini', baseUrl: 'https://generativelanguage.googleapis.com/v1beta', options: { project: 'p', location } });
    expect(endpoints.modelUrl('gemini-2.5-flash', 'generateContent')).toBe(expected);
  });
});
