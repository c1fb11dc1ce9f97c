// Anthropic through the gateway (ANTHROPIC_API_KEY + ANTHROPIC_BASE_URL → the fake Messages API) with the openai
// client: the behaviour table, JSON and stream, checking both the client's view and the Messages body.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anthropicMessage, startFakeAnthropic, type FakeAnthropic, type Json } from '../fakes/anthropic-upstream.js';
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
import { JSON_SCHEMA, describeProviderTable } from './provider-scenarios.js';

const KEY = 'sk-ant-e2e-key';
let fake: FakeAnthropic;
let gateway: TestGateway;
let client: OpenAI;
let images: ImageServer;
const setup = providerGateway(() => startFakeAnthropic({ apiKey: KEY }), (f) => ({ ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: f.baseUrl }));

beforeAll(async () => {
  ({ fake, gateway, client, images } = await setup.start());
});
afterAll(() => setup.stop());

/** input_tokens excludes cache reads; thinking is part of output_tokens (wire doc §9.2). */
const usage = {
  input_tokens: USAGE.prompt - USAGE.cached,
  cache_read_input_tokens: USAGE.cached,
  cache_creation_input_tokens: 0,
  output_tokens: USAGE.completion,
  output_tokens_details: { thinking_tokens: USAGE.reasoning },
};
const STOP = { stop: 'end_turn', length: 'max_tokens', content_filter: 'refusal' } as const;
const TOOL_IDS = ['toolu_01E2eWeather', 'toolu_01E2eTime'];

function content(answer: Answer): { content: Json[]; stop_reason: string } {
  switch (answer.kind) {
    case 'text':
      return { content: [{ type: 'text', text: TEXT }], stop_reason: STOP[answer.finish ?? 'stop'] };
    case 'tools':
      // A text block first, as Claude often writes one: tool call indices must still start at 0.
      return {
        content: [{ type: 'text', text: 'Let me check.' }, ...CALLS.map((c, i) => ({ type: 'tool_use', id: TOOL_IDS[i], name: c.name, input: c.args }))],
        stop_reason: 'tool_use',
      };
    case 'reasoning':
      return { content: [{ type: 'thinking', thinking: REASONING, signature: 'c2lnbmF0dXJl' }, { type: 'text', text: TEXT }], stop_reason: 'end_turn' };
    case 'json':
      return { content: [{ type: 'tool_use', id: 'toolu_01E2eJson', name: 'json_output', input: JSON_ANSWER }], stop_reason: 'tool_use' };
  }
}

type Body = Record<string, unknown> & { messages: unknown[] };
const question = (text: string) => [{ role: 'user', content: text }];
/** The body minus the fields every request carries, for exact comparisons. */
const rest = (body: unknown) => {
  const { model: _m, stream: _s, ...others } = body as Body;
  return others;
};

