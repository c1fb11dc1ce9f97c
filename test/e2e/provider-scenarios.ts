// The behaviour table, run against one provider through the gateway with the real `openai` client:
// every cell as JSON and as a stream, asserting what the client received and what the fake upstream received.
// Cells the provider itself cannot do (provider-cells.ts) get their clear 400, or are skipped when there is
// nothing the provider could send.
import type OpenAI from 'openai';
import { APIError } from 'openai';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectConforming, schemaChecks } from '../helpers/openai-schema.js';
import { hasShared } from '../helpers/fixtures.js';
import { cannot, CELLS } from './provider-cells.js';
import {
  collect,
  expectCanonicalCalls,
  fromCompletion,
  JSON_ANSWER,
  onlyChat,
  PNG_DATA_URL,
  REASONING,
  TEXT,
  USAGE,
  type ImageServer,
  type ProviderHarness,
  type Received,
  type ToolChoiceCase,
} from './provider-harness.js';

type Params = Omit<OpenAI.Chat.ChatCompletionCreateParamsNonStreaming, 'model' | 'stream'>;
type Mode = 'json' | 'stream';
const MODES: Mode[] = ['json', 'stream'];

export const CONVERSATION: OpenAI.Chat.ChatCompletionMessageParam[] = [
  { role: 'system', content: 'Be brief.' },
  { role: 'developer', content: 'Answer in English.' },
  { role: 'user', content: 'Hi' },
  { role: 'assistant', content: 'Hello! How can I help?' },
  { role: 'user', content: 'Capital of France?' },
];

