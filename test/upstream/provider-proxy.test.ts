// A provider's own `proxy` in the GATEWAY_CONFIG file: its upstream calls go through that proxy, other providers' not.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConnectProxy, type FakeProxy } from '../fakes/connect-proxy.js';
import { startFakeOpenAI, type FakeUpstream } from '../fakes/openai-upstream.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

let proxy: FakeProxy;
let fake: FakeUpstream;
let gateway: TestGateway;
let dir: string;

beforeAll(async () => {
  [proxy, fake] = await Promise.all([startConnectProxy(), startFakeOpenAI({ models: ['m1'] })]);
  dir = mkdtempSync(join(tmpdir(), 'llm-gateway-proxy-config-'));
  const file = join(dir, 'gateway.yaml');
  writeFileSync(
    file,
    [
      'providers:',
      '  - { id: viaproxy, type: openai-compatible, base_url: "' + fake.baseUrl + '", proxy: "' + proxy.url + '" }',
      '  - { id: direct, type: openai-compatible, base_url: "' + fake.baseUrl + '" }',
    ].join('\n'),
  );
  gateway = await startGateway({ env: { GATEWAY_CONFIG: file } });
});

afterAll(async () => {
  await gateway?.close();
  await Promise.all([proxy?.close(), fake?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

const ask = (model: string) =>
  fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'via?' }] }),
  });

describe('per-provider proxy', () => {
  it('routes only that provider through its proxy', async () => {
    const target = new URL(fake.url).host;
    const direct = await ask('direct/m1');
    expect(direct.status).toBe(200);
    expect(proxy.seen).toEqual([]);

    const proxied = await ask('viaproxy/m1');
    expect(proxied.status).toBe(200);
    expect(((await proxied.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content).toBe('via?');
    // undici's ProxyAgent tunnels (CONNECT) to http:// targets too, so the proxy sees the host, not the path.
    expect(proxy.seen).toEqual([{ method: 'CONNECT', target }]);
    expect(fake.requests.filter((r) => r.path.endsWith('/chat/completions'))).toHaveLength(2);
  });
});
