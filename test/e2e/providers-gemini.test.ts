// Gemini through the gateway (GEMINI_API_KEY + GEMINI_BASE_URL → the fake Gemini API) with the openai client:
// the issue's behaviour table, JSON and stream, checking both the client's view and the generateContent body.
import OpenAI from 'openai';
import { afterAll, beforeAll, expect } from 'vitest';
import { FakeGeminiUpstream } from '../fakes/gemini-upstream.js';
import type { TestGateway } from '../helpers/gateway.js';
import {
  CALLS,
  JSON_ANSWER,
  PNG,
  REASONING,
  TEXT,
  USAGE,
  providerGateway,
  type Answer,
  type ImageServer,
  type ProviderHarness,
} from './provider-harness.js';
import { WIRE_CALLS } from './provider-cells.js';
import { describeProviderTable } from './provider-scenarios.js';

const KEY = 'gemini-e2e-key';
let fake: FakeGeminiUpstream;
let gateway: TestGateway;
let client: OpenAI;
let images: ImageServer;
const setup = providerGateway(() => FakeGeminiUpstream.start({ apiKey: KEY }), (f) => ({ GEMINI_API_KEY: KEY, GEMINI_BASE_URL: f.baseUrl }));

beforeAll(async () => {
  ({ fake, gateway, client, images } = await setup.start());
});
afterAll(() => setup.stop());

/** usageMetadata: candidatesTokenCount excludes thoughts (wire doc §9.2). */
const usageMetadata = {
  promptTokenCount: USAGE.prompt,
  candidatesTokenCount: USAGE.completion - USAGE.reasoning,
  thoughtsTokenCount: USAGE.reasoning,
  cachedContentTokenCount: USAGE.cached,
  totalTokenCount: USAGE.prompt + USAGE.completion,
};

const FINISH = { stop: 'STOP', length: 'MAX_TOKENS', content_filter: 'SAFETY' } as const;

function candidateParts(answer: Answer): { parts: Array<Record<string, unknown>>; finishReason: string } {
  switch (answer.kind) {
    case 'text': {
      const finish = answer.finish ?? 'stop';
      // A safety stop comes without content.
      return { parts: finish === 'content_filter' ? [] : [{ text: TEXT }], finishReason: FINISH[finish] };
    }
    case 'tools':
      return { parts: CALLS.map((c) => ({ functionCall: { name: c.name, args: c.args } })), finishReason: 'STOP' };
    case 'reasoning':
      return { parts: [{ text: REASONING, thought: true }, { text: TEXT }], finishReason: 'STOP' };
    case 'json':
      return { parts: [{ text: JSON.stringify(JSON_ANSWER) }], finishReason: 'STOP' };
  }
}

const response = (parts: Array<Record<string, unknown>>, finishReason?: string) => ({
  candidates: [{ content: { role: 'model', parts }, index: 0, ...(finishReason ? { finishReason } : {}) }],
  usageMetadata,
  modelVersion: 'gemini-2.5-flash',
  responseId: 'e2e',
});

function reply(answer: Answer, stream: boolean): void {
  const { parts, finishReason } = candidateParts(answer);
  if (!stream) {
    fake.reply({ kind: 'json', body: response(parts, finishReason) });
    return;
  }
  // One event per part, text split in two; the finish reason rides on the last event.
  const pieces = parts.flatMap((p) => (typeof p.text === 'string' && p.text.length > 4 ? [{ ...p, text: p.text.slice(0, 4) }, { ...p, text: p.text.slice(4) }] : [p]));
  const events = pieces.length === 0 ? [response([], finishReason)] : pieces.map((p, i) => response([p], i === pieces.length - 1 ? finishReason : undefined));
  fake.reply({ kind: 'sse', events });
}

type Body = { contents: Array<{ role: string; parts: Array<Record<string, unknown>> }>; generationConfig?: Record<string, unknown> };
const inline = { inlineData: { mimeType: 'image/png', data: PNG.toString('base64') } };

