// Proves the fake Gemini server speaks the real wire format: Google's own @google/genai client talks to it.
import { ApiError, GoogleGenAI } from '@google/genai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGeminiUpstream, textResponse } from './gemini-upstream.js';

describe('fake Gemini upstream against @google/genai', () => {
  let fake: FakeGeminiUpstream;
  let ai: GoogleGenAI;

  beforeAll(async () => {
    fake = await FakeGeminiUpstream.start({ apiKey: 'fake-key' });
    ai = new GoogleGenAI({ apiKey: 'fake-key', httpOptions: { baseUrl: fake.url } });
  });
  afterAll(() => fake.close());

  it('answers generateContent on the path and header the SDK uses', async () => {
    fake.reply({ kind: 'json', body: textResponse('Bonjour', { promptTokenCount: 4, candidatesTokenCount: 1 }) });
    const response = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'Say hello in French' });
    expect(response.text).toBe('Bonjour');
    expect(response.usageMetadata?.promptTokenCount).toBe(4);
    const request = fake.requests.at(-1)!;
    expect(request.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(request.headers['x-goog-api-key']).toBe('fake-key');
    expect(request.body).toMatchObject({ contents: [{ role: 'user', parts: [{ text: 'Say hello in French' }] }] });
  });

  it('streams SSE events the SDK splits on \\r\\n\\r\\n', async () => {
    const first = textResponse('One, ');
    const last = textResponse('two.');
    fake.reply({ kind: 'sse', events: [{ ...first, candidates: [{ content: first.candidates[0]!.content, index: 0 }] }, last] });
    const texts: string[] = [];
    for await (const chunk of await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'Count' })) {
      texts.push(chunk.text ?? '');
    }
    expect(texts).toEqual(['One, ', 'two.']);
    const request = fake.requests.at(-1)!;
    expect(request.action).toBe('streamGenerateContent');
    expect(request.query.get('alt')).toBe('sse');
  });

  it('returns function calls the SDK exposes as functionCalls', async () => {
    fake.reply({
      kind: 'json',
      body: {
        candidates: [
          {
            content: { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Oslo' } }, thoughtSignature: 'c2ln' }] },
            finishReason: 'STOP',
            index: 0,
          },
        ],
        usageMetadata: { promptTokenCount: 20, candidatesTokenCount: 5, totalTokenCount: 25 },
      },
    });
    const response = await ai.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: 'Weather in Oslo?',
      config: { tools: [{ functionDeclarations: [{ name: 'get_weather', parametersJsonSchema: { type: 'object' } }] }] },
    });
    expect(response.functionCalls).toEqual([{ name: 'get_weather', args: { city: 'Oslo' } }]);
    expect(fake.requests.at(-1)!.body).toMatchObject({ tools: [{ functionDeclarations: [{ name: 'get_weather' }] }] });
  });

  it('sends Google error envelopes the SDK turns into ApiError', async () => {
    fake.reply({
      kind: 'error',
      status: 429,
      grpcStatus: 'RESOURCE_EXHAUSTED',
      message: 'Quota exceeded',
      details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '12s' }],
    });
    const error = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(429);
    expect((error as ApiError).message).toContain('RESOURCE_EXHAUSTED');
  });

  it('rejects a wrong key the way Google does (400 API_KEY_INVALID)', async () => {
    const wrong = new GoogleGenAI({ apiKey: 'wrong', httpOptions: { baseUrl: fake.url } });
    const error = await wrong.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' }).catch((err: unknown) => err);
    expect((error as ApiError).status).toBe(400);
    expect((error as ApiError).message).toContain('API_KEY_INVALID');
  });

  it('lists models through the SDK pager', async () => {
    const names: string[] = [];
    for await (const model of await ai.models.list()) names.push(model.name ?? '');
    expect(names).toContain('models/gemini-2.5-flash');
  });
});
