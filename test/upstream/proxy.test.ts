// Outbound proxy: createDispatcher routes sendUpstream through an explicit proxy or HTTP(S)_PROXY, and NO_PROXY bypasses it.
import { request as httpRequest } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Dispatcher } from 'undici';
import { GatewayError } from '../../src/errors.js';
import { createDispatcher, readText, sendUpstream } from '../../src/upstream/http.js';
import { startConnectProxy, type FakeProxy } from '../fakes/connect-proxy.js';
import { startRecordingUpstream, type RecordingUpstream } from '../fakes/recording-upstream.js';

const PROXY_VARS = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy'] as const;

let proxy: FakeProxy;
let upstream: RecordingUpstream;
let other: RecordingUpstream;
let dispatchers: Dispatcher[];
let savedEnv: Partial<Record<(typeof PROXY_VARS)[number], string>>;

function dispatcher(options?: Parameters<typeof createDispatcher>[0]): Dispatcher {
  const d = createDispatcher(options);
  dispatchers.push(d);
  return d;
}

async function get(url: string, d: Dispatcher): Promise<{ status: number; body: unknown }> {
  const res = await sendUpstream({ url, method: 'GET', dispatcher: d, provider: 'test', headersTimeoutMs: 5000 });
  return { status: res.status, body: JSON.parse(await readText(res, 'test')) };
}

const target = (u: RecordingUpstream) => `127.0.0.1:${u.port}`;

beforeEach(async () => {
  savedEnv = {};
  for (const name of PROXY_VARS) {
    savedEnv[name] = process.env[name];
    delete process.env[name];
  }
  dispatchers = [];
  [proxy, upstream, other] = await Promise.all([startConnectProxy(), startRecordingUpstream('a'), startRecordingUpstream('b')]);
});

afterEach(async () => {
  await Promise.all(dispatchers.map((d) => d.close()));
  await Promise.all([proxy.close(), upstream.close(), other.close()]);
  for (const name of PROXY_VARS) {
    const value = savedEnv[name];
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe('the fake proxy itself', () => {
  it('forwards an absolute-URI request and records its target', async () => {
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: proxy.port, path: `${upstream.url}/v1/models`, method: 'GET' }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.end();
    });
    expect(JSON.parse(body)).toEqual({ served_by: 'a', path: '/v1/models' });
    expect(proxy.seen).toEqual([{ method: 'GET', target: target(upstream), path: '/v1/models' }]);
    expect(upstream.received[0]?.via).toBe('1.1 fake-proxy');
  });
});

describe('createDispatcher({ proxyUrl })', () => {
  it('sends the request through the proxy to the upstream', async () => {
    const res = await get(`${upstream.url}/v1/chat/completions`, dispatcher({ proxyUrl: proxy.url }));
    expect(res).toEqual({ status: 200, body: { served_by: 'a', path: '/v1/chat/completions' } });
    expect(proxy.seen).toContainEqual(expect.objectContaining({ target: target(upstream) }));
    expect(upstream.received).toHaveLength(1);
    expect(upstream.received[0]?.host).toBe(target(upstream));
  });

  it('overrides the environment: an explicit proxy is used even when NO_PROXY names the host', async () => {
    process.env.NO_PROXY = '127.0.0.1';
    await get(`${upstream.url}/x`, dispatcher({ proxyUrl: proxy.url }));
    expect(proxy.seen.map((r) => r.target)).toEqual([target(upstream)]);
  });

  it('reports an unreachable proxy as a 502 naming the provider', async () => {
    const deadProxy = proxy.url;
    await proxy.close();
    const err = await sendUpstream({ url: `${upstream.url}/x`, method: 'GET', dispatcher: dispatcher({ proxyUrl: deadProxy }), provider: 'test' }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GatewayError);
    expect(err).toMatchObject({ status: 502, provider: 'test', retryable: true });
    expect(upstream.received).toHaveLength(0);
    proxy = await startConnectProxy(); // afterEach closes it again
  });

  it.each([
    [403, false],
    [503, true],
  ])('reports a proxy refusing the tunnel with %i as a 502 (retryable: %s), not an internal error', async (status, retryable) => {
    proxy.denyConnectWith = status;
    const err = await sendUpstream({ url: `${upstream.url}/x`, method: 'GET', dispatcher: dispatcher({ proxyUrl: proxy.url }), provider: 'test' }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GatewayError);
    expect(err).toMatchObject({ status: 502, code: 'upstream_connection_error', provider: 'test', retryable });
    expect((err as Error).message).toContain(`HTTP ${status}`);
    expect(upstream.received).toHaveLength(0);
  });
});

describe('createDispatcher() with proxy variables in the environment', () => {
  it('honours HTTP_PROXY for an http:// upstream', async () => {
    process.env.HTTP_PROXY = proxy.url;
    const res = await get(`${upstream.url}/v1/models`, dispatcher());
    expect(res.status).toBe(200);
    expect(proxy.seen).toContainEqual(expect.objectContaining({ target: target(upstream) }));
    expect(upstream.received).toHaveLength(1);
  });

  it('honours lowercase http_proxy too', async () => {
    process.env.http_proxy = proxy.url;
    await get(`${upstream.url}/v1/models`, dispatcher());
    expect(proxy.seen.map((r) => r.target)).toEqual([target(upstream)]);
  });

  it('goes direct when no proxy variable is set, or when useEnvProxy is false', async () => {
    await get(`${upstream.url}/a`, dispatcher());
    process.env.HTTP_PROXY = proxy.url;
    await get(`${upstream.url}/b`, dispatcher({ useEnvProxy: false }));
    expect(proxy.seen).toEqual([]);
    expect(upstream.received.map((r) => r.path)).toEqual(['/a', '/b']);
  });

  it('NO_PROXY excludes a host:port while other hosts still use the proxy', async () => {
    process.env.HTTP_PROXY = proxy.url;
    process.env.NO_PROXY = `localhost,${target(upstream)}`;
    const d = dispatcher();
    const direct = await get(`${upstream.url}/direct`, d);
    const proxied = await get(`${other.url}/proxied`, d);
    expect(direct.body).toEqual({ served_by: 'a', path: '/direct' });
    expect(proxied.body).toEqual({ served_by: 'b', path: '/proxied' });
    expect(proxy.seen.map((r) => r.target)).toEqual([target(other)]);
  });

  it('NO_PROXY with a bare host excludes every port of it', async () => {
    process.env.HTTP_PROXY = proxy.url;
    process.env.NO_PROXY = '127.0.0.1';
    const d = dispatcher();
    await get(`${upstream.url}/x`, d);
    await get(`${other.url}/y`, d);
    expect(proxy.seen).toEqual([]);
    expect(upstream.received).toHaveLength(1);
    expect(other.received).toHaveLength(1);
  });
});
