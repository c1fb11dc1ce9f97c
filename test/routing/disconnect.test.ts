// A client that goes away cancels everything upstream, promptly: mid-stream and while a JSON answer is pending.
import OpenAI from 'openai';
import { Agent } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { chunkBody, startFakeOpenAI, type FakeUpstream } from '../fakes/openai-upstream.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { sample, scrape } from './helpers.js';

let upstream: FakeUpstream;
let gateway: TestGateway;
let client: OpenAI;
const clientAgent = new Agent();
// Node's fetch takes an undici dispatcher; the two packages' type copies differ, hence the cast.
const fetchOptions = { dispatcher: clientAgent } as unknown as NonNullable<ConstructorParameters<typeof OpenAI>[0]>['fetchOptions'];

beforeAll(async () => {
  upstream = await startFakeOpenAI({ models: ['gpt-4o-mini'] });
  gateway = await startGateway({ env: { OPENAI_API_KEY: 'sk-test-disconnect', OPENAI_BASE_URL: upstream.baseUrl } });
  client = new OpenAI({ apiKey: 'unused', baseURL: gateway.baseURL, maxRetries: 0, fetchOptions });
});

afterAll(async () => {
  // After an abort undici may open a spare connection that never sends a request; the server would wait for it.
  await clientAgent.destroy();
  await gateway?.close();
  await upstream?.close();
});

beforeEach(() => upstream.reset());

const lastPost = () => upstream.requests.filter((r) => r.method === 'POST').at(-1);

describe('client disconnect', () => {
  it('aborting the stream after the first chunk aborts the upstream request within moments', async () => {
    const words = Array.from({ length: 40 }, (_, i) => chunkBody({ content: `w${i} ` }));
    upstream.enqueue({ sse: [chunkBody({ role: 'assistant', content: '' }), ...words], eventDelayMs: 50, then: 'hang' });
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'long story' }], stream: true })
      .withResponse();
    let received = '';
    for await (const chunk of stream) {
      received += chunk.choices[0]?.delta.content ?? '';
      if (received.length > 0) break; // leaving the loop aborts the request, as a client closing the page does
    }
    const left = performance.now();
    await vi.waitFor(() => expect(lastPost()?.aborted).toBe(true), { timeout: 2000, interval: 5 });
    const cancelMs = performance.now() - left;
    expect(cancelMs).toBeLessThan(500);

    await gateway.flushLogs();
    const { request } = await gateway.services.logStore.byId(response.headers.get('x-request-id')!);
    expect(request).toMatchObject({ status: 499, partial: true, errorCode: 'client_closed' });
    // A client leaving is not an upstream failure: no stream error is counted, the circuit stays closed.
    expect(sample(await scrape(gateway.url), 'gateway_stream_errors_total')).toBe(0);
    expect(gateway.services.health.deploymentsOf('openai')[0]?.state).toBe('closed');
  });

  it('aborting a JSON request while the upstream is still thinking aborts the upstream request', async () => {
    upstream.enqueue({ fault: 'hang' });
    const controller = new AbortController();
    const pending = client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }, { signal: controller.signal });
    await upstream.waitForRequests(1);
    const left = performance.now();
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(OpenAI.APIUserAbortError);
    await vi.waitFor(() => expect(lastPost()?.aborted).toBe(true), { timeout: 2000, interval: 5 });
    expect(performance.now() - left).toBeLessThan(500);
  });
});
