// @anthropic-ai/sdk against /v1/messages in front of every provider family: create, stream (text, tools with
// input_json_delta, thinking with signatures), finalMessage equal to the JSON answer, a multi-turn tool loop with
// thinking kept (each fake checks what it received), and countTokens.
import Anthropic, { BadRequestError } from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATEWAY_THINKING_SIGNATURE } from '../../../../src/schemas/signed-thinking.js';
import { withoutId } from './sdk-stream.js';
import { ANTHROPIC_SIGNATURE, CALL, GEMINI_SIGNATURE, REASONING, TEXT, WEATHER_TOOL, startMessagesWorld, type AnswerKind, type MessagesWorld, type Target, WORLD_START_TIMEOUT_MS } from './sdk-harness.js';

let world: MessagesWorld;
beforeAll(async () => {
  world = await startMessagesWorld();
}, WORLD_START_TIMEOUT_MS);
afterAll(() => world?.close());

const QUESTION = 'Capital of France?';
type Params = Anthropic.MessageCreateParamsNonStreaming;

function params(target: Target, answer: AnswerKind): Params {
  const base: Params = { model: target.model, max_tokens: 512, messages: [{ role: 'user', content: QUESTION }] };
  if (answer.endsWith('tools')) base.tools = [WEATHER_TOOL];
  if (answer.startsWith('reasoning')) base.thinking = { type: 'enabled', budget_tokens: 2048 };
  return base;
}

/** The same scripted answer through create() and through stream(): every event parses, and both agree. */
async function bothWays(target: Target, answer: AnswerKind) {
  target.reply(answer, false);
  const json = await world.client.messages.create(params(target, answer));
  target.reply(answer, true);
  const stream = world.client.messages.stream(params(target, answer));
  const events: Anthropic.MessageStreamEvent[] = [];
  for await (const event of stream) events.push(event);
  const streamed = await stream.finalMessage();
  expect(sameToolIds(withoutId(streamed))).toEqual(sameToolIds(withoutId(json)));
  expect(events[0]?.type).toBe('message_start');
  expect(events.at(-1)?.type).toBe('message_stop');
  return { json, events, streamed };
}

/** Gemini has no call ids: the gateway mints one per answer, so two answers agree on everything but those. */
function sameToolIds<T extends { content: Anthropic.ContentBlock[] }>(message: T): T {
  return { ...message, content: message.content.map((b) => (b.type === 'tool_use' ? { ...b, id: b.id.startsWith('call_') ? 'call_(minted)' : b.id } : b)) };
}

/** A translated answer carries the renderer's `citations: null`; a relayed one is the upstream's block as it was. */
const textBlock = (t: Target, text = TEXT) => (t.passthrough ? { type: 'text', text } : { type: 'text', text, citations: null });

const deltaTypes = (events: Anthropic.MessageStreamEvent[]) => new Set(events.flatMap((e) => (e.type === 'content_block_delta' ? [e.delta.type] : [])));

