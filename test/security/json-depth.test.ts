// A body nested thousands deep (10 KB) in any field is a 400 in the surface's envelope, found before parsing, and
// counts against no provider: the healthy upstream behind it keeps answering with its circuit closed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exceedsJsonDepth } from '../../src/http/json-depth.js';
import { startFakeOpenAI, type FakeUpstream } from '../fakes/openai-upstream.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

const nested = (depth: number, open = '[', close = ']') => `${open.repeat(depth)}${close.repeat(depth)}`;
const deepObject = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

describe('exceedsJsonDepth', () => {
  it('counts arrays and objects outside strings, escapes included', () => {
    expect(exceedsJsonDepth(nested(10), 10)).toBe(false);
    expect(exceedsJsonDepth(nested(11), 10)).toBe(true);
    expect(exceedsJsonDepth(deepObject(11), 10)).toBe(true);
    expect(exceedsJsonDepth(JSON.stringify({ s: nested(50) }), 10)).toBe(false);
    expect(exceedsJsonDepth(JSON.stringify({ s: `\\"${nested(50)}` }), 10)).toBe(false);
    expect(exceedsJsonDepth(`["\\\\", ${nested(11)}]`, 11)).toBe(true);
    expect(exceedsJsonDepth(`{"unterminated: ${nested(50)}`, 10)).toBe(false);
  });
});

describe('deeply nested bodies', () => {
  let fake: FakeUpstream;
  let gateway: TestGateway;
  beforeAll(async () => {
    fake = await startFakeOpenAI({ models: ['gpt-4o-mini'], apiKey: 'sk-depth-test-123456' });
    gateway = await startGateway({
      env: { OPENAI_API_KEY: 'sk-depth-test-123456', OPENAI_BASE_URL: fake.baseUrl },
      configure: (c) => {
        c.breaker.failureThreshold = 2;
      },
    });
  }, 60_000);
  afterAll(async () => {
    await gateway?.close();
    await fake?.close();
  });

  const post = (url: string, body: string) => fetch(`${gateway.url}${url}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const chat = (extra: string) => `{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"hi"}],${extra}}`;

  it('answers 400 json_too_deep on every surface, whatever field holds the nesting', async () => {
    const deep = nested(5_000);
    const cases: Array<[string, string]> = [
      ['/v1/chat/completions', chat(`"metadata":{"x":${deep}}`)],
      ['/v1/chat/completions', chat(`"tools":[{"type":"function","function":{"name":"f","parameters":${deepObject(5_000)}}}]`)],
      ['/v1/chat/completions', chat(`"stream":true,"response_format":${deep}`)],
      ['/v1/embeddings', `{"model":"openai/text-embedding-3-small","input":${deep}}`],
      ['/api/ask', `{"question":"hi","session_id":${deep}}`],
      ['/api/streaming', `{"question":${deep}}`],
    ];
    for (const [url, body] of cases) {
      const res = await post(url, body);
      expect(res.status, url).toBe(400);
      expect(await res.json(), url).toMatchObject({ error: { type: 'invalid_request_error', code: 'json_too_deep' } });
    }
    expect(fake.requests).toHaveLength(0);
  });

  it('leaves the provider healthy: ordinary nesting passes and the circuit stays closed', async () => {
    for (let i = 0; i < 5; i++) await post('/v1/chat/completions', chat(`"metadata":{"x":${nested(5_000)}}`));
    const ok = await post('/v1/chat/completions', chat(`"metadata":{"x":"${nested(20)}"}`));
    expect(ok.status).toBe(200);
    const report = (await (await fetch(`${gateway.url}/health/providers`)).json()) as unknown;
    expect(JSON.stringify(report)).not.toMatch(/"open"/);
  });
});
