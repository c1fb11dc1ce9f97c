// Proves the fake Anthropic server speaks the real wire format: the official @anthropic-ai/sdk talks to it.
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { anthropicMessage, messageToEvents, startFakeAnthropic, type FakeAnthropic } from './anthropic-upstream.js';

const KEY = 'sk-ant-test';
let fake: FakeAnthropic;
let client: Anthropic;

beforeAll(async () => {
  fake = await startFakeAnthropic({ apiKey: KEY });
  // The SDK appends /v1/messages to baseURL, so it gets the origin; the gateway gets fake.baseUrl (…/v1).
  client = new Anthropic({ apiKey: KEY, baseURL: fake.origin, maxRetries: 0 });
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.requests.length = 0;
});

const toolMessage = anthropicMessage({
  model: 'claude-haiku-4-5-20251001',
  stop_reason: 'tool_use',
  content: [
    { type: 'thinking', thinking: 'The user wants weather; call the tool.', signature: 'c2ln' },
    { type: 'text', text: 'Let me check.' },
    { type: 'tool_use', id: 'toolu_01A', name: 'get_weather', input: { city: 'Paris', days: [1, 2] } },
  ],
  usage: { input_tokens: 50, output_tokens: 31 },
});

describe('fake Anthropic upstream with the real SDK', () => {
  it('answers messages.create with the scripted message and records the request', async () => {
    fake.reply({ kind: 'message', message: toolMessage });
    const message = await client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'weather?' }] });
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content[2]).toEqual({ type: 'tool_use', id: 'toolu_01A', name: 'get_weather', input: { city: 'Paris', days: [1, 2] } });
    expect(message.usage.output_tokens).toBe(31);
    const [req] = fake.requests;
    expect(req?.url).toBe('/v1/messages');
    expect(req?.headers.authorization).toBe(`Bearer ${KEY}`); // SDK 1.x; the gateway sends x-api-key, also accepted
    expect(req?.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(req?.body).toMatchObject({ model: 'claude-haiku-4-5', max_tokens: 100 });
  });

  it('streams events the SDK accumulates back into the same message (text, thinking, tool input)', async () => {
    fake.reply({ kind: 'message', message: toolMessage });
    const stream = client.messages.stream({ model: 'claude-haiku-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'weather?' }] });
    const texts: string[] = [];
    stream.on('text', (t) => texts.push(t));
    const final = await stream.finalMessage();
    expect(texts.length).toBeGreaterThan(1); // really delivered in pieces
    expect(texts.join('')).toBe('Let me check.');
    expect(final.content).toEqual([
      { type: 'thinking', thinking: 'The user wants weather; call the tool.', signature: 'c2ln' },
      { type: 'text', text: 'Let me check.' },
      { type: 'tool_use', id: 'toolu_01A', name: 'get_weather', input: { city: 'Paris', days: [1, 2] } },
    ]);
    expect(final.stop_reason).toBe('tool_use');
    expect(final.usage.output_tokens).toBe(31);
    expect(fake.requests[0]?.body).toMatchObject({ stream: true });
  });

  it('yields the raw event sequence for stream:true, ping included', async () => {
    fake.reply({ kind: 'message', message: anthropicMessage({ content: [{ type: 'text', text: 'hi there' }] }) });
    const stream = await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'x' }] });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types).toEqual(['message_start', 'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
  });

  it('makes the SDK throw typed errors with the right status', async () => {
    fake.reply({ kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' });
    const overloaded = await client.messages.create({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(overloaded).toBeInstanceOf(Anthropic.APIError);
    expect((overloaded as InstanceType<typeof Anthropic.APIError>).status).toBe(529);
    expect((overloaded as InstanceType<typeof Anthropic.APIError>).type).toBe('overloaded_error');

    fake.reply({ kind: 'error', status: 429, type: 'rate_limit_error', message: 'slow down', headers: { 'retry-after': '7' } });
    const limited = await client.messages.create({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(Anthropic.RateLimitError);
    expect((limited as InstanceType<typeof Anthropic.RateLimitError>).headers?.get('retry-after')).toBe('7');

    const bad = new Anthropic({ apiKey: 'wrong', baseURL: fake.origin, maxRetries: 0 });
    await expect(bad.messages.create({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'x' }] })).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
  });

  it('rejects a body without max_tokens the way the API does', async () => {
    const missing = client.messages.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] } as unknown as Anthropic.MessageCreateParamsNonStreaming);
    await expect(missing).rejects.toBeInstanceOf(Anthropic.BadRequestError);
  });

  it('delivers an error event after a 200 as an SDK APIError', async () => {
    const events = messageToEvents(anthropicMessage({ content: [{ type: 'text', text: 'partial answer' }] })).slice(0, 3);
    events.push({ event: 'error', data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } });
    fake.reply({ kind: 'stream', events });
    const stream = await client.messages.create({ model: 'm', max_tokens: 1, stream: true, messages: [{ role: 'user', content: 'x' }] });
    const seen: string[] = [];
    const failure = await (async () => {
      for await (const event of stream) seen.push(event.type);
    })().catch((e: unknown) => e);
    expect(seen).toEqual(['message_start', 'content_block_start', 'content_block_delta']);
    expect(failure).toBeInstanceOf(Anthropic.APIError);
    expect((failure as InstanceType<typeof Anthropic.APIError>).type).toBe('overloaded_error');
  });

  it('pages the model list with limit / after_id / has_more as the SDK expects', async () => {
    fake.models = ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id: `claude-${id}` }));
    const ids: string[] = [];
    for await (const model of client.models.list({ limit: 2 })) ids.push(model.id);
    expect(ids).toEqual(['claude-a', 'claude-b', 'claude-c', 'claude-d', 'claude-e']);
    expect(fake.requests.map((r) => r.url)).toEqual(['/v1/models?limit=2', '/v1/models?limit=2&after_id=claude-b', '/v1/models?limit=2&after_id=claude-d']);
  });
});
