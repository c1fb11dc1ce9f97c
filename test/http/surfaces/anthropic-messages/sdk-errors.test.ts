// Failures through /v1/messages as @anthropic-ai/sdk sees them: each its own error class, Anthropic's envelope even
// for what fails before the route runs (key, JSON, body size), retry-after, a mid-stream error event; plus the key
// headers, config aliases for claude-* names and the log row.
import Anthropic, { APIError, AuthenticationError, BadRequestError, NotFoundError, OverloadedError, RateLimitError } from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anthropicMessage } from '../../../fakes/anthropic-upstream.js';
import { openAIErrorBody } from '../../../fakes/openai-upstream.js';
import { GATEWAY_KEY, TEXT, startMessagesWorld, type MessagesWorld, WORLD_START_TIMEOUT_MS } from './sdk-harness.js';

let world: MessagesWorld;
beforeAll(async () => {
  world = await startMessagesWorld({
    aliases: { 'claude-haiku-4-5-20251001': 'gemini/gemini-2.5-flash', 'claude-offline': 'offline/some-model' },
    env: { BODY_LIMIT_BYTES: String(64 * 1024) },
  });
}, WORLD_START_TIMEOUT_MS);
afterAll(() => world?.close());

const ask = (model: string): Anthropic.MessageCreateParamsNonStreaming => ({ model, max_tokens: 64, messages: [{ role: 'user', content: 'Capital of France?' }] });
const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e);

