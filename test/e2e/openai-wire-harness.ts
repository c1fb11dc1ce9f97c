// The behaviour table's harness for the OpenAI-wire providers (Mistral, DeepSeek, Ollama, LM Studio) over the fake
// OpenAI-wire upstream: each vendor's own answer shapes (reasoning field, tool-call framing, where usage goes, its
// finish reasons) and the request rewrites the gateway must make for it.
import OpenAI from 'openai';
import { afterAll, beforeAll, expect } from 'vitest';
import { chunkBody, startFakeOpenAI, usageChunkBody, type FakeOptions, type FakeReply, type FakeUpstream, type RecordedRequest } from '../fakes/openai-upstream.js';
import type { TestGateway } from '../helpers/gateway.js';
import type { TableProvider } from './provider-cells.js';
import {
  CALLS,
  JSON_ANSWER,
  PNG_DATA_URL,
  REASONING,
  TEXT,
  USAGE,
  providerGateway,
  type Answer,
  type ErrorCase,
  type ImageServer,
  type ProviderHarness,
  type ToolChoiceCase,
} from './provider-harness.js';
import { TOOLS, describeProviderTable } from './provider-scenarios.js';

type Json = Record<string, unknown>;

export interface WireVendor {
  name: Exclude<TableProvider, 'gemini' | 'anthropic'>;
  fake: FakeOptions;
  /** Gateway env switching the provider on, given the fake. */
  env(fake: FakeUpstream): Record<string, string>;
  model: string;
  reasoningModel: string;
  /** Where the vendor puts reasoning text: a message field, or Magistral's content arrays. */
  reasoning: 'reasoning_content' | 'reasoning' | 'mistral-content';
  /** Streamed tool calls: OpenAI-style fragments, whole calls with index (Ollama), or whole without index (Mistral). */
  toolStream: 'fragments' | 'whole' | 'mistral';
  /** Streamed usage: own `choices: []` chunk when asked, on the finish chunk when asked (DeepSeek), always on it (Mistral). */
  streamUsage: 'chunk' | 'finish-when-asked' | 'finish-always';
  callIds: [string, string];
  usage: Json;
  usageDetails: { cached: boolean; reasoning: boolean };
  finish: { length: string; content_filter?: string };
  inlinesImages: boolean;
  /** The translated tool_choice (and tools) the vendor gets for each OpenAI choice. */
  toolChoice(choice: ToolChoiceCase): { tool_choice?: unknown; tools: string[] };
  /** The seed field's name on the wire. */
  seedField: 'seed' | 'random_seed';
  /** Tool result messages carry the function name (Mistral). */
  toolResultNames: boolean;
  /** OpenAI-only fields that must not reach the vendor. */
  dropped: string[];
  /** Its failure cases; `fake` is read when a case runs. */
  errors(fake: () => FakeUpstream): ErrorCase[];
  listing: { request: string; models: string[] };
  probe: { request: string };
}

const chunk = (delta: Json, finishReason?: string, usage?: Json) => chunkBody(delta, { id: 'chatcmpl-e2e', finishReason, ...(usage ? { usage: usage as never } : {}) });
const pieces = (text: string) => [text.slice(0, 5), text.slice(5)];

function message(vendor: WireVendor, answer: Answer): { message: Json; finish: string } {
  const calls = CALLS.map((c, i) => ({ id: vendor.callIds[i], type: 'function', function: { name: c.name, arguments: JSON.stringify(c.args) } }));
  switch (answer.kind) {
    case 'text': {
      const finish = answer.finish ?? 'stop';
      return { message: { role: 'assistant', content: TEXT }, finish: finish === 'stop' ? 'stop' : (vendor.finish[finish] ?? finish) };
    }
    case 'tools':
      return { message: { role: 'assistant', content: null, tool_calls: calls }, finish: 'tool_calls' };
    case 'json':
      return { message: { role: 'assistant', content: JSON.stringify(JSON_ANSWER) }, finish: 'stop' };
    case 'reasoning':
      if (vendor.reasoning === 'mistral-content') {
        return { message: { role: 'assistant', content: [{ type: 'thinking', thinking: [{ type: 'text', text: REASONING }] }, { type: 'text', text: TEXT }] }, finish: 'stop' };
      }
      return { message: { role: 'assistant', content: TEXT, [vendor.reasoning]: REASONING }, finish: 'stop' };
  }
}