const harness: ProviderHarness = {
  name: 'anthropic',
  model: 'claude-sonnet-4-5',
  reasoningModel: 'claude-opus-4-1',
  ctx: () => ({ client, gateway }),
  // The fake turns a whole message into the matching event sequence when the request streams.
  reply: (answer) => void fake.reply({ kind: 'message', message: anthropicMessage({ ...content(answer), usage }) }),
  chats: () => fake.requests.filter((r) => r.method === 'POST' && r.url === '/v1/messages').map((r) => ({ url: r.url, body: r.body })),
  requestLines: () => fake.requests.map((r) => `${r.method} ${r.url}`),
  reset: () => {
    fake.requests.length = 0;
  },
  inlinesImages: false,
  usageDetails: { cached: true, reasoning: true },
  translated: {
    streaming(sent, stream) {
      expect((sent.body as Body).stream).toBe(stream ? true : undefined);
    },
    conversation(body) {
      expect(body).toMatchObject({ model: 'claude-sonnet-4-5' });
      expect(rest(body)).toEqual({
        max_tokens: 16384,
        system: 'Be brief.\n\nAnswer in English.',
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: 'Hello! How can I help?' },
          { role: 'user', content: 'Capital of France?' },
        ],
      });
    },
    imageData(body) {
      expect((body as Body).messages).toEqual([
        { role: 'user', content: [{ type: 'text', text: 'What is in this image?' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG.toString('base64') } }] },
      ]);
    },
    imageUrl(body, url) {
      // Anthropic fetches URLs itself: the gateway does not download them.
      expect((body as Body).messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'What is in this image?' }, { type: 'image', source: { type: 'url', url } }] }]);
    },
    toolChoice(body, choice) {
      expect((body as Body).tools).toEqual([
        { name: 'get_weather', description: 'Weather in a city', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
        { name: 'get_time', description: 'Time in a zone', input_schema: { type: 'object', properties: { tz: { type: 'string' } }, required: ['tz'] } },
      ]);
      const expected = { auto: { type: 'auto' }, none: { type: 'none' }, required: { type: 'any' }, named: { type: 'tool', name: 'get_time' } }[choice];
      expect((body as Body).tool_choice).toEqual(expected);
    },
    toolResults(body, ids) {
      expect(ids).toEqual(TOOL_IDS);
      expect((body as Body).messages).toEqual([
        { role: 'user', content: 'Paris weather, Tokyo time' },
        { role: 'assistant', content: CALLS.map((c, i) => ({ type: 'tool_use', id: TOOL_IDS[i], name: c.name, input: c.args })) },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: TOOL_IDS[0], content: 'sunny' },
            { type: 'tool_result', tool_use_id: TOOL_IDS[1], content: '21:00' },
          ],
        },
      ]);
    },
    jsonMode(body, type) {
      // JSON mode is a forced tool whose input is the answer.
      expect(body).toMatchObject({
        tools: [{ name: 'json_output', input_schema: type === 'json_schema' ? JSON_SCHEMA : { type: 'object' } }],
        tool_choice: { type: 'tool', name: 'json_output' },
      });
    },
    sampling(body, limit) {
      // No seed, penalties, logit_bias, store or service_tier on Anthropic; user becomes metadata.user_id; top_p
      // only without temperature (newer models refuse the pair, see the top_p case below).
      expect(rest(body)).toEqual({
        messages: question('Capital of France?'),
        max_tokens: limit === 'max_tokens' ? 50 : 60,
        temperature: 0.3,
        stop_sequences: ['END'],
        metadata: { user_id: 'user-1' },
      });
    },
    reasoning(body) {
      // The budget comes on top of the answer's own allowance; thinking refuses temperature.
      expect(rest(body)).toEqual({ messages: question('Capital of France?'), thinking: { type: 'enabled', budget_tokens: 2048 }, max_tokens: 16384 + 2048 });
    },
  },
  errors: [
    {
      name: '529 overloaded_error → 502',
      reply: () => void fake.reply({ kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' }),
      status: 502,
      code: 'upstream_overloaded',
    },
    {
      name: '401 authentication_error → 502',
      reply: () => void fake.reply({ kind: 'error', status: 401, type: 'authentication_error', message: 'invalid x-api-key' }),
      status: 502,
      code: 'upstream_auth_error',
    },
    {
      name: '429 rate_limit_error → 429 + Retry-After',
      reply: () => void fake.reply({ kind: 'error', status: 429, type: 'rate_limit_error', message: 'Number of request tokens has exceeded your rate limit', headers: { 'retry-after': '12' } }),
      status: 429,
      retryAfter: '12',
    },
    {
      name: '400 invalid_request_error → 400 naming the provider',
      reply: () => void fake.reply({ kind: 'error', status: 400, type: 'invalid_request_error', message: 'messages: text content blocks must be non-empty' }),
      status: 400,
      message: 'anthropic: messages: text content blocks must be non-empty',
    },
  ],
  listing: { request: WIRE_CALLS.anthropic.listing, models: ['claude-sonnet-4-5-20250929'] },
  probe: { request: WIRE_CALLS.anthropic.probe },
};

describeProviderTable(harness, () => images);

describe('anthropic specifics', () => {
  it('sends top_p when it comes without temperature', async () => {
    harness.reset();
    fake.reply({ kind: 'message', message: anthropicMessage({ content: [{ type: 'text', text: TEXT }], usage }) });
    await client.chat.completions.create({ model: 'anthropic/claude-sonnet-4-5', messages: [{ role: 'user', content: 'Hi' }], top_p: 0.8 });
    expect(fake.requests.at(-1)?.body).toMatchObject({ top_p: 0.8 });
    expect(fake.requests.at(-1)?.body).not.toHaveProperty('temperature');
  });
});
