// A plan that mixes deployments speaking the surface's dialect natively with ones that do not: the native ones are
// relayed, and when they all fail the others get the translated request, so the plan's fallback still works.
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anthropicMessage, FakeAnthropic } from '../fakes/anthropic-upstream.js';
import { openAIErrorBody, startFakeOpenAI, type FakeUpstream } from '../fakes/openai-upstream.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { sample, scrape, writeGatewayConfig } from './helpers.js';

const UPSTREAM_KEY = 'sk-upstream-mixed';
let openai: FakeUpstream;
let chatOnly: FakeUpstream;
let anthropic: FakeAnthropic;
let gateway: TestGateway;

beforeAll(async () => {
  openai = await startFakeOpenAI({ models: ['gpt-4.1'], apiKey: UPSTREAM_KEY });
  chatOnly = await startFakeOpenAI({ models: ['m'] });
  anthropic = await new FakeAnthropic({ apiKey: UPSTREAM_KEY }).start();
  const config = writeGatewayConfig({
    providers: [
      { id: 'oa', type: 'openai', base_url: openai.baseUrl, api_key: UPSTREAM_KEY },
      { id: 'claude', type: 'anthropic', base_url: anthropic.baseUrl, api_key: UPSTREAM_KEY },
      { id: 'plain', type: 'openai-compatible', base_url: chatOnly.baseUrl },
    ],
    models: [
      { name: 'native-first', targets: ['oa/gpt-4.1', 'plain/m'] },
      { name: 'translated-first', targets: ['plain/m', 'oa/gpt-4.1'] },
      { name: 'claude-first', targets: ['claude/claude-sonnet-4-5', 'plain/m'] },
    ],
  });
  gateway = await startGateway({ env: { GATEWAY_CONFIG: config }, configure: (c) => void (c.routing.retries = 0) });
}, 30_000);

afterAll(async () => {
  await gateway.close();
  await Promise.all([openai.close(), chatOnly.close(), anthropic.close()]);
});

const client = () => new OpenAI({ baseURL: gateway.baseURL, apiKey: 'unused', maxRetries: 0 });
const paths = (fake: FakeUpstream) => fake.requests.filter((r) => r.method === 'POST').map((r) => r.path);
/** Whether the fake was sent this text (its health probes POST too, so counting requests would not do). */
const saw = (fake: FakeUpstream, text: string) => fake.requests.some((r) => JSON.stringify(r.body ?? '').includes(text));

describe('/v1/responses over a mixed plan', () => {
  it('relays to the native deployment while it answers', async () => {
    const upstream = { id: 'resp_native_1', object: 'response', created_at: 1764600000, status: 'completed', model: 'gpt-4.1', output: [] };
    openai.enqueue({ json: upstream }, { path: '/responses' });
    const { data, response } = await client().responses.create({ model: 'native-first', input: 'Relayed hi' }).withResponse();
    expect(data.id).toBe('resp_native_1');
    expect(response.headers.get('x-gateway-provider')).toBe('oa');
    expect(paths(openai).at(-1)).toBe('/v1/responses');
    expect(saw(chatOnly, 'Relayed hi')).toBe(false);
  });

  it('falls back to the translated deployment when the native one fails, and counts the fallback', async () => {
    const metric = { from: 'oa/gpt-4.1', to: 'plain/m' };
    const before = sample(await scrape(gateway.url), 'gateway_fallbacks_total', metric);
    openai.enqueue({ status: 500, json: openAIErrorBody('boom', 'server_error') }, { path: '/responses' });
    const { data, response } = await client().responses.create({ model: 'native-first', input: 'Say hi' }).withResponse();
    expect(response.headers.get('x-gateway-provider')).toBe('plain');
    expect(response.headers.get('x-gateway-attempts')).toBe('2');
    expect(data.output_text).toContain('Say hi');
    expect(paths(chatOnly).at(-1)).toBe('/v1/chat/completions');
    expect(sample(await scrape(gateway.url), 'gateway_fallbacks_total', metric)).toBe(before + 1);
  });

  it('streams from the fallback too, as Responses events', async () => {
    openai.enqueue({ status: 503, json: openAIErrorBody('overloaded', 'server_error') }, { path: '/responses' });
    const stream = client().responses.stream({ model: 'native-first', input: 'Stream hi' });
    const final = await stream.finalResponse();
    expect(final.status).toBe('completed');
    expect(final.output_text).toContain('Stream hi');
  });

  it('a request the native deployment refuses (400) is not retried elsewhere', async () => {
    openai.enqueue({ status: 400, json: openAIErrorBody('bad input', 'invalid_request_error') }, { path: '/responses' });
    await expect(client().responses.create({ model: 'native-first', input: 'Refused hi' })).rejects.toMatchObject({ status: 400 });
    expect(saw(chatOnly, 'Refused hi')).toBe(false);
  });

  it('a plan whose first deployment does not speak Responses is translated for every deployment', async () => {
    chatOnly.enqueue({ status: 500, json: openAIErrorBody('boom', 'server_error') });
    const { response } = await client().responses.create({ model: 'translated-first', input: 'Say hi' }).withResponse();
    expect(response.headers.get('x-gateway-provider')).toBe('oa');
    expect(paths(openai).at(-1)).toBe('/v1/chat/completions');
  });
});

describe('/v1/messages over a mixed plan', () => {
  const claude = () => new Anthropic({ baseURL: gateway.url, apiKey: 'unused', maxRetries: 0 });

  it('relays to Anthropic while it answers, falls back translated when it fails', async () => {
    anthropic.reply({ kind: 'message', message: anthropicMessage({ content: [{ type: 'text', text: 'from claude' }] }) });
    const relayed = await claude().messages.create({ model: 'claude-first', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] });
    expect(relayed.content).toEqual([expect.objectContaining({ type: 'text', text: 'from claude' })]);

    anthropic.reply({ kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' });
    const { data, response } = await claude()
      .messages.create({ model: 'claude-first', max_tokens: 64, messages: [{ role: 'user', content: 'fallback please' }] })
      .withResponse();
    expect(response.headers.get('x-gateway-provider')).toBe('plain');
    expect(data.type).toBe('message');
    expect(data.content[0]).toMatchObject({ type: 'text', text: expect.stringContaining('fallback please') });
  });

  it('server tools cannot be translated: the native failure is the answer', async () => {
    anthropic.reply({ kind: 'error', status: 500, type: 'api_error', message: 'Internal' });
    const sent = claude().messages.create({
      model: 'claude-first',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'Search hi' }],
      tools: [{ type: 'web_search_20250305', name: 'web_search' }],
    });
    // An upstream 500 is the gateway's 502, in Anthropic's envelope.
    await expect(sent).rejects.toMatchObject({ status: 502, error: { type: 'error' } });
    expect(saw(chatOnly, 'Search hi')).toBe(false);
  });
});