describe.each(['mock', 'openai', 'gemini', 'anthropic'])('@anthropic-ai/sdk → /v1/messages → %s', (name) => {
  const target = () => world.targets.find((t) => t.name === name)!;

  it('create and stream a text answer', async () => {
    const t = target();
    const { json, events } = await bothWays(t, 'text');
    expect(json).toMatchObject({ type: 'message', role: 'assistant', stop_reason: 'end_turn', stop_sequence: null, usage: t.usage });
    // Relayed: the upstream's own model id, forwarded unchanged.
    expect(json.model).toBe(t.passthrough ? 'claude-sonnet-4-5-20250929' : t.model);
    expect(json.content).toEqual([textBlock(t, t.name === 'mock' ? QUESTION : TEXT)]);
    expect(deltaTypes(events)).toEqual(new Set(['text_delta']));
  });

  it('countTokens: the upstream count where the provider has one (Anthropic, Gemini), else an estimate marked as one', async () => {
    const t = target();
    const { data, response } = await world.client.messages
      .countTokens({ model: t.model, system: 'Be brief.', messages: [{ role: 'user', content: QUESTION }], tools: [WEATHER_TOOL] })
      .withResponse();
    if (t.name === 'anthropic') {
      expect([data.input_tokens, response.headers.get('x-gateway-token-count')]).toEqual([world.anthropic.inputTokens, 'upstream']);
      const sent = world.anthropic.requests.at(-1)!;
      expect(sent.url).toBe('/v1/messages/count_tokens');
      expect(sent.body).toEqual({ model: 'claude-sonnet-4-5', system: 'Be brief.', messages: [{ role: 'user', content: QUESTION }], tools: [WEATHER_TOOL] });
    } else if (t.name === 'gemini') {
      expect([data.input_tokens, response.headers.get('x-gateway-token-count')]).toEqual([1, 'upstream']);
      const sent = world.gemini.requests.at(-1)!;
      expect([sent.model, sent.action]).toEqual(['gemini-2.5-flash', 'countTokens']);
      expect(sent.body).toMatchObject({ generateContentRequest: { model: 'models/gemini-2.5-flash', contents: [{ role: 'user', parts: [{ text: QUESTION }] }], systemInstruction: { parts: [{ text: 'Be brief.' }] } } });
    } else {
      expect(data.input_tokens).toBeGreaterThan(20);
      expect(response.headers.get('x-gateway-token-count')).toBe('estimate');
    }
  });

  if (name === 'mock') {
    it('refuses tools in the Messages envelope: the mock cannot call them', async () => {
      const err = await world.client.messages.create(params(target(), 'tools')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BadRequestError);
      expect((err as InstanceType<typeof BadRequestError>).error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    });
    return;
  }

  it('streams a tool call as tool_use with input_json_delta', async () => {
    const { json, events } = await bothWays(target(), 'tools');
    expect(json.stop_reason).toBe('tool_use');
    expect(json.content).toMatchObject([{ type: 'tool_use', name: CALL.name, input: CALL.args }]);
    expect(deltaTypes(events).has('input_json_delta')).toBe(true);
  });

  it('streams reasoning as a signed thinking block before the answer', async () => {
    const t = target();
    const { json, events } = await bothWays(t, 'reasoning');
    expect(json.content).toEqual([{ type: 'thinking', thinking: REASONING, signature: t.passthrough ? ANTHROPIC_SIGNATURE : GATEWAY_THINKING_SIGNATURE }, textBlock(t)]);
    expect(deltaTypes(events)).toEqual(new Set(['thinking_delta', 'signature_delta', 'text_delta']));
  });

  it('a multi-turn tool loop keeps the tool result and the thinking of the turn', async () => {
    const t = target();
    const first = params(t, 'reasoning-tools');
    t.reply('reasoning-tools', true);
    const turn1 = await world.client.messages.stream(first).finalMessage();
    const call = turn1.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use')!;
    expect(turn1.content.map((b) => b.type)).toEqual(['thinking', 'tool_use']);

    t.reply('text', false);
    const before = t.bodies().length;
    const turn2 = await world.client.messages.create({
      ...first,
      messages: [...first.messages, { role: 'assistant', content: turn1.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: 'sunny, 21°C' }] }],
    });
    expect(turn2.content).toEqual([textBlock(t)]);
    const sent = t.bodies().slice(before);
    expect(sent).toHaveLength(1);
    expectToolLoop(t.name, sent[0], call.id);
    // A gateway-minted signature never reaches any upstream.
    expect(JSON.stringify(sent[0])).not.toContain(GATEWAY_THINKING_SIGNATURE);
  });

});

/** What each upstream must have received on the second turn of the loop. */
function expectToolLoop(name: string, body: unknown, callId: string): void {
  switch (name) {
    case 'openai':
      // gpt-4o-mini is not a reasoning model: the turn's reasoning is not sent back to it (OpenAI rejects the field).
      expect((body as { messages: unknown[] }).messages).toEqual([
        { role: 'user', content: QUESTION },
        { role: 'assistant', content: null, tool_calls: [{ id: callId, type: 'function', function: { name: CALL.name, arguments: JSON.stringify(CALL.args) } }] },
        { role: 'tool', tool_call_id: callId, content: 'sunny, 21°C' },
      ]);
      return;
    case 'gemini':
      // The tool_use id carried Gemini's thought signature through the Anthropic client and back.
      expect((body as { contents: unknown[] }).contents).toEqual([
        { role: 'user', parts: [{ text: QUESTION }] },
        { role: 'model', parts: [{ functionCall: { name: CALL.name, args: CALL.args }, thoughtSignature: GEMINI_SIGNATURE }] },
        { role: 'user', parts: [{ functionResponse: { name: CALL.name, response: { content: 'sunny, 21°C' } } }] },
      ]);
      return;
    case 'anthropic':
      // Relayed as sent: the signed thinking block goes back with its signature, ahead of the tool_use.
      expect((body as { messages: unknown[] }).messages).toEqual([
        { role: 'user', content: QUESTION },
        { role: 'assistant', content: [{ type: 'thinking', thinking: REASONING, signature: ANTHROPIC_SIGNATURE }, { type: 'tool_use', id: callId, name: CALL.name, input: CALL.args }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: callId, content: 'sunny, 21°C' }] },
      ]);
      return;
    default:
      throw new Error(`no tool loop expectation for ${name}`);
  }
}