export const TOOLS: OpenAI.Chat.ChatCompletionTool[] = [
  { type: 'function', function: { name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
  { type: 'function', function: { name: 'get_time', description: 'Time in a zone', parameters: { type: 'object', properties: { tz: { type: 'string' } }, required: ['tz'] } } },
];

export const JSON_SCHEMA = { type: 'object', properties: { answer: { type: 'number' } }, required: ['answer'], additionalProperties: false };

export const TOOL_CHOICES: Record<ToolChoiceCase, OpenAI.Chat.ChatCompletionToolChoiceOption> = {
  auto: 'auto',
  none: 'none',
  required: 'required',
  named: { type: 'function', function: { name: 'get_time' } },
};

const withImage = (url: string): Params => ({
  messages: [{ role: 'user', content: [{ type: 'text', text: 'What is in this image?' }, { type: 'image_url', image_url: { url } }] }],
});

async function failure(promise: Promise<unknown>): Promise<APIError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(APIError);
  return err as APIError;
}

export function describeProviderTable(h: ProviderHarness, images: () => ImageServer): void {
  const model = (m = h.model) => `${h.name}/${m}`;

  async function chat(params: Params, mode: Mode, options: { model?: string; includeUsage?: boolean } = {}): Promise<Received> {
    const { client } = h.ctx();
    if (mode === 'json') return fromCompletion(await client.chat.completions.create({ ...params, model: model(options.model), stream: false }));
    const stream = await client.chat.completions.create({
      ...params,
      model: model(options.model),
      stream: true,
      ...(options.includeUsage === false ? {} : { stream_options: { include_usage: true } }),
    });
    return collect(stream);
  }

  /** For a cell the provider cannot do that the gateway refuses: a clear 400 and no upstream call. */
  async function expectRejected(params: Params, mode: Mode, param = 'model'): Promise<void> {
    const err = await failure(chat(params, mode));
    expect(err.status).toBe(400);
    expect(err.code).toBe('unsupported_capability');
    expect(err.param).toBe(param);
    expect(h.chats()).toHaveLength(0);
  }

  // Every answer the client got in this file (JSON, stream events, errors, model lists) is OpenAI's published shape.
  afterEach(() => expectConforming());
  afterAll(() => {
    if (hasShared) expect(schemaChecks(), 'the schema checks ran').toBeGreaterThan(0);
  });

  const skipIfAbsent = (cell: keyof typeof CELLS) => (cannot(h.name, cell)?.how === 'absent' ? it.skip : it);

  describe(`${h.name}: model listing and the health probe`, () => {
    beforeEach(() => h.reset());

    it(CELLS.listing, async () => {
      const { client } = h.ctx();
      const ids = [];
      for await (const m of client.models.list()) ids.push(m.id);
      expect(ids).toEqual(expect.arrayContaining(h.listing.models.map((m) => `${h.name}/${m}`)));
      expect(h.requestLines()).toContain(h.listing.request);
    });

    it(CELLS.probe, async () => {
      const { gateway } = h.ctx();
      await gateway.services.registry.get(h.name)!.probe(AbortSignal.timeout(2000));
      // One cheap GET, never a chat call.
      expect(h.requestLines()).toContain(h.probe.request);
      expect(h.requestLines().filter((line) => !line.startsWith('GET '))).toEqual([]);
    });
  });

  describe.each(MODES)(`${h.name} (%s)`, (mode) => {
    const stream = mode === 'stream';
    beforeEach(() => h.reset());

    it(CELLS.text, async () => {
      h.reply({ kind: 'text' }, stream);
      const got = await chat({ messages: CONVERSATION }, mode);
      expect(got).toMatchObject({ content: TEXT, finish: 'stop', calls: [] });
      const sent = onlyChat(h);
      h.translated.streaming(sent, stream);
      h.translated.conversation(sent.body);
    });

    it(CELLS.imageData, async () => {
      if (cannot(h.name, 'imageData')?.how === 'rejected') return expectRejected(withImage(PNG_DATA_URL), mode);
      h.reply({ kind: 'text' }, stream);
      expect((await chat(withImage(PNG_DATA_URL), mode)).content).toBe(TEXT);
      h.translated.imageData(onlyChat(h).body, PNG_DATA_URL);
    });

    it(CELLS.imageUrl, async () => {
      const url = `${images().url}/cat.png`;
      if (cannot(h.name, 'imageUrl')?.how === 'rejected') return expectRejected(withImage(url), mode);
      images().hits.length = 0;
      h.reply({ kind: 'text' }, stream);
      expect((await chat(withImage(url), mode)).content).toBe(TEXT);
      // Inlining providers download it once; the others hand the URL to the provider.
      expect(images().hits).toEqual(h.inlinesImages ? ['/cat.png'] : []);
      h.translated.imageUrl(onlyChat(h).body, url);
    });

    it.each(['auto', 'none', 'required', 'named'] as const)(`${CELLS.tools}: tool_choice %s`, async (choice) => {
      h.reply(choice === 'none' ? { kind: 'text' } : { kind: 'tools' }, stream);
      const got = await chat({ messages: [{ role: 'user', content: 'Paris weather, Tokyo time' }], tools: TOOLS, tool_choice: TOOL_CHOICES[choice] }, mode);
      if (choice === 'none') expect(got).toMatchObject({ content: TEXT, finish: 'stop', calls: [] });
      else expectCanonicalCalls(got);
      h.translated.toolChoice(onlyChat(h).body, choice);
    });

    it(CELLS.toolResults, async () => {
      h.reply({ kind: 'tools' }, stream);
      const question: OpenAI.Chat.ChatCompletionMessageParam = { role: 'user', content: 'Paris weather, Tokyo time' };
      const first = await chat({ messages: [question], tools: TOOLS }, mode);
      expectCanonicalCalls(first);
      h.reset();
      h.reply({ kind: 'text' }, stream);
      const history: OpenAI.Chat.ChatCompletionMessageParam[] = [
        question,
        { role: 'assistant', content: null, tool_calls: first.calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })) },
        { role: 'tool', tool_call_id: first.calls[0]!.id, content: 'sunny' },
        { role: 'tool', tool_call_id: first.calls[1]!.id, content: '21:00' },
      ];
      expect(await chat({ messages: history, tools: TOOLS }, mode)).toMatchObject({ content: TEXT, finish: 'stop' });
      h.translated.toolResults(onlyChat(h).body, first.calls.map((c) => c.id));
    });

    it.each(['json_object', 'json_schema'] as const)('response_format %s', async (type) => {
      const params: Params = {
        messages: [{ role: 'user', content: 'Give the answer as JSON.' }],
        response_format: type === 'json_object' ? { type } : { type, json_schema: { name: 'answer', schema: JSON_SCHEMA, strict: true } },
      };
      if (type === 'json_schema' && cannot(h.name, 'jsonSchema')?.how === 'rejected') return expectRejected(params, mode);
      h.reply({ kind: 'json' }, stream);
      const got = await chat(params, mode);
      expect(JSON.parse(got.content ?? '')).toEqual(JSON_ANSWER);
      expect(got.finish).toBe('stop');
      h.translated.jsonMode(onlyChat(h).body, type);
    });

    it(`${CELLS.usage}; ${CELLS.usageDetails}`, async () => {
      h.reply({ kind: 'text' }, stream);
      const got = await chat({ messages: [{ role: 'user', content: 'Capital of France?' }] }, mode);
      expect(got.usage).toMatchObject({ prompt_tokens: USAGE.prompt, completion_tokens: USAGE.completion, total_tokens: USAGE.prompt + USAGE.completion });
      expect(got.usage?.prompt_tokens_details?.cached_tokens ?? 0).toBe(h.usageDetails.cached ? USAGE.cached : 0);
      expect(got.usage?.completion_tokens_details?.reasoning_tokens ?? 0).toBe(h.usageDetails.reasoning ? USAGE.reasoning : 0);
      if (stream) expect(got.usageChunkLast).toBe(true);
    });

    if (stream) {
      it('usage is not streamed to a client that did not ask for it', async () => {
        h.reply({ kind: 'text' }, true);
        const got = await chat({ messages: [{ role: 'user', content: 'Capital of France?' }] }, mode, { includeUsage: false });
        expect(got).toMatchObject({ content: TEXT, usage: undefined, usageChunkLast: false });
      });
    }

    it(CELLS.finishLength, async () => {
      h.reply({ kind: 'text', finish: 'length' }, stream);
      const got = await chat({ messages: [{ role: 'user', content: 'Capital of France?' }], max_tokens: 5 }, mode);
      expect(got.finish).toBe('length');
    });

    skipIfAbsent('finishContentFilter')(CELLS.finishContentFilter, async () => {
      h.reply({ kind: 'text', finish: 'content_filter' }, stream);
      expect((await chat({ messages: [{ role: 'user', content: 'Something unsafe' }] }, mode)).finish).toBe('content_filter');
    });

    it.each(['max_tokens', 'max_completion_tokens'] as const)(`${CELLS.sampling} (%s), and OpenAI-only fields never a 4xx`, async (limit) => {
      h.reply({ kind: 'text' }, stream);
      const params: Params = {
        messages: [{ role: 'user', content: 'Capital of France?' }],
        temperature: 0.3,
        top_p: 0.9,
        stop: ['END'],
        seed: 7,
        ...(limit === 'max_tokens' ? { max_tokens: 50 } : { max_completion_tokens: 60 }),
        // Fields some providers lack: dropped or mapped, never passed to a strict upstream.
        presence_penalty: 0.1,
        frequency_penalty: 0.1,
        logit_bias: { '1734': -100 },
        user: 'user-1',
        metadata: { team: 'search' },
        store: false,
        service_tier: 'auto',
        n: 1,
      };
      expect((await chat(params, mode)).content).toBe(TEXT);
      h.translated.sampling(onlyChat(h).body, limit);
    });

    skipIfAbsent('reasoning')(CELLS.reasoning, async () => {
      h.reply({ kind: 'reasoning' }, stream);
      const got = await chat({ messages: [{ role: 'user', content: 'Capital of France?' }], reasoning_effort: 'low' }, mode, { model: h.reasoningModel });
      expect(got).toMatchObject({ reasoning: REASONING, content: TEXT, finish: 'stop' });
      h.translated.reasoning(onlyChat(h).body);
    });

    describe(CELLS.errors, () => {
      it.each(h.errors.map((e, i) => [e.name, e, i] as const))('%s', async (_name, error, i) => {
        error.reply();
        // A model per case keeps one case's failures from opening the circuit of the next.
        const err = await failure(chat({ messages: [{ role: 'user', content: 'Hi' }] }, mode, { model: `${h.model}-e${i}` }));
        expect(err.status).toBe(error.status);
        if (error.code) expect(err.code).toBe(error.code);
        if (error.message) expect(err.message).toContain(error.message);
        if (error.retryAfter) expect(err.headers?.get('retry-after')).toBe(error.retryAfter);
        expect(h.chats()).toHaveLength(1);
      });
    });
  });
}
