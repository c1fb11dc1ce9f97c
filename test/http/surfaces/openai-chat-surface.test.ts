// The OpenAI Chat and simple surfaces on their own: parsing (400 with `param`), JSON and SSE frames, and error
// envelopes redacted field by field (an upstream may echo a provider key in message, code or param).
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/errors.js';
import { openAIChatSurface } from '../../../src/http/surfaces/openai-chat/surface.js';
import { simpleSurface } from '../../../src/http/surfaces/simple/surface.js';
import { makeCompletion } from '../../../src/providers/chunks.js';
import type { ChatStreamEvent } from '../../../src/providers/provider.js';

const SECRET = 'sk-upstream-secret-0123456789';
const redact = (text: string) => text.replaceAll(SECRET, '[REDACTED]');
const context = { requestId: 'req-9', createdAt: 1, model: 'mock/echo', provider: 'mock', extras: { sessionId: 's-1' } };
const delta = (content: string): ChatStreamEvent => ({ chunk: { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }] } });

describe('openai-chat surface', () => {
  it('parses the request, with stream, usage and session id', () => {
    const parsed = openAIChatSurface.parse({ model: 'm', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] }, { 'x-session-id': 's-7' });
    expect(parsed).toMatchObject({ stream: true, includeUsage: true, sessionId: 's-7', chat: { model: 'm' } });
  });

  it('refuses a bad body with a 400 naming the field', () => {
    expect(() => openAIChatSurface.parse({ model: 'm', messages: [{ role: 'user', content: 'x' }], temperature: 9 }, {})).toThrow(expect.objectContaining({ status: 400, param: 'temperature' }));
    expect(() => openAIChatSurface.parse([], {})).toThrow(expect.objectContaining({ status: 400, code: 'invalid_body' }));
  });

  it('frames each chunk as one data line (the upstream bytes when it has them) and ends with [DONE]', () => {
    const stream = openAIChatSurface.openStream(context);
    expect(stream.start()).toBe('');
    expect(stream.chunk({ ...delta('a'), raw: '{"raw":true}' })).toBe('data: {"raw":true}\n\n');
    expect(stream.chunk(delta('b'))).toMatch(/^data: \{"id":"c".*"content":"b"/);
    expect(stream.end()).toBe('data: [DONE]\n\n');
  });

  it('redacts every field of an error, in JSON and in the stream', () => {
    const err = new GatewayError({ status: 429, message: `bad key ${SECRET}`, code: `code-${SECRET}`, param: `param-${SECRET}` });
    const rendered = openAIChatSurface.renderError(err, redact);
    expect(JSON.stringify(rendered.body)).not.toContain(SECRET);
    expect(rendered).toMatchObject({ status: 429, headers: { 'retry-after': '1' }, body: { error: { message: 'bad key [REDACTED]', code: 'code-[REDACTED]', param: 'param-[REDACTED]', type: 'rate_limit_error' } } });
    const event = openAIChatSurface.openStream(context).error(err, redact);
    expect(event).toMatch(/^data: \{"error":/);
    expect(event).not.toContain(SECRET);
  });
});

describe('simple surface', () => {
  const surface = simpleSurface(() => 'mock/echo', true);

  it('turns a question into the chat model, with the default model when none is named', () => {
    expect(surface.parse({ question: 'why?' }, {})).toMatchObject({ stream: true, includeUsage: false, chat: { model: 'mock/echo', messages: [{ role: 'user', content: 'why?' }] } });
    expect(() => surface.parse({ question: '' }, {})).toThrow(expect.objectContaining({ status: 400, param: 'question' }));
  });

  it('answers JSON with the route it took and streams a preamble, content events and [DONE]', () => {
    const answer = surface.renderJson(makeCompletion('m', { role: 'assistant', content: '42' }, 'stop', undefined), context);
    expect(answer).toEqual({ answer: '42', model: 'mock/echo', provider: 'mock', request_id: 'req-9', session_id: 's-1' });
    const stream = surface.openStream(context);
    expect(stream.start()).toBe('data: {"request_id":"req-9","model":"mock/echo","provider":"mock"}\n\n');
    expect(stream.chunk(delta('x'))).toBe('data: {"content":"x"}\n\n');
    expect(stream.chunk(delta(''))).toBe('');
    expect(stream.end()).toBe('data: [DONE]\n\n');
  });
});