const harness: ProviderHarness = {
  name: 'gemini',
  model: 'gemini-2.5-flash',
  reasoningModel: 'gemini-2.5-pro',
  ctx: () => ({ client, gateway }),
  reply,
  chats: () =>
    fake.requests
      .filter((r) => r.action === 'generateContent' || r.action === 'streamGenerateContent')
      .map((r) => ({ url: `${r.path}${r.query.size ? `?${r.query}` : ''}`, body: r.body })),
  requestLines: () => fake.requests.map((r) => `${r.method} ${r.path}${r.query.size ? `?${r.query}` : ''}`),
  reset: () => {
    fake.requests.length = 0;
  },
  inlinesImages: true,
  usageDetails: { cached: true, reasoning: true },
  translated: {
    streaming(sent, stream) {
      expect(sent.url).toMatch(stream ? /\/models\/[\w.-]+:streamGenerateContent\?alt=sse$/ : /\/models\/[\w.-]+:generateContent$/);
    },
    conversation(body) {
      expect(body).toEqual({
        systemInstruction: { parts: [{ text: 'Be brief.' }, { text: 'Answer in English.' }] },
        contents: [
          { role: 'user', parts: [{ text: 'Hi' }] },
          { role: 'model', parts: [{ text: 'Hello! How can I help?' }] },
          { role: 'user', parts: [{ text: 'Capital of France?' }] },
        ],
      });
    },
    imageData(body) {
      expect((body as Body).contents).toEqual([{ role: 'user', parts: [{ text: 'What is in this image?' }, inline] }]);
    },
    imageUrl(body) {
      // Fetched by the gateway and sent as bytes: Gemini would otherwise need a Files API upload.
      expect((body as Body).contents).toEqual([{ role: 'user', parts: [{ text: 'What is in this image?' }, inline] }]);
    },
    toolChoice(body, choice) {
      expect(body).toMatchObject({
        tools: [{ functionDeclarations: [{ name: 'get_weather', parametersJsonSchema: { type: 'object' } }, { name: 'get_time' }] }],
      });
      const config = { auto: { mode: 'AUTO' }, none: { mode: 'NONE' }, required: { mode: 'ANY' }, named: { mode: 'ANY', allowedFunctionNames: ['get_time'] } }[choice];
      expect(body).toMatchObject({ toolConfig: { functionCallingConfig: config } });
    },
    toolResults(body) {
      expect((body as Body).contents).toEqual([
        { role: 'user', parts: [{ text: 'Paris weather, Tokyo time' }] },
        { role: 'model', parts: CALLS.map((c) => ({ functionCall: { name: c.name, args: c.args } })) },
        {
          role: 'user',
          parts: [
            { functionResponse: { name: 'get_weather', response: { content: 'sunny' } } },
            { functionResponse: { name: 'get_time', response: { content: '21:00' } } },
          ],
        },
      ]);
    },
    jsonMode(body, type) {
      const config = (body as Body).generationConfig;
      expect(config).toMatchObject({ responseMimeType: 'application/json' });
      if (type === 'json_schema') expect(config?.responseJsonSchema).toMatchObject({ type: 'object', properties: { answer: { type: 'number' } }, required: ['answer'] });
      else expect(config?.responseJsonSchema).toBeUndefined();
    },
    sampling(body, limit) {
      // Penalties are refused by 2.5 models, the rest has no Gemini field: all dropped.
      expect(body).toEqual({
        contents: [{ role: 'user', parts: [{ text: 'Capital of France?' }] }],
        generationConfig: { temperature: 0.3, topP: 0.9, stopSequences: ['END'], seed: 7, maxOutputTokens: limit === 'max_tokens' ? 50 : 60 },
      });
    },
    reasoning(body) {
      expect((body as Body).generationConfig).toEqual({ thinkingConfig: { thinkingBudget: 1024, includeThoughts: true } });
    },
  },
  errors: [
    {
      name: 'a bad key (400 INVALID_ARGUMENT, API_KEY_INVALID) → 502',
      reply: () =>
        fake.reply({
          kind: 'error',
          status: 400,
          grpcStatus: 'INVALID_ARGUMENT',
          message: 'API key not valid. Please pass a valid API key.',
          details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' }],
        }),
      status: 502,
      code: 'upstream_auth_error',
      message: 'API key not valid',
    },
    {
      name: '429 RESOURCE_EXHAUSTED with RetryInfo → 429 + Retry-After',
      reply: () =>
        fake.reply({
          kind: 'error',
          status: 429,
          grpcStatus: 'RESOURCE_EXHAUSTED',
          message: 'Resource has been exhausted (e.g. check quota).',
          details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '34s' }],
        }),
      status: 429,
      retryAfter: '34',
    },
    { name: '503 UNAVAILABLE → 502', reply: () => fake.reply({ kind: 'error', status: 503, grpcStatus: 'UNAVAILABLE', message: 'The model is overloaded.' }), status: 502 },
    {
      name: '400 INVALID_ARGUMENT → 400 naming the provider',
      reply: () => fake.reply({ kind: 'error', status: 400, grpcStatus: 'INVALID_ARGUMENT', message: 'Request contains an invalid argument.' }),
      status: 400,
      message: 'gemini: Request contains an invalid argument.',
    },
  ],
  listing: { request: WIRE_CALLS.gemini.listing, models: ['gemini-2.5-flash', 'gemini-2.5-pro'] },
  probe: { request: WIRE_CALLS.gemini.probe },
};

describeProviderTable(harness, () => images);
