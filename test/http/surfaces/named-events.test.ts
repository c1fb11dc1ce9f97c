// A new dialect is a Surface and nothing else: a surface whose stream is named events (`event:` lines, several
// frames per chunk, its own terminator) and whose errors have another envelope runs on the same pipeline and SSE
// writer, untouched.
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invalidRequest } from '../../../src/errors.js';
import { errorHandlerFor } from '../../../src/http/errors.js';
import { serveChat } from '../../../src/http/surfaces/serve.js';
import type { Surface } from '../../../src/http/surfaces/surface.js';
import { createPipeline } from '../../../src/pipeline/index.js';
import { sseEvent } from '../../../src/upstream/sse.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';

const namedEvents: Surface = {
  name: 'named-events',
  parse: (body) => {
    const { text, stream } = body as { text?: string; stream?: boolean };
    if (typeof text !== 'string') throw invalidRequest("'text' is required", 'text');
    return { chat: { model: 'mock/echo', messages: [{ role: 'user', content: text }] }, stream: stream === true, includeUsage: false };
  },
  renderJson: (completion, context) => ({ type: 'message', model: context.model, text: completion.choices[0]?.message.content }),
  openStream: (context) => ({
    start: () => sseEvent('message_start', JSON.stringify({ model: context.model })),
    chunk: (event) => {
      const text = event.chunk.choices[0]?.delta.content;
      return text ? sseEvent('delta', JSON.stringify({ text })) + sseEvent('ping', '{}') : '';
    },
    end: () => sseEvent('message_stop', '{}'),
    error: (err, redact) => sseEvent('error', JSON.stringify({ type: 'error', message: redact(err.message) })),
  }),
  renderError: (err, redact) => ({ status: err.status, body: { type: 'error', error: { type: err.type, message: redact(err.message) } } }),
};

let gateway: TestGateway;
const app = Fastify();
beforeAll(async () => {
  gateway = await startGateway({ env: { MOCK_MODE: 'true', MOCK_DELAY_MS: '1' } });
  const pipeline = createPipeline(gateway.services);
  app.setErrorHandler(errorHandlerFor(namedEvents.renderError, gateway.services.redact));
  app.post('/named', (req, reply) => serveChat(pipeline, namedEvents, '/named', req, reply));
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await gateway?.close();
});

describe('a surface with named events', () => {
  it('streams its own frames, several per chunk, and its own end', async () => {
    const res = await app.inject({ method: 'POST', url: '/named', payload: { text: 'one two', stream: true } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/event-stream');
    expect(res.headers['x-gateway-model']).toBe('mock/echo');
    const frames = res.body.split('\n\n').filter(Boolean);
    expect(frames[0]).toBe('event: message_start\ndata: {"model":"mock/echo"}');
    expect(frames.filter((f) => f.startsWith('event: delta\n')).map((f) => (JSON.parse(f.split('data: ')[1]!) as { text: string }).text).join('')).toBe('one two');
    expect(frames.filter((f) => f.startsWith('event: ping\n')).length).toBe(frames.filter((f) => f.startsWith('event: delta\n')).length);
    expect(frames.at(-1)).toBe('event: message_stop\ndata: {}');
    expect(res.body).not.toContain('[DONE]');
  });

  it('answers JSON and errors in its own shapes', async () => {
    expect((await app.inject({ method: 'POST', url: '/named', payload: { text: 'hi' } })).json()).toEqual({ type: 'message', model: 'mock/echo', text: 'hi' });
    const failed = await app.inject({ method: 'POST', url: '/named', payload: {} });
    expect(failed.statusCode).toBe(400);
    expect(failed.json()).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: "'text' is required" } });
  });
});
