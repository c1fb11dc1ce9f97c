// Cost of streams in the log row: from the usage chunk when it came; estimated from the streamed text when the
// upstream cut the stream or the client went away first. A stream's headers never carry x-gateway-cost-usd.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, textStreamChunks, type FakeUpstream } from '../fakes/openai-upstream.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

let fake: FakeUpstream;
let gateway: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI({ models: ['gpt-4o-mini'] });
  gateway = await startGateway({ env: { OPENAI_API_KEY: 'sk-stream-cost-test', OPENAI_BASE_URL: fake.baseUrl } });
  client = new OpenAI({ apiKey: 'unused', baseURL: gateway.baseURL, maxRetries: 0 });
}, 60_000);

afterAll(async () => {
  await gateway?.close();
  await fake?.close();
});

async function rowFor(requestId: string | null) {
  await gateway.flushLogs();
  const { request } = await gateway.services.logStore.byId(requestId!);
  return request!;
}

const messages = [{ role: 'user' as const, content: 'x'.repeat(400) }]; // about 100 prompt tokens
// gpt-4o-mini: 0.15 input and 0.60 output per million tokens.
const mini = (prompt: number, completion: number) => (prompt * 0.15 + completion * 0.6) / 1e6;

describe('stream cost', () => {
  it('comes from the usage chunk, and the stream headers carry no cost', async () => {
    fake.enqueue({ sse: textStreamChunks('hello there', { includeUsage: true, usage: { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500 } }) });
    const { data, response } = await client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages, stream: true }).withResponse();
    for await (const _ of data);
    expect(response.headers.get('x-gateway-cost-usd')).toBeNull();
    expect((await rowFor(response.headers.get('x-request-id'))).costUsd).toBeCloseTo(mini(1000, 500), 12);
  });

  it('is estimated from the generated text when the upstream cuts the stream before its usage', async () => {
    const chunks = textStreamChunks('y'.repeat(200)).filter((c) => typeof c === 'object' && !(c as { usage?: unknown }).usage);
    fake.enqueue({ sse: chunks.slice(0, -1), done: false, then: 'destroy' });
    const { data, response } = await client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages, stream: true }).withResponse();
    await (async () => {
      for await (const _ of data);
    })().catch(() => undefined);
    const row = await rowFor(response.headers.get('x-request-id'));
    expect(row.partial).toBe(true);
    expect(row.content!.length).toBeGreaterThan(0);
    expect(row.costUsd).toBeCloseTo(mini(100, Math.ceil(row.content!.length / 4)), 12);
  });

  it('is estimated from what was streamed when the client goes away', async () => {
    fake.enqueue({ sse: textStreamChunks('z'.repeat(40).split('').join(' ')), eventDelayMs: 200 });
    const abort = new AbortController();
    const res = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages, stream: true }),
      signal: abort.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    abort.abort();
    const requestId = res.headers.get('x-request-id');
    let row = await rowFor(requestId).catch(() => undefined);
    for (let i = 0; i < 50 && !row; i++) {
      await new Promise((r) => setTimeout(r, 100));
      row = await rowFor(requestId).catch(() => undefined);
    }
    expect(row!.status).toBe(499);
    expect(row!.costUsd).toBeGreaterThan(0);
    expect(row!.costUsd).toBeCloseTo(mini(100, Math.ceil(row!.content!.length / 4)), 12);
  });
});
