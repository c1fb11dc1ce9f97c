// Protocol details at the edges: a wrong-typed field is invalid_type (not "missing"), what is echoed of a huge
// model name is capped (body and x-gateway-model), and an upstream redirect is a 502, never a bare 3xx.
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
});
