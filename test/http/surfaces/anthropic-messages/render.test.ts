// ChatCompletion → Message JSON and internal chunks → Messages SSE events, checked with the SDK's own types (at
// compile time), its SSE decoder and its MessageStream, on recorded upstream streams and hand-made ones.
import { readFileSync } from 'node:fs';
import type Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../../src/errors.js';
import { anthropicMessagesSurface as surface } from '../../../../src/http/surfaces/anthropic-messages/index.js';
import { renderMessage } from '../../../../src/http/surfaces/anthropic-messages/render-json.js';
import { GATEWAY_THINKING_SIGNATURE } from '../../../../src/schemas/signed-thinking.js';
import type { RenderContext } from '../../../../src/http/surfaces/surface.js';
import { ChunkFactory, makeCompletion } from '../../../../src/providers/chunks.js';
import type { ChatStreamEvent } from '../../../../src/providers/provider.js';
import { chatCompletionChunkSchema, makeUsage, type ChatCompletion } from '../../../../src/schemas/chat-response.js';
import { SseParser, type SseEvent } from '../../../../src/upstream/sse.js';
import { sdkEvents, sdkFinalMessage, withoutId } from './sdk-stream.js';

const SHARED = new URL('../../../../../shared/reference/fixtures/', import.meta.url);
const context: RenderContext = { requestId: 'req-1', createdAt: 1, model: 'openai/gpt-4o-mini' };
const redact = (text: string) => text.replaceAll('sk-secret', '[REDACTED]');

/** A recorded OpenAI-wire stream → the internal events an adapter hands the surface. */
function recordedChunks(file: string): ChatStreamEvent[] {
  const events: SseEvent[] = [];
  const parser = new SseParser();
  parser.push(readFileSync(new URL(file, SHARED), 'utf8'), events);
  parser.end(events);
  return events.filter((e) => e.data !== '[DONE]').map((e) => ({ chunk: chatCompletionChunkSchema.parse(JSON.parse(e.data)) }));
}

function render(events: ChatStreamEvent[]): string {
  const renderer = surface.openStream(context);
  return renderer.start() + events.map((e) => renderer.chunk(e)).join('') + renderer.end();
}

/** What the stream should assemble to: the same answer as one completion, rendered through the JSON path. */
function asJson(completion: ChatCompletion): Anthropic.Message {
  // Compile-time proof that the rendered JSON is the SDK's Message type; at run time, that the surface uses it.
  const message: Anthropic.Message = renderMessage(completion, context);
  expect(surface.renderJson(completion, context)).toEqual(message);
  return message;
}

describe('renderJson', () => {
  it('renders thinking, text and tool_use blocks with stop reason and usage', () => {
    const completion = makeCompletion(
      'gpt-4o-mini',
      {
        role: 'assistant',
        content: 'Checking.',
        reasoning_content: 'Need the weather.',
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }],
      },
      'tool_calls',
      makeUsage(11, 7, { cached: 4, reasoning: 3 }),
    );
    expect(asJson(completion)).toEqual({
      id: 'msg_req1',
      type: 'message',
      role: 'assistant',
      model: 'openai/gpt-4o-mini',
      content: [
        { type: 'thinking', thinking: 'Need the weather.', signature: GATEWAY_THINKING_SIGNATURE },
        { type: 'text', text: 'Checking.', citations: null },
        { type: 'tool_use', id: 'call_1', name: 'weather', input: { city: 'Paris' }, caller: { type: 'direct' } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      stop_details: null,
      container: null,
      diagnostics: null,
      usage: {
        input_tokens: 7,
        output_tokens: 7,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 4,
        cache_creation: null,
        output_tokens_details: { thinking_tokens: 3 },
        server_tool_use: null,
        service_tier: null,
        inference_geo: null,
        speed: null,
      },
    });
  });

  it('maps every finish reason', () => {
    const stop = (finish: string) => asJson({ ...makeCompletion('m', { role: 'assistant', content: 'x' }, 'stop', undefined), choices: [{ index: 0, message: { role: 'assistant', content: 'x' }, finish_reason: finish }] }).stop_reason;
    expect(['stop', 'length', 'tool_calls', 'content_filter'].map(stop)).toEqual(['end_turn', 'max_tokens', 'tool_use', 'refusal']);
  });
});

