// The Responses stream renderer as a pure state machine: chat chunks in, typed SSE events out, each event valid
// against OpenAI's ResponseStreamEvent, sequence numbers dense, item ids and indexes consistent.
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../../src/errors.js';
import { ChunkFactory } from '../../../../src/providers/chunks.js';
import type { ChatStreamEvent } from '../../../../src/providers/provider.js';
import { makeUsage } from '../../../../src/schemas/chat-response.js';
import { responsesSurface } from '../../../../src/http/surfaces/openai-responses/surface.js';
import { expectSchema, parseEventStream } from '../../../helpers/openai-schema.js';

type Json = Record<string, unknown>;

function render(body: Json, events: ChatStreamEvent[], failure?: GatewayError): Json[] {
  const parsed = responsesSurface.parse({ model: 'mock/echo', stream: true, ...body }, {});
  const renderer = responsesSurface.openStream({ requestId: 'req-1', createdAt: 1_700_000_000, model: 'mock/echo', extras: parsed.extras });
  let text = renderer.start();
  for (const event of events) text += renderer.chunk(event);
  text += failure ? renderer.error(failure, (s) => s.replaceAll('sk-secret-123', '[REDACTED]')) : renderer.end();
  const out = parseEventStream(text);
  for (const event of out) expectSchema('ResponseStreamEvent', event);
  expect(out.map((e) => e.sequence_number)).toEqual(out.map((_, i) => i));
  return out;
}

const f = new ChunkFactory('mock/echo');
const types = (events: Json[]) => events.map((e) => e.type);
const last = (events: Json[]) => events.at(-1) as { type: string; response: Json & { output: Json[]; usage: Json | null; error: Json | null } };

describe('stream renderer', () => {
  it('text: created, in_progress, one message with its part, deltas, done events, completed with usage', () => {
    const events = render({ input: 'hi', instructions: 'be brief' }, [
      f.delta({ role: 'assistant', content: '' }),
      f.delta({ content: 'Hel' }),
      f.delta({ content: 'lo "you"' }),
      f.finish('stop'),
      f.usage(makeUsage(5, 3, { cached: 2 })),
    ]);
    expect(types(events)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const created = events[0] as { response: Json };
    expect(created.response).not.toHaveProperty("usage");
    expect(created.response).toMatchObject({ status: "in_progress", output: [], instructions: 'be brief', model: 'mock/echo' });
    const id = (events[2] as { item: Json }).item.id as string;
    expect(id).toMatch(/^msg_/);
    expect(events[4]).toMatchObject({ item_id: id, output_index: 0, content_index: 0, delta: 'Hel' });
    expect(events[6]).toMatchObject({ text: 'Hello "you"' });
    const done = last(events);
    expect(done.response.status).toBe('completed');
    expect(done.response.id).toBe((created.response as Json).id);
    expect(done.response.output).toEqual([{ id, type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Hello "you"', annotations: [], logprobs: [] }] }]);
    expect(done.response.usage).toEqual({
      input_tokens: 5,
      input_tokens_details: { cached_tokens: 2, cache_write_tokens: 0 },
      output_tokens: 3,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 8,
    });
  });

  it('reasoning then text then two tool calls: one item each, in output order', () => {
    const events = render({ input: 'weather?', tools: [{ type: 'function', name: 'get_weather', parameters: { type: 'object' } }] }, [
      f.delta({ role: 'assistant', reasoning_content: 'Think' }),
      f.delta({ reasoning_content: 'ing.' }),
      f.delta({ content: 'Checking.' }),
      f.delta({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
      f.delta({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
      f.delta({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
      f.delta({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } }] }),
      f.finish('tool_calls'),
      f.usage(makeUsage(9, 4, { reasoning: 2 })),
    ]);
    expect(types(events).slice(2)).toEqual([
      'response.output_item.added',
      'response.reasoning_summary_part.added',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done',
      'response.reasoning_summary_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.delta',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const output = last(events).response.output;
    expect(output.map((i) => i.type)).toEqual(['reasoning', 'message', 'function_call', 'function_call']);
    expect(output[0]).toMatchObject({ summary: [{ type: 'summary_text', text: 'Thinking.' }] });
    expect(output[2]).toMatchObject({ call_id: 'call_a', name: 'get_weather', arguments: '{"city":"Paris"}', status: 'completed' });
    expect(output[3]).toMatchObject({ call_id: 'call_b', arguments: '{"city":"Rome"}' });
    expect(new Set(output.map((i) => i.id)).size).toBe(4);
    expect(last(events).response.usage).toMatchObject({ output_tokens_details: { reasoning_tokens: 2 } });
  });

  it('a length cut ends with response.incomplete (max_output_tokens) and incomplete items', () => {
    const events = render({ input: 'long', max_output_tokens: 2 }, [f.delta({ content: 'One two' }), f.finish('length'), f.usage(makeUsage(1, 2))]);
    const end = last(events);
    expect(end.type).toBe('response.incomplete');
    expect(end.response).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, max_output_tokens: 2 });
    expect(end.response.output[0]).toMatchObject({ status: 'incomplete' });
  });

  it('an empty answer still has one (empty) message, as the JSON form does', () => {
    const events = render({ input: 'x' }, [f.finish('stop')]);
    expect(last(events).response.output).toMatchObject([{ type: 'message', content: [{ text: '' }] }]);
  });

  it('a failure after the first byte ends on response.failed with the partial output, redacted, and no completed', () => {
    const failure = new GatewayError({ status: 502, message: 'upstream reset; key sk-secret-123', code: 'upstream_error' });
    const events = render({ input: 'x' }, [f.delta({ content: 'partial' })], failure);
    const end = last(events);
    expect(end.type).toBe('response.failed');
    expect(end.response).toMatchObject({ status: 'failed', error: { code: 'server_error', message: 'upstream reset; key [REDACTED]' } });
    expect(end.response.output).toMatchObject([{ status: 'incomplete', content: [{ text: 'partial' }] }]);
    expect(types(events)).not.toContain('response.completed');
    expect(JSON.stringify(events)).not.toContain('sk-secret-123');
  });

  it('a rate limit mid-stream is reported as rate_limit_exceeded', () => {
    const events = render({ input: 'x' }, [f.delta({ tool_calls: [{ index: 0, id: 'c', function: { name: 'f', arguments: '{' } }] })], new GatewayError({ status: 429, message: 'slow down' }));
    expect(last(events).response).toMatchObject({ error: { code: 'rate_limit_exceeded' }, output: [{ type: 'function_call', status: 'incomplete', arguments: '{' }] });
  });
});
