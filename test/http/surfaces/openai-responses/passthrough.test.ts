// The native pass-through: /v1/responses to OpenAI itself forwards the client's body (model rewritten) and hands
// back the upstream's bytes unchanged, JSON and SSE; built-in tools work there; usage reaches the log.
import { eq } from 'drizzle-orm';
import OpenAI from 'openai';
import { requestLogs } from '../../../../src/request-log/schema.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeUpstream } from '../../../fakes/openai-upstream.js';
import { startGateway, type TestGateway } from '../../../helpers/gateway.js';
import { GATEWAY_KEY, START_TIMEOUT_MS, UPSTREAM_KEY } from './harness.js';

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
});
