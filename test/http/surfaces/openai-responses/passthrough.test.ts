// The native pass-through: /v1/responses to OpenAI itself forwards the client's body (model rewritten) and hands
// back the upstream's bytes unchanged, JSON and SSE; built-in tools work there; usage reaches the log.
import { eq } from 'drizzle-orm';
import OpenAI from 'openai';
import { requestLogs } from '../../../../src/request-log/schema.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeUpstream } from '../../../fakes/openai-upstream.js';
import { startGateway, type TestGateway } from '../../../helpers/gateway.js';
import { echoOf, responseObject } from '../../../../src/http/surfaces/openai-responses/response-object.js';
import type { ResponsesRequest } from '../../../../src/http/surfaces/openai-responses/request-schema.js';
import { GATEWAY_KEY, START_TIMEOUT_MS, UPSTREAM_KEY } from './harness.js';
import { expectSchema, parseEventStream } from '../../../helpers/openai-schema.js';

const RESPONSE = {
  id: 'resp_upstream_1',
  object: 'response',
  created_at: 1764600000,
  status: 'completed',
  model: 'gpt-4.1-2025-04-14',
  output: [
    { id: 'ws_1', type: 'web_search_call', status: 'completed', action: { type: 'search', query: 'weather' } },
    { id: 'msg_1', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Sunny.', annotations: [] }] },
  ],
  usage: { input_tokens: 31, output_tokens: 4, total_tokens: 35, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } },
};

/** Twenty frames as OpenAI frames them (event line, data line), with odd spacing a re-serialiser would lose. */
function streamFrames(): string[] {
  const frames = [`event: response.created\ndata: {"type":"response.created","sequence_number":0,"response":{"id":"resp_upstream_2","object":"response","status":"in_progress","output":[]}}\n\n`];
  for (let i = 1; i <= 18; i++) frames.push(`event: response.output_text.delta\ndata: {"type":"response.output_text.delta", "sequence_number":${i},"item_id":"msg_2","output_index":0,"content_index":0,"delta":"w${i} "}\n\n`);
  frames.push(`event: response.completed\ndata: ${JSON.stringify({ type: 'response.completed', sequence_number: 19, response: { ...RESPONSE, id: 'resp_upstream_2' } })}\n\n`);
  return frames;
}

/** A stream as OpenAI starts it (a whole in-progress Response in response.created), then `deltas` text deltas. */
function startedFrames(deltas: number): string[] {
  const response = responseObject({ hex: 'upstream3', createdAt: 1764600000, model: 'gpt-4.1', status: 'in_progress', output: [], usage: undefined }, echoOf({ model: 'gpt-4.1' } as ResponsesRequest));
  const frames = [`event: response.created\ndata: ${JSON.stringify({ type: 'response.created', response, sequence_number: 0 })}\n\n`];
  for (let i = 1; i <= deltas; i++) frames.push(`event: response.output_text.delta\ndata: {"type":"response.output_text.delta","sequence_number":${i},"item_id":"msg_3","output_index":0,"content_index":0,"delta":"w${i} ","logprobs":[]}\n\n`);
  return frames;
}

