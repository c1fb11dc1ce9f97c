// Protocol details at the edges: a wrong-typed field is invalid_type (not "missing"), what is echoed of a huge
// model name is capped (body and x-gateway-model), and an upstream redirect is a 502, never a bare 3xx.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeUpstream } from '../fakes/openai-upstream.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

let fake: FakeUpstream;
let gateway: TestGateway;
beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: 'sk-protocol-test-1234' });
  gateway = await startGateway({
    env: { OPENAI_API_KEY: 'sk-protocol-test-1234', OPENAI_BASE_URL: fake.baseUrl },
    configure: (c) => {
      c.routing.retries = 0;
    },
  });
}, 60_000);
afterAll(async () => {
  await gateway?.close();
  await fake?.close();
});

const chat = (body: Record<string, unknown>) =>
  fetch(`${gateway.baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], ...body }) });

describe('protocol details', () => {
  it('names a wrong-typed model invalid_type and a missing one missing_required_parameter', async () => {
    for (const model of [123, true, ['a'], { id: 'x' }]) {
      const res = await chat({ model });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { param: 'model', code: 'invalid_type' } });
    }
    const missing = await chat({});
    expect(await missing.json()).toMatchObject({ error: { param: 'model', code: 'missing_required_parameter' } });
  });

  it('caps what it echoes of a 1 MB model name, bare or under a provider prefix', async () => {
    const huge = 'm'.repeat(1024 * 1024);
    const unknown = await chat({ model: huge });
    expect(unknown.status).toBe(404);
    const text = await unknown.text();
    expect(text.length).toBeLessThan(2_000);
    expect(text).toContain(`(${huge.length} chars)`);

    // Under a provider prefix the name is refused before any upstream is tried; the refusal is capped too.
    const prefixed = await chat({ model: `openai/${huge}` });
    expect(prefixed.status).toBe(400);
    expect((await prefixed.text()).length).toBeLessThan(2_000);
    expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
  });

  it('answers an upstream redirect with 502 bad_upstream_response', async () => {
    fake.reset();
    fake.enqueue({ status: 307, headers: { location: 'http://127.0.0.1:1/elsewhere' }, json: { moved: true } });
    const res = await chat({ model: 'openai/gpt-4o-mini' });
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ error: { code: 'bad_upstream_response' } });
    expect(res.headers.get('location')).toBeNull();
  });

  it('closes an SSE socket with the stream when the client sent Connection: close', async () => {
    const body = JSON.stringify({ model: 'openai/gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    const socket = connect(Number(new URL(gateway.url).port), '127.0.0.1');
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (text += d));
    // Keep-alive would hold the socket 65 s; 20 s is far more than a short stream needs on a loaded machine.
    const closed = new Promise<boolean>((resolve) => {
      socket.on('close', () => resolve(true));
      setTimeout(() => resolve(false), 20_000).unref();
    });
    socket.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    expect(await closed).toBe(true);
    socket.destroy();
    expect(text).toMatch(/^HTTP\/1\.1 200/);
    expect(text.toLowerCase()).toContain('connection: close');
    expect(text).toContain('data: [DONE]');
  }, 30_000);
});
