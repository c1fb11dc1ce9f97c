// The native pass-through of /v1/messages to a provider of kind anthropic: the body as sent (model rewritten), the
// client's anthropic-version / anthropic-beta forwarded (never its gateway key), the answer's bytes unchanged (JSON
// and SSE), usage read for the log on the way; server tools work there and are refused for translated targets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATEWAY_KEY, startMessagesWorld, type MessagesWorld, WORLD_START_TIMEOUT_MS } from './sdk-harness.js';

let world: MessagesWorld;
beforeAll(async () => {
  world = await startMessagesWorld();
}, WORLD_START_TIMEOUT_MS);
afterAll(() => world?.close());

const USAGE = { input_tokens: 5, cache_creation_input_tokens: 1200, cache_read_input_tokens: 3400, output_tokens: 9 };
// Odd spacing, key order and a field the gateway's schemas know nothing of: a re-serialised answer would differ.
const JSON_ANSWER = `{"id":"msg_01Bytes","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[{"type":"text","text":"Bonjour \u00e9t\u00e9"}],  "stop_reason":"end_turn","stop_sequence":null,"usage":${JSON.stringify(USAGE)},"container":{"id":"c_1"}}`;
const SSE_ANSWER = [
  `event: message_start\ndata: {"type":"message_start","message":{"id":"msg_01Sse","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":5,"cache_creation_input_tokens":1200,"cache_read_input_tokens":3400,"output_tokens":1}}}\n\n`,
  `event: ping\ndata: {"type": "ping"}\n\n`,
  `event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"server_tool_use","id":"srvtoolu_1","name":"web_search","input":{}}}\n\n`,
  `event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n`,
  `event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":9}}\n\n`,
  `event: message_stop\ndata: {"type":"message_stop"}\n\n`,
].join('');

const WEB_SEARCH = { type: 'web_search_20250305', name: 'web_search', max_uses: 2 };

function body(model: string, extra: Record<string, unknown> = {}) {
  return {
    model,
    max_tokens: 256,
    system: [{ type: 'text', text: 'Be terse.', cache_control: { type: 'ephemeral', ttl: '1h' } }],
    messages: [{ role: 'user', content: 'Weather in Paris?' }],
    tools: [WEB_SEARCH],
    ...extra,
  };
}

async function post(payload: unknown, headers: Record<string, string> = {}) {
  return fetch(`${world.gateway.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': GATEWAY_KEY, 'anthropic-version': '2023-06-01', ...headers },
    body: JSON.stringify(payload),
  });
}

async function loggedUsage(requestId: string) {
  await world.gateway.flushLogs();
  return (await world.gateway.services.logStore.byId(requestId)).request;
}

describe('/v1/messages → anthropic, relayed untranslated', () => {
  it('JSON: the body as sent with the model rewritten, betas forwarded, the answer byte for byte, usage logged', async () => {
    world.anthropic.reply({ kind: 'raw', status: 200, body: JSON_ANSWER });
    const before = world.anthropic.requests.length;
    const sent = body('anthropic/claude-sonnet-4-5', { top_k: 5 });
    const res = await post(sent, { 'anthropic-beta': 'prompt-caching-2024-07-31,extended-cache-ttl-2025-04-11' });
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(JSON_ANSWER))).toBe(true);
    expect(res.headers.get('x-gateway-provider')).toBe('anthropic');

    const received = world.anthropic.requests.slice(before);
    expect(received).toHaveLength(1);
    expect(received[0]!.body).toEqual({ ...sent, model: 'claude-sonnet-4-5' });
    expect(received[0]!.headers['anthropic-beta']).toBe('prompt-caching-2024-07-31,extended-cache-ttl-2025-04-11');
    expect(received[0]!.headers['anthropic-version']).toBe('2023-06-01');
    // The provider's key goes upstream, never the client's gateway key.
    expect(received[0]!.headers['x-api-key']).toBe('sk-ant-upstream');
    expect(JSON.stringify(received[0]!.headers)).not.toContain(GATEWAY_KEY);

    const row = await loggedUsage(res.headers.get('x-request-id')!);
    // prompt_tokens counts cached input too (OpenAI's convention): 5 + 1200 + 3400.
    expect(row).toMatchObject({ endpoint: '/v1/messages', provider: 'anthropic', status: 200, promptTokens: 4605, completionTokens: 9, cachedTokens: 3400, finishReason: 'end_turn' });
  });

  it('SSE: every byte of the upstream stream, server tool blocks included, and the usage of message_start + message_delta', async () => {
    world.anthropic.reply({ kind: 'raw', status: 200, body: SSE_ANSWER, headers: { 'content-type': 'text/event-stream; charset=utf-8' } });
    const res = await post(body('claude-sonnet-4-5', { stream: true }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    expect(await res.text()).toBe(SSE_ANSWER);
    const row = await loggedUsage(res.headers.get('x-request-id')!);
    expect(row).toMatchObject({ provider: 'anthropic', status: 200, promptTokens: 4605, completionTokens: 9, cachedTokens: 3400, finishReason: 'end_turn' });
    // Priced like a translated answer (a budget settles it), not left without a cost.
    expect(row?.costUsd).toBeGreaterThan(0);
  });

  it('an upstream error keeps its status in the Anthropic envelope', async () => {
    world.anthropic.reply({ kind: 'error', status: 400, type: 'invalid_request_error', message: 'thinking.signature: invalid' });
    const res = await post(body('claude-sonnet-4-5'));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  });

  it('a server tool is refused for a translated target, in the Anthropic envelope', async () => {
    const before = world.openai.requests.length;
    const res = await post(body('openai/gpt-4o-mini'));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining("'web_search_20250305'") } });
    expect(world.openai.requests.length).toBe(before);
  });
});
