// Providers configured in the config file under ids of their own (a DeepSeek preset as `ds-eu`, Mistral as `mis-eu`,
// Anthropic as `claude-main`): whichever way they fail (HTTP error, unreadable body, an in-band failure, a
// mid-stream error, a request the vendor cannot express), the error the client gets and the log rows
// (request_logs and upstream_attempts) name the configured id, never the vendor.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anthropicMessage, messageToEvents, startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-upstream.js';
import { chunkBody, completionBody, startFakeOpenAI, type FakeUpstream } from '../fakes/openai-upstream.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { expectOpenAI } from '../helpers/openai-schema.js';

const VENDOR = /deepseek|mistral|anthropic/i;
let dir: string;
let deepseek: FakeUpstream;
let mistral: FakeUpstream;
let claude: FakeAnthropic;
let gateway: TestGateway;

beforeAll(async () => {
  [deepseek, mistral, claude] = await Promise.all([startFakeOpenAI(), startFakeOpenAI({ mode: 'mistral' }), startFakeAnthropic()]);
  dir = mkdtempSync(join(tmpdir(), 'gw-provider-ids-'));
  const path = join(dir, 'gateway.json');
  const providers = [
    { id: 'ds-eu', type: 'deepseek', base_url: deepseek.baseUrl, api_key: 'sk-ds-eu-key' },
    { id: 'mis-eu', type: 'mistral', base_url: mistral.baseUrl, api_key: 'sk-mis-eu-key' },
    { id: 'claude-main', type: 'anthropic', base_url: claude.baseUrl, api_key: 'sk-claude-main-key' },
  ];
  writeFileSync(path, JSON.stringify({ providers }));
  gateway = await startGateway({ env: { GATEWAY_CONFIG: path }, configure: (c) => void (c.routing.retries = 0) });
});

afterAll(async () => {
  await gateway?.close();
  await Promise.all([deepseek?.close(), mistral?.close(), claude?.close()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Outcome {
  status: number;
  /** The JSON error body, or the error event of a stream. */
  error: { error: { message: string; type: string; code: string | null; param: string | null } };
  requestId: string;
}

async function chat(model: string, stream: boolean, extra: Record<string, unknown> = {}): Promise<Outcome> {
  const res = await fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'hi' }], ...extra }),
  });
  const text = await res.text();
  const requestId = res.headers.get('x-request-id') ?? '';
  if (!res.headers.get('content-type')?.includes('text/event-stream')) return { status: res.status, error: JSON.parse(text) as Outcome['error'], requestId };
  // The stream's error event: the last `data:` line, after the chunks that made it out.
  const events = text.split('\n\n').filter((e) => e.startsWith('data: ')).map((e) => e.slice(6));
  return { status: res.status, error: JSON.parse(events.at(-1)!) as Outcome['error'], requestId };
}

async function expectNamed(outcome: Outcome, id: string, status: number): Promise<void> {
  expect(outcome.status).toBe(status);
  expectOpenAI('ErrorResponse', outcome.error);
  expect(outcome.error.error.message).toContain(id);
  expect(JSON.stringify(outcome.error)).not.toMatch(VENDOR);
  await gateway.flushLogs();
  const { request, attempts } = await gateway.services.logStore.byId(outcome.requestId);
  expect(request).toMatchObject({ provider: id });
  expect(request?.error).toContain(id);
  expect(`${request?.error} ${request?.errorCode}`).not.toMatch(VENDOR);
  expect(attempts.length).toBeGreaterThan(0);
  for (const attempt of attempts) {
    expect(attempt.provider).toBe(id);
    expect(`${attempt.error} ${attempt.errorCode}`).not.toMatch(VENDOR);
  }
}

const openAIChunks = (last: Record<string, unknown>) => [chunkBody({ role: 'assistant', content: '' }), chunkBody({ content: 'par' }), last];

describe('a DeepSeek preset configured as ds-eu', () => {
  it('HTTP error', async () => {
    deepseek.enqueue({ status: 500, json: { error: { message: 'upstream fell over', type: 'server_error' } } });
    await expectNamed(await chat('ds-eu/m1', false), 'ds-eu', 502);
  });

  it('unreadable body', async () => {
    deepseek.enqueue({ json: { nothing: 'useful' } });
    await expectNamed(await chat('ds-eu/m1', false), 'ds-eu', 502);
  });

  it('out of system resources (JSON)', async () => {
    deepseek.enqueue({ json: completionBody({ content: 'par', finishReason: 'insufficient_system_resource' }) });
    await expectNamed(await chat('ds-eu/m1', false), 'ds-eu', 502);
  });

  it('out of system resources mid-stream', async () => {
    deepseek.enqueue({ sse: openAIChunks(chunkBody({}, { finishReason: 'insufficient_system_resource' })) });
    await expectNamed(await chat('ds-eu/m1', true), 'ds-eu', 200);
  });

  it('an error event mid-stream', async () => {
    deepseek.enqueue({ sse: [...openAIChunks(chunkBody({ content: 'is' })), { error: { message: 'overloaded', type: 'server_error' } }], done: false });
    await expectNamed(await chat('ds-eu/m1', true), 'ds-eu', 200);
  });
});

describe('Mistral configured as mis-eu', () => {
  it('generation failed upstream (JSON)', async () => {
    mistral.enqueue({ json: completionBody({ content: '', finishReason: 'error' }) });
    await expectNamed(await chat('mis-eu/m1', false), 'mis-eu', 502);
  });

  it('generation failed upstream mid-stream', async () => {
    mistral.enqueue({ sse: openAIChunks(chunkBody({ content: '' }, { finishReason: 'error' })) });
    await expectNamed(await chat('mis-eu/m1', true), 'mis-eu', 200);
  });
});

describe('Anthropic configured as claude-main', () => {
  it('HTTP error', async () => {
    claude.reply({ kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' });
    await expectNamed(await chat('claude-main/c1', false), 'claude-main', 502);
  });

  it('unreadable body', async () => {
    claude.reply({ kind: 'raw', status: 200, body: '{"type":"nothing"}' });
    await expectNamed(await chat('claude-main/c1', false), 'claude-main', 502);
  });

  it('an error event mid-stream', async () => {
    const events = messageToEvents(anthropicMessage({ content: [{ type: 'text', text: 'partial answer' }] })).slice(0, 3);
    claude.reply({ kind: 'stream', events: [...events, { event: 'error', data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } }] });
    await expectNamed(await chat('claude-main/c1', true), 'claude-main', 200);
  });

  it('a request it cannot express (n > 1), refused before any call', async () => {
    const before = claude.requests.length;
    await expectNamed(await chat('claude-main/c1', false, { n: 2 }), 'claude-main', 400);
    expect(claude.requests.length).toBe(before);
  });
});
