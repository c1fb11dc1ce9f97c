// The zero-config path: the mock provider, the simple API and its history, as the README's quick start uses them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';

let gateway: TestGateway;
// Unique per run: with DATABASE_URL the log store is shared by every file of the run (and earlier runs).
const S1 = `s1-${crypto.randomUUID()}`;
const S2 = `s2-${crypto.randomUUID()}`;

beforeAll(async () => {
  gateway = await startGateway({ env: { MOCK_DELAY_MS: '5' } });
});

afterAll(async () => {
  await gateway?.close();
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${gateway.url}${path}`, { method: 'POST', body: JSON.stringify(body), headers });

describe('zero configuration', () => {
  it('serves mock/echo, the default provider, for a curl-style form-encoded body', async () => {
    const response = await post('/v1/chat/completions', { model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] }, { 'content-type': 'application/x-www-form-urlencoded' });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { choices: Array<{ message: { content: string } }> };
    expect(body.choices[0]?.message.content).toBe('hi');
  });

  it('streams mock/echo word by word and ends with [DONE]', async () => {
    const response = await post('/v1/chat/completions', { model: 'mock/echo', stream: true, messages: [{ role: 'user', content: 'one two three' }] });
    const text = await response.text();
    const contents = text
      .split('\n\n')
      .filter((e) => e.startsWith('data: {'))
      .map((e) => (JSON.parse(e.slice(6)) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ?? '');
    expect(contents.join('')).toBe('one two three');
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('lists mock/echo', async () => {
    const body = (await (await fetch(`${gateway.url}/v1/models`)).json()) as { data: Array<{ id: string }> };
    expect(body.data.map((m) => m.id)).toContain('mock/echo');
  });
});

describe('simple API', () => {
  it('/api/ask answers with model, provider and request id', async () => {
    const response = await post('/api/ask', { question: 'what is up', session_id: S1 });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, string>;
    expect(body).toMatchObject({ answer: 'what is up', model: 'mock/echo', provider: 'mock', session_id: S1 });
    expect(body.request_id).toBe(response.headers.get('x-request-id'));
  });

  it('/api/streaming streams content events then [DONE]', async () => {
    const response = await post('/api/streaming', { question: 'stream this please', session_id: S1 });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const events = (await response.text()).split('\n\n').filter(Boolean);
    expect(events.at(-1)).toBe('data: [DONE]');
    const payloads = events.slice(0, -1).map((e) => JSON.parse(e.slice(6)) as { content?: string; request_id?: string });
    expect(payloads[0]?.request_id).toBe(response.headers.get('x-request-id'));
    expect(payloads.map((p) => p.content ?? '').join('')).toBe('stream this please');
  });

  it('/api/history returns question/answer pairs newest first, filtered by session', async () => {
    // With DATABASE_URL the store is shared with other test files running in parallel: look only at our sessions.
    await post('/api/ask', { question: 'other session', session_id: S2 });
    const all = (await (await fetch(`${gateway.url}/api/history?limit=500`)).json()) as { items: Array<{ question: string; answer: string; session_id: string }> };
    const ours = all.items.filter((i) => i.session_id === S1 || i.session_id === S2);
    expect(ours[0]).toMatchObject({ question: 'other session', answer: 'other session', session_id: S2 });
    const s1 = (await (await fetch(`${gateway.url}/api/history?session_id=${S1}&limit=10`)).json()) as { items: Array<{ question: string; answer: string }> };
    expect(s1.items.map((i) => [i.question, i.answer])).toEqual([
      ['stream this please', 'stream this please'],
      ['what is up', 'what is up'],
    ]);
    const one = (await (await fetch(`${gateway.url}/api/history?limit=1&session_id=${S1}`)).json()) as { items: Array<{ question: string }> };
    expect(one.items.map((i) => i.question)).toEqual(['stream this please']);
  });

  it('rejects a bad question and a bad limit with 400 naming the field', async () => {
    const bad = await post('/api/ask', { question: '' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { param: string } }).error.param).toBe('question');
    const badLimit = await fetch(`${gateway.url}/api/history?limit=0`);
    expect(badLimit.status).toBe(400);
    expect(((await badLimit.json()) as { error: { param: string } }).error.param).toBe('limit');
  });
});

describe('health', () => {
  it('/health is ok and /health/ready reports the log store and providers', async () => {
    expect(await (await fetch(`${gateway.url}/health`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${gateway.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { log_store: { ok: true }, providers: { ok: true } } });
  });

  it('unknown routes answer 404 in OpenAI error shape', async () => {
    const response = await fetch(`${gateway.url}/v1/nothing-here`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { type: 'not_found_error' } });
  });
});