async function post(path: string, body: string, headers: Record<string, string> = { 'x-api-key': GATEWAY_KEY }) {
  const response = await fetch(`${world.gateway.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: response.status, body: (await response.json()) as unknown };
}

describe('errors, each as its own SDK class and in Anthropic’s envelope', () => {
  it('401: a wrong key is an AuthenticationError that names x-api-key', async () => {
    const client = new Anthropic({ apiKey: 'not-the-key', baseURL: world.gateway.url, maxRetries: 0 });
    const err = await failure(client.messages.create(ask('mock/echo')));
    expect(err).toBeInstanceOf(AuthenticationError);
    expect((err as APIError).error).toMatchObject({ type: 'error', error: { type: 'authentication_error', message: expect.stringContaining('x-api-key') } });
    const { status, body } = await post('/v1/messages/count_tokens', '{}', {});
    expect([status, (body as { error: { type: string } }).error.type]).toEqual([401, 'authentication_error']);
  });

  it('400: a body without max_tokens is a BadRequestError naming it', async () => {
    const { max_tokens: _dropped, ...body } = ask('mock/echo');
    const err = await failure(world.client.messages.create(body as Anthropic.MessageCreateParamsNonStreaming));
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as APIError).error).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('max_tokens') } });
  });

  it('400 and 413 from before the route (bad JSON, body over the limit) keep the envelope', async () => {
    const bad = await post('/v1/messages', '{"model": ');
    expect(bad).toMatchObject({ status: 400, body: { type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('JSON') } } });
    const huge = JSON.stringify({ ...ask('mock/echo'), messages: [{ role: 'user', content: 'x'.repeat(100 * 1024) }] });
    expect(await post('/v1/messages', huge)).toMatchObject({ status: 413, body: { type: 'error', error: { type: 'request_too_large' } } });
  });

  it('404: an unknown model is a NotFoundError, for messages and count_tokens', async () => {
    const err = await failure(world.client.messages.create(ask('claude-nonexistent-9')));
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as APIError).type).toBe('not_found_error');
    expect(await failure(world.client.messages.countTokens({ model: 'nowhere-model', messages: [{ role: 'user', content: 'x' }] }))).toBeInstanceOf(NotFoundError);
  });

  it('an upstream 400 that quotes the provider key reaches the client redacted', async () => {
    world.anthropic.reply({ kind: 'error', status: 400, type: 'invalid_request_error', message: 'prompt too long for key sk-ant-upstream' });
    const err = await failure(world.client.messages.create(ask('anthropic/claude-sonnet-4-5')));
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as APIError).message).toContain('prompt too long');
    expect((err as APIError).message).not.toContain('sk-ant-upstream');
  });

  it('429: an upstream rate limit is a RateLimitError with retry-after', async () => {
    world.openai.enqueue({ status: 429, headers: { 'retry-after': '17' }, json: openAIErrorBody('Rate limit reached', 'requests', 'rate_limit_exceeded') });
    const err = await failure(world.client.messages.create(ask('openai/gpt-4o-mini')));
    expect(err).toBeInstanceOf(RateLimitError);
    expect((err as APIError).headers?.get('retry-after')).toBe('17');
    expect((err as APIError).type).toBe('rate_limit_error');
  });

  it('529: Anthropic overloaded, and the gateway’s own 503 (no usable provider), are OverloadedErrors', async () => {
    world.anthropic.reply({ kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' });
    const upstream = await failure(world.client.messages.create(ask('anthropic/claude-sonnet-4-5')));
    expect(upstream).toBeInstanceOf(OverloadedError);
    expect([(upstream as APIError).status, (upstream as APIError).type]).toEqual([529, 'overloaded_error']);
    const own = await failure(world.client.messages.create(ask('claude-offline')));
    expect(own).toBeInstanceOf(OverloadedError);
    expect((own as APIError).headers?.get('retry-after')).toBeTruthy();
  });

  it('a failure after the first byte is an error event the SDK throws, never a clean end', async () => {
    world.anthropic.reply({
      kind: 'stream',
      events: [
        { event: 'message_start', data: { type: 'message_start', message: { id: 'msg_x', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], usage: { input_tokens: 3, output_tokens: 1 } } } },
        { event: 'content_block_start', data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } },
        { event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Par' } } },
        { event: 'error', data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } },
      ],
    });
    const stream = world.client.messages.stream(ask('anthropic/claude-sonnet-4-5'));
    const texts: string[] = [];
    stream.on('text', (text) => texts.push(text));
    const err = await failure(stream.finalMessage());
    expect(err).toBeInstanceOf(APIError);
    expect((err as APIError).type).toBe('overloaded_error');
    expect(texts).toEqual(['Par']);
  });
});

describe('keys, aliases and the log', () => {
  it('the gateway key works as x-api-key (apiKey) and as a Bearer token (authToken), on every route', async () => {
    const bearer = new Anthropic({ authToken: GATEWAY_KEY, apiKey: null, baseURL: world.gateway.url, maxRetries: 0 });
    expect((await bearer.messages.create(ask('mock/echo'))).content).toEqual([{ type: 'text', text: 'Capital of France?', citations: null }]);
    const models = await fetch(`${world.gateway.url}/v1/models`, { headers: { 'x-api-key': GATEWAY_KEY } });
    expect(models.status).toBe(200);
    expect((await fetch(`${world.gateway.url}/v1/models`, { headers: { 'x-api-key': 'wrong' } })).status).toBe(401);
  });

  it("Claude Code's ?beta=true paths and anthropic-beta header reach the same routes", async () => {
    const headers = { 'x-api-key': GATEWAY_KEY, 'anthropic-version': '2023-06-01', 'anthropic-beta': 'interleaved-thinking-2025-05-14' };
    const created = await post('/v1/messages?beta=true', JSON.stringify(ask('mock/echo')), headers);
    expect(created).toMatchObject({ status: 200, body: { type: 'message', content: [{ type: 'text', text: 'Capital of France?' }] } });
    const counted = await post('/v1/messages/count_tokens?beta=true', JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'abcdefgh' }] }), headers);
    expect(counted).toEqual({ status: 200, body: { input_tokens: 2 } });
  });

  it('a claude-* name mapped by a config alias goes where the alias says', async () => {
    world.gemini.reply({ kind: 'json', body: { candidates: [{ content: { role: 'model', parts: [{ text: TEXT }] }, finishReason: 'STOP', index: 0 }], usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 2 } } });
    const { data, response } = await world.client.messages.create(ask('claude-haiku-4-5-20251001')).withResponse();
    expect(data.content).toEqual([{ type: 'text', text: TEXT, citations: null }]);
    expect(response.headers.get('x-gateway-provider')).toBe('gemini');
    expect(data.model).toBe('gemini/gemini-2.5-flash');
  });

  it('a bare dated claude-* id that only Anthropic lists resolves to Anthropic', async () => {
    world.anthropic.reply({ kind: 'message', message: anthropicMessage({ content: [{ type: 'text', text: TEXT }] }) });
    const { data, response } = await world.client.messages.create(ask('claude-sonnet-4-5-20250929')).withResponse();
    // Relayed by the pass-through: the upstream's block exactly (no renderer-added citations field).
    expect(data.content).toEqual([{ type: 'text', text: TEXT }]);
    expect(response.headers.get('x-gateway-provider')).toBe('anthropic');
  });

  it('logs the request with endpoint /v1/messages', async () => {
    const { response } = await world.client.messages.create(ask('mock/echo')).withResponse();
    await world.gateway.flushLogs();
    const { request } = await world.gateway.services.logStore.byId(response.headers.get('x-request-id')!);
    expect(request).toMatchObject({ endpoint: '/v1/messages', provider: 'mock', status: 200 });
    // The key arrived as x-api-key all along: neither it nor any upstream key is in a log line.
    const logs = world.gateway.logLines.join('\n');
    for (const secret of [GATEWAY_KEY, 'sk-ant-upstream', 'sk-openai-upstream', 'gemini-upstream-key']) expect(logs).not.toContain(secret);
  });
});