describe('openStream', () => {
  it('a recorded OpenAI tool-call stream → tool_use with input_json_delta, assembled like the JSON answer', async () => {
    const chunks = recordedChunks('openai-stream-tools-usage.sse');
    const events = await sdkEvents(render(chunks));
    expect(events.map((e) => e.type)).toEqual([
      'message_start',
      'content_block_start',
      ...Array(events.length - 5).fill('content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(events.some((e) => e.type === 'content_block_delta' && e.delta.type === 'input_json_delta')).toBe(true);
    const message = await sdkFinalMessage(events);
    const call = message.content[0] as Anthropic.ToolUseBlock;
    expect([call.type, call.name, call.input]).toEqual(['tool_use', 'get_capital', { country: 'UK' }]);
    expect(message.stop_reason).toBe('tool_use');
    expect(message.usage.output_tokens).toBeGreaterThan(0);
    const json = asJson(makeCompletion('m', { role: 'assistant', content: null, tool_calls: [{ id: call.id, type: 'function', function: { name: 'get_capital', arguments: '{"country":"UK"}' } }] }, 'tool_calls', chunks.at(-1)!.chunk.usage!));
    expect(withoutId(message)).toEqual(withoutId(json));
  });

  it('a recorded DeepSeek reasoner stream → a signed thinking block, then text', async () => {
    const events = await sdkEvents(render(recordedChunks('deepseek-stream-reasoner.sse')));
    const kinds = events.filter((e) => e.type === 'content_block_start').map((e) => e.content_block.type);
    expect(kinds).toEqual(['thinking', 'text']);
    const signature = events.find((e) => e.type === 'content_block_delta' && e.delta.type === 'signature_delta');
    expect(signature).toMatchObject({ index: 0, delta: { signature: GATEWAY_THINKING_SIGNATURE } });
    const message = await sdkFinalMessage(events);
    expect((message.content[0] as Anthropic.ThinkingBlock).thinking.length).toBeGreaterThan(10);
    expect((message.content[1] as Anthropic.TextBlock).text.length).toBeGreaterThan(0);
    expect(message.stop_reason).toBe('end_turn');
  });

  it('interleaved kinds open and close blocks in order; cumulative usage lands in message_delta', async () => {
    const f = new ChunkFactory('m');
    const chunks = [
      f.delta({ role: 'assistant', content: '' }),
      f.delta({ reasoning_content: 'hmm' }),
      f.delta({ content: 'Two calls.' }),
      f.delta({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'a', arguments: '{"x":' } }] }),
      f.delta({ tool_calls: [{ index: 0, function: { arguments: '1}' } }] }),
      f.delta({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'b', arguments: '' } }] }),
      f.finish('tool_calls'),
      f.usage(makeUsage(20, 9, { cached: 5 })),
    ];
    const sse = render(chunks);
    expect(sse.startsWith('event: message_start\ndata: ')).toBe(true);
    const events = await sdkEvents(sse);
    const starts = events.filter((e) => e.type === 'content_block_start').map((e) => [e.index, e.content_block.type]);
    expect(starts).toEqual([[0, 'thinking'], [1, 'text'], [2, 'tool_use'], [3, 'tool_use']]);
    const stops = events.filter((e) => e.type === 'content_block_stop').map((e) => e.index);
    expect(stops).toEqual([0, 1, 2, 3]);
    expect(events.find((e) => e.type === 'message_delta')).toMatchObject({
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: { input_tokens: 15, output_tokens: 9, cache_read_input_tokens: 5, cache_creation_input_tokens: 0 },
    });
    const message = await sdkFinalMessage(events);
    const json = asJson(
      makeCompletion(
        'm',
        {
          role: 'assistant',
          content: 'Two calls.',
          reasoning_content: 'hmm',
          tool_calls: [
            { id: 'call_a', type: 'function', function: { name: 'a', arguments: '{"x":1}' } },
            { id: 'call_b', type: 'function', function: { name: 'b', arguments: '' } },
          ],
        },
        'tool_calls',
        makeUsage(20, 9, { cached: 5 }),
      ),
    );
    expect(withoutId(message)).toEqual(withoutId(json));
  });

  it('an error after the first byte is an `event: error` the SDK throws, with no message_stop', async () => {
    const renderer = surface.openStream(context);
    const f = new ChunkFactory('m');
    const err = new GatewayError({ status: 502, message: 'upstream said sk-secret is overloaded', code: 'upstream_overloaded' });
    const sse = renderer.start() + renderer.chunk(f.delta({ content: 'par' })) + renderer.error(err, redact);
    expect(sse).not.toContain('message_stop');
    expect(sse).not.toContain('sk-secret');
    expect(sse.endsWith('event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"upstream said [REDACTED] is overloaded"}}\n\n')).toBe(true);
    const thrown = await sdkEvents(sse).catch((e: unknown) => e);
    expect(thrown).toMatchObject({ type: 'overloaded_error' });
  });
});

describe('renderError', () => {
  const cases: Array<[GatewayError, number, string]> = [
    [new GatewayError({ status: 400, message: 'bad', param: 'max_tokens' }), 400, 'invalid_request_error'],
    [new GatewayError({ status: 401, message: 'no key', code: 'invalid_api_key' }), 401, 'authentication_error'],
    [new GatewayError({ status: 403, message: 'no', code: 'model_not_allowed' }), 403, 'permission_error'],
    [new GatewayError({ status: 404, message: 'no model', code: 'model_not_found' }), 404, 'not_found_error'],
    [new GatewayError({ status: 413, message: 'big', code: 'request_too_large' }), 413, 'request_too_large'],
    [new GatewayError({ status: 429, message: 'slow down', retryAfter: 7.2 }), 429, 'rate_limit_error'],
    [new GatewayError({ status: 500, message: 'bug' }), 500, 'api_error'],
    [new GatewayError({ status: 502, message: 'upstream 500' }), 502, 'api_error'],
    [new GatewayError({ status: 502, message: 'upstream 529', code: 'upstream_overloaded' }), 529, 'overloaded_error'],
    [new GatewayError({ status: 503, message: 'all circuits open', retryAfter: 30 }), 529, 'overloaded_error'],
    [new GatewayError({ status: 504, message: 'slow upstream' }), 504, 'timeout_error'],
  ];
  it.each(cases)('%s → %i %s', (err, status, type) => {
    const rendered = surface.renderError(err, redact);
    expect(rendered.status).toBe(status);
    expect(rendered.body).toMatchObject({ type: 'error', error: { type } });
  });

  it('sends retry-after, redacts the message and names the Anthropic key header on 401', () => {
    expect(surface.renderError(new GatewayError({ status: 429, message: 'x', retryAfter: 7.2 }), redact).headers).toEqual({ 'retry-after': '8' });
    expect(surface.renderError(new GatewayError({ status: 503, message: 'x' }), redact).headers).toEqual({ 'retry-after': '1' });
    expect(surface.renderError(new GatewayError({ status: 400, message: 'key sk-secret leaked' }), redact).body).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: 'key [REDACTED] leaked' } });
    expect(JSON.stringify(surface.renderError(new GatewayError({ status: 401, message: 'x', code: 'invalid_api_key' }), redact).body)).toContain('x-api-key');
  });
});
