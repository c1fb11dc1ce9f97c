// /v1/messages over a translated (OpenAI-wire) target, the details a client reads: stop_sequence and the matched
// sequence (on evidence only), message_start's input_tokens (count_tokens' estimate until the provider counts), and
// count_tokens through the router's retries like any other upstream call. The SDK's MessageStream is the client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimateInputTokens } from '../../../../src/http/surfaces/anthropic-messages/count-tokens.js';
import { countTokensRequestSchema } from '../../../../src/http/surfaces/anthropic-messages/wire.js';
import { chunkBody, completionBody, usageChunkBody } from '../../../fakes/openai-upstream.js';
import { startMessagesWorld, WORLD_START_TIMEOUT_MS, type MessagesWorld } from './sdk-harness.js';

let world: MessagesWorld;
beforeAll(async () => {
  world = await startMessagesWorld({ retries: 1 });
}, WORLD_START_TIMEOUT_MS);
afterAll(() => world?.close());

const MODEL = 'openai/gpt-4o-mini';
const USAGE = { prompt_tokens: 30, completion_tokens: 5, total_tokens: 35 };
const params = (extra: Record<string, unknown> = {}) => ({ model: MODEL, max_tokens: 64, messages: [{ role: 'user' as const, content: 'List three cities, then say ###' }], ...extra });

/** The fake's next answer streamed as OpenAI does: `text` in two pieces, finish `stop`, usage last. */
function streamReply(text: string, finishExtra: Record<string, unknown> = {}) {
  const finish = chunkBody({}, { finishReason: 'stop' });
  Object.assign((finish.choices as Array<Record<string, unknown>>)[0]!, finishExtra);
  world.openai.enqueue({ sse: [chunkBody({ role: 'assistant', content: '' }), chunkBody({ content: text.slice(0, 4) }), chunkBody({ content: text.slice(4) }), finish, usageChunkBody(USAGE)] });
}

describe('stop_sequence over an OpenAI-wire target', () => {
  it('messages.stream().finalMessage(): stop_sequence and its value when the text ends with one of the sequences', async () => {
    streamReply('Paris, Lyon, Nice. ###');
    const stream = world.client.messages.stream(params({ stop_sequences: ['END', '###'] }));
    const final = await stream.finalMessage();
    expect(final).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: '###', content: [{ type: 'text', text: 'Paris, Lyon, Nice. ###' }] });
    // The request's sequences reached the provider as `stop`.
    expect(world.openai.requests.at(-1)?.body).toMatchObject({ stop: ['END', '###'] });
  });

  it('JSON: the same rule; a text that does not end with one is end_turn, stop_sequence null', async () => {
    world.openai.enqueue({ json: completionBody({ content: 'Paris END', usage: USAGE }) });
    expect(await world.client.messages.create(params({ stop_sequences: ['END'] }))).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: 'END' });
    world.openai.enqueue({ json: completionBody({ content: 'Paris', usage: USAGE }) });
    expect(await world.client.messages.create(params({ stop_sequences: ['END'] }))).toMatchObject({ stop_reason: 'end_turn', stop_sequence: null });
    // No sequences asked: a text that happens to end like one is not a stop on it.
    world.openai.enqueue({ json: completionBody({ content: 'Paris END', usage: USAGE }) });
    expect(await world.client.messages.create(params())).toMatchObject({ stop_reason: 'end_turn', stop_sequence: null });
  });

  it('a provider that names the match (vLLM puts the string in stop_reason) is believed', async () => {
    streamReply('Paris, Lyon', { stop_reason: '###' });
    const final = await world.client.messages.stream(params({ stop_sequences: ['###'] })).finalMessage();
    expect(final).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: '###' });
  });
});

describe('input_tokens', () => {
  it('message_start carries the count_tokens estimate; the final usage is the provider count', async () => {
    streamReply('Paris, Lyon, Nice.');
    const stream = world.client.messages.stream(params());
    let started: number | undefined;
    stream.on('streamEvent', (event) => {
      if (event.type === 'message_start') started = event.message.usage.input_tokens;
    });
    const final = await stream.finalMessage();
    const estimate = estimateInputTokens(countTokensRequestSchema.parse(params()));
    expect(estimate).toBeGreaterThan(0);
    expect(started).toBe(estimate);
    expect(final.usage.input_tokens).toBe(30);
  });

  it('JSON without usage from the provider: the estimate, not 0', async () => {
    world.openai.enqueue({ json: completionBody({ content: 'Paris', usage: null }) });
    const message = await world.client.messages.create(params());
    expect(message.usage.input_tokens).toBe(estimateInputTokens(countTokensRequestSchema.parse(params())));
  });
});

describe('count_tokens through the router', () => {
  it('an overloaded Anthropic count is retried, then answered as the upstream count', async () => {
    world.anthropic.countFailures = 1;
    const before = world.anthropic.requests.filter((r) => r.url.startsWith('/v1/messages/count_tokens')).length;
    const { data, response } = await world.client.messages.countTokens({ model: 'anthropic/claude-sonnet-4-5', messages: [{ role: 'user', content: 'Hi' }] }).withResponse();
    expect(data.input_tokens).toBe(world.anthropic.inputTokens);
    expect(response.headers.get('x-gateway-token-count')).toBe('upstream');
    expect(world.anthropic.requests.filter((r) => r.url.startsWith('/v1/messages/count_tokens')).length - before).toBe(2);
  });
});