describe('Responses pass-through to OpenAI', () => {
  let fake: FakeUpstream;
  let gateway: TestGateway;

  beforeAll(async () => {
    fake = await startFakeOpenAI({ models: ['gpt-4.1'], apiKey: UPSTREAM_KEY });
    gateway = await startGateway({ env: { OPENAI_API_KEY: UPSTREAM_KEY, OPENAI_BASE_URL: fake.baseUrl, GATEWAY_API_KEYS: GATEWAY_KEY }, configure: (c) => void (c.routing.retries = 0) });
  }, START_TIMEOUT_MS);
  afterAll(async () => (await gateway.close(), await fake.close()));

  const post = (body: Record<string, unknown>) =>
    fetch(`${gateway.baseURL}/responses`, { method: 'POST', headers: { authorization: `Bearer ${GATEWAY_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('JSON: the body forwarded as sent but the model, the answer byte for byte, usage logged', async () => {
    const sent = JSON.stringify(RESPONSE, null, 1);
    fake.enqueue({ body: sent, contentType: 'application/json' }, { path: '/responses' });
    const body = { model: 'openai/gpt-4.1', input: 'Weather in Paris?', tools: [{ type: 'web_search' }], include: ['web_search_call.action.sources'] };
    const res = await post(body);
    const text = await res.text();
    expect(res.status, text).toBe(200);
    expect(text).toBe(sent);
    expect(res.headers.get('x-gateway-provider')).toBe('openai');
    expect(fake.requests.at(-1)).toMatchObject({ path: '/v1/responses', body: { ...body, model: 'gpt-4.1' } });
    await gateway.services.logWriter.flush(true);
    const rows = await gateway.services.logStore.database.db.select().from(requestLogs).where(eq(requestLogs.endpoint, '/v1/responses'));
    expect(rows.at(-1)).toMatchObject({ provider: 'openai', model: 'gpt-4.1', status: 200, promptTokens: 31, completionTokens: 4 });
  });

  it('SSE: twenty frames reach the client exactly as the upstream wrote them', async () => {
    const frames = streamFrames();
    fake.enqueue({ body: frames, contentType: 'text/event-stream' }, { path: '/responses' });
    const res = await post({ model: 'openai/gpt-4.1', input: 'Count.', stream: true });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    expect(await res.text()).toBe(frames.join(''));
    expect((fake.requests.at(-1)?.body as { stream?: boolean }).stream).toBe(true);
  });

  it('the openai client reads a passed-through stream, and upstream errors keep their status', async () => {
    const client = new OpenAI({ apiKey: GATEWAY_KEY, baseURL: gateway.baseURL, maxRetries: 0 });
    fake.enqueue({ body: streamFrames(), contentType: 'text/event-stream' }, { path: '/responses' });
    let text = '';
    for await (const event of await client.responses.create({ model: 'openai/gpt-4.1', input: 'Count.', stream: true })) if (event.type === 'response.output_text.delta') text += event.delta;
    expect(text.trim().split(' ')).toHaveLength(18);
    fake.enqueue({ status: 400, json: { error: { message: 'Unknown parameter: foo', type: 'invalid_request_error', param: 'foo', code: 'unknown_parameter' } } }, { path: '/responses' });
    const err = await client.responses.create({ model: 'openai/gpt-4.1', input: 'x', foo: 1 } as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
  });

  const rowOf = async (res: Response) => {
    await gateway.services.logWriter.flush(true);
    return (await gateway.services.logStore.byId(res.headers.get('x-request-id')!)).request;
  };

  it('SSE: the log row has the text read from the deltas and the finish reason, without buffering the body', async () => {
    fake.enqueue({ body: streamFrames(), contentType: 'text/event-stream' }, { path: '/responses' });
    const res = await post({ model: 'openai/gpt-4.1', input: 'Count.', stream: true });
    await res.text();
    const row = await rowOf(res);
    expect(row).toMatchObject({ status: 200, finishReason: 'stop', promptTokens: 31, completionTokens: 4 });
    expect(row?.content).toBe(Array.from({ length: 18 }, (_, i) => `w${i + 1} `).join(''));
  });

  it('JSON: the log row has the output text', async () => {
    fake.enqueue({ body: JSON.stringify(RESPONSE), contentType: 'application/json' }, { path: '/responses' });
    const res = await post({ model: 'openai/gpt-4.1', input: 'Weather?', tools: [{ type: 'web_search' }] });
    await res.text();
    expect(await rowOf(res)).toMatchObject({ content: 'Sunny.', finishReason: 'stop' });
  });

  it('an upstream that resets mid-event: the whole events as sent, then response.failed numbered after the last', async () => {
    const frames = startedFrames(3);
    // The reset lands inside a fourth event: its first half must not reach the client glued to the failure.
    fake.enqueue({ body: [...frames, 'event: response.output_text.delta\ndata: {"type":"response.outp'], contentType: 'text/event-stream', then: 'destroy' }, { path: '/responses' });
    const res = await post({ model: 'openai/gpt-4.1', input: 'Count.', stream: true });
    const text = await res.text();
    expect(text.startsWith(frames.join(''))).toBe(true);
    const events = parseEventStream(text);
    for (const event of events) expectSchema('ResponseStreamEvent', event);
    const last = events.at(-1)!;
    expect(last).toMatchObject({ type: 'response.failed', sequence_number: 4, response: { id: 'resp_upstream3', status: 'failed', error: { code: 'server_error' } } });
    expect(events).toHaveLength(5);
    const row = await rowOf(res);
    expect(row).toMatchObject({ status: 502, content: 'w1 w2 w3 ' });
    // No usage event came: billed on what was streamed, so a budget is charged for a cut stream.
    expect(row?.costUsd).toBeGreaterThan(0);
  });

  it('an upstream that ends cleanly before its final event is a failure too, and the openai client says so', async () => {
    fake.enqueue({ body: startedFrames(2), contentType: 'text/event-stream' }, { path: '/responses' });
    const client = new OpenAI({ apiKey: GATEWAY_KEY, baseURL: gateway.baseURL, maxRetries: 0 });
    const seen: string[] = [];
    for await (const event of await client.responses.create({ model: 'openai/gpt-4.1', input: 'Count.', stream: true })) seen.push(`${event.type}#${event.sequence_number}`);
    expect(seen).toEqual(['response.created#0', 'response.output_text.delta#1', 'response.output_text.delta#2', 'response.failed#3']);
  });

  it('a reset before any event: an error event numbered 0', async () => {
    fake.enqueue({ body: [': keep-alive\n\n'], contentType: 'text/event-stream', then: 'destroy' }, { path: '/responses' });
    const res = await post({ model: 'openai/gpt-4.1', input: 'Count.', stream: true });
    const events = parseEventStream((await res.text()).replace(': keep-alive\n\n', ''));
    expect(events).toEqual([{ type: 'error', code: 'server_error', message: expect.any(String), param: null, sequence_number: 0 }]);
    expectSchema('ResponseStreamEvent', events[0]);
  });
});