function streamed(vendor: WireVendor, answer: Answer, askedUsage: boolean): Json[] {
  const { message: msg, finish } = message(vendor, answer);
  const out: Json[] = [chunk({ role: 'assistant', content: '' })];
  if (answer.kind === 'reasoning') {
    for (const piece of pieces(REASONING)) {
      out.push(chunk(vendor.reasoning === 'mistral-content' ? { content: [{ type: 'thinking', thinking: [{ type: 'text', text: piece }] }] } : { [vendor.reasoning]: piece }));
    }
  }
  const text = answer.kind === 'tools' ? '' : answer.kind === 'json' ? JSON.stringify(JSON_ANSWER) : TEXT;
  if (text && !(answer.kind === 'text' && answer.finish === 'content_filter')) for (const piece of pieces(text)) out.push(chunk({ content: piece }));
  const usageOnFinish = vendor.streamUsage === 'finish-always' || (vendor.streamUsage === 'finish-when-asked' && askedUsage);
  const calls = (msg.tool_calls ?? []) as Array<{ id: string; type: string; function: { name: string; arguments: string } }>;
  if (vendor.toolStream === 'mistral' && calls.length > 0) {
    // Whole calls, no index and no type, on the finish chunk with the usage (fixture mistral stream-parallel-tools.sse).
    out.push(chunk({ content: null, tool_calls: calls.map((c) => ({ id: c.id, function: c.function })) }, finish, vendor.usage));
    return out;
  }
  calls.forEach((call, index) => {
    if (vendor.toolStream === 'whole') return void out.push(chunk({ tool_calls: [{ index, ...call }] }));
    out.push(chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] }));
    for (const piece of pieces(call.function.arguments)) out.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
  });
  out.push(chunk({}, finish, usageOnFinish ? vendor.usage : undefined));
  if (vendor.streamUsage === 'chunk' && askedUsage) out.push(usageChunkBody(vendor.usage as never, { id: 'chatcmpl-e2e' }));
  return out;
}

/** The vendor's answer, JSON or SSE as the translated request asked (stream flag, stream_options). */
function replyFor(vendor: WireVendor, answer: Answer): (req: RecordedRequest) => FakeReply {
  return (req) => {
    const body = req.body as { stream?: boolean; stream_options?: { include_usage?: boolean } };
    if (body.stream !== true) {
      const { message: msg, finish } = message(vendor, answer);
      return { json: { id: 'chatcmpl-e2e', object: 'chat.completion', created: 1_700_000_000, model: 'e2e', choices: [{ index: 0, message: msg, finish_reason: finish }], usage: vendor.usage } };
    }
    return { sse: streamed(vendor, answer, body.stream_options?.include_usage === true) };
  };
}

type Body = { messages: Json[]; tools?: Array<{ function: { name: string } }>; [k: string]: unknown };

export function describeWireProvider(vendor: WireVendor): ProviderHarness {
  let fake: FakeUpstream;
  let gateway: TestGateway;
  let client: OpenAI;
  let images: ImageServer;
  const setup = providerGateway(() => startFakeOpenAI(vendor.fake), vendor.env);

  beforeAll(async () => {
    ({ fake, gateway, client, images } = await setup.start());
  });
  afterAll(() => setup.stop());

  const wireImage = (url: string) => ({ type: 'image_url', image_url: { url } });
  const harness: ProviderHarness = {
    name: vendor.name,
    model: vendor.model,
    reasoningModel: vendor.reasoningModel,
    ctx: () => ({ client, gateway }),
    reply: (answer) => fake.enqueue(replyFor(vendor, answer), { method: 'POST', path: '/chat/completions' }),
    chats: () => fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/chat/completions')).map((r) => ({ url: r.path, body: r.body })),
    requestLines: () => fake.requests.map((r) => `${r.method} ${r.path}${r.query}`),
    reset: () => fake.reset(),
    inlinesImages: vendor.inlinesImages,
    usageDetails: vendor.usageDetails,
    translated: {
      streaming(sent, stream) {
        expect(sent.url).toBe('/v1/chat/completions');
        expect(sent.body).toMatchObject({ stream });
        // Mistral rejects stream_options (and sends usage anyway); the others are asked for usage on every stream.
        const options = (sent.body as Body).stream_options;
        expect(options).toEqual(stream && vendor.name !== 'mistral' ? { include_usage: true } : undefined);
      },
      conversation(body) {
        // `developer` is OpenAI's; these servers know `system` only.
        expect(body).toMatchObject({ model: vendor.model });
        expect((body as Body).messages).toEqual([
          { role: 'system', content: 'Be brief.' },
          { role: 'system', content: 'Answer in English.' },
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: 'Hello! How can I help?' },
          { role: 'user', content: 'Capital of France?' },
        ]);
      },
      imageData(body, dataUrl) {
        expect((body as Body).messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'What is in this image?' }, wireImage(dataUrl)] }]);
      },
      imageUrl(body, url) {
        const sent = vendor.inlinesImages ? PNG_DATA_URL : url;
        expect((body as Body).messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'What is in this image?' }, wireImage(sent)] }]);
      },
      toolChoice(body, choice) {
        const expected = vendor.toolChoice(choice);
        expect(((body as Body).tools ?? []).map((t) => t.function.name)).toEqual(expected.tools);
        const definitions = new Map(TOOLS.flatMap((t) => (t.type === 'function' ? [[t.function.name, t.function] as const] : [])));
        for (const tool of (body as Body).tools ?? []) expect(tool).toMatchObject({ type: 'function', function: definitions.get(tool.function.name) ?? {} });
        expect((body as Body).tool_choice).toEqual(expected.tool_choice);
      },
      toolResults(body, ids) {
        expect(ids).toEqual(vendor.callIds);
        const named = (i: number) => (vendor.toolResultNames ? { name: CALLS[i]!.name } : {});
        expect((body as Body).messages).toEqual([
          { role: 'user', content: 'Paris weather, Tokyo time' },
          { role: 'assistant', content: null, tool_calls: CALLS.map((c, i) => ({ id: ids[i], type: 'function', function: { name: c.name, arguments: JSON.stringify(c.args) } })) },
          { role: 'tool', tool_call_id: ids[0], content: 'sunny', ...named(0) },
          { role: 'tool', tool_call_id: ids[1], content: '21:00', ...named(1) },
        ]);
      },
      jsonMode(body, type) {
        const format = (body as Body).response_format;
        expect(format).toMatchObject({ type });
        if (type === 'json_schema') expect(format).toMatchObject({ json_schema: { name: 'answer', strict: true, schema: { required: ['answer'] } } });
      },
      sampling(body, limit) {
        expect(body).toMatchObject({ temperature: 0.3, top_p: 0.9, stop: ['END'], [vendor.seedField]: 7, max_tokens: limit === 'max_tokens' ? 50 : 60 });
        // These servers know max_tokens only.
        expect(body).not.toHaveProperty('max_completion_tokens');
        for (const field of vendor.dropped) expect(body).not.toHaveProperty(field);
      },
      reasoning(body) {
        expect(body).toMatchObject({ model: vendor.reasoningModel, reasoning_effort: 'low' });
      },
    },
    errors: vendor.errors(() => fake),
    listing: vendor.listing,
    probe: vendor.probe,
  };

  describeProviderTable(harness, () => images);
  return harness;
}

/** OpenAI-shaped usage: 11 prompt (4 cached), 7 completion (3 reasoning). */
export const openAIUsage = (details: { cached?: boolean; reasoning?: boolean }): Json => ({
  prompt_tokens: USAGE.prompt,
  completion_tokens: USAGE.completion,
  total_tokens: USAGE.prompt + USAGE.completion,
  ...(details.cached ? { prompt_tokens_details: { cached_tokens: USAGE.cached } } : {}),
  ...(details.reasoning ? { completion_tokens_details: { reasoning_tokens: USAGE.reasoning } } : {}),
});

export const errorReply = (fake: () => FakeUpstream, status: number, json: unknown, headers?: Record<string, string>) => () =>
  fake().enqueue({ status, json, ...(headers ? { headers } : {}) }, { method: 'POST', path: '/chat/completions' });
