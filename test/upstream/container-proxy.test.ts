// A proxy on the host seen from a container: localhost proxy URLs → host.docker.internal inside a container only,
// kept when something listens locally (a sidecar), off with PROXY_REWRITE_LOCALHOST=false; real proxying still works.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import {
  envProxySettings,
  proxiesSeenFromContainer,
  rewriteLocalhostProxy,
  runningInContainer,
  type ContainerProbe,
} from '../../src/upstream/container-proxy.js';
import { createDispatcher, readText, sendUpstream } from '../../src/upstream/http.js';
import { startConnectProxy, type FakeProxy } from '../fakes/connect-proxy.js';
import { startFakeOpenAI, type FakeUpstream } from '../fakes/openai-upstream.js';
import { startRecordingUpstream, type RecordingUpstream } from '../fakes/recording-upstream.js';
import { startGateway } from '../helpers/gateway.js';

const inside = { inContainer: true, enabled: true };

describe('rewriteLocalhostProxy', () => {
  it.each([
    ['http://localhost:12334', 'http://host.docker.internal:12334'],
    ['http://LOCALHOST:12334/', 'http://host.docker.internal:12334/'],
    ['http://127.0.0.1:3128', 'http://host.docker.internal:3128'],
    ['http://127.0.1.1:3128', 'http://host.docker.internal:3128'],
    ['http://[::1]:8888', 'http://host.docker.internal:8888'],
    ['https://localhost', 'https://host.docker.internal'],
    ['http://user:p%40ss@localhost:12334', 'http://user:p%40ss@host.docker.internal:12334'],
  ])('inside a container: %s → %s', (from, to) => {
    expect(rewriteLocalhostProxy(from, inside)).toBe(to);
  });

  it('leaves other hosts, other places and the off switch alone', () => {
    expect(rewriteLocalhostProxy('http://proxy.corp:3128', inside)).toBeUndefined();
    expect(rewriteLocalhostProxy('http://10.0.0.1:3128', inside)).toBeUndefined();
    expect(rewriteLocalhostProxy('http://localhost.evil.example:3128', inside)).toBeUndefined();
    expect(rewriteLocalhostProxy('not a url', inside)).toBeUndefined();
    expect(rewriteLocalhostProxy('http://localhost:12334', { inContainer: false, enabled: true })).toBeUndefined();
    expect(rewriteLocalhostProxy('http://localhost:12334', { inContainer: true, enabled: false })).toBeUndefined();
  });
});

describe('runningInContainer', () => {
  const probe = (files: Record<string, string>): ContainerProbe => ({ exists: (p) => p in files, read: (p) => files[p] ?? '' });
  it.each([
    ['/.dockerenv', { '/.dockerenv': '' }],
    ['Podman /run/.containerenv', { '/run/.containerenv': '' }],
    ['cgroup v1 docker', { '/proc/1/cgroup': '12:memory:/docker/3f2a9c\n' }],
    ['Kubernetes', { '/proc/1/cgroup': '11:cpu:/kubepods/burstable/pod1/abc\n' }],
    ['cgroup v2 mounts', { '/proc/1/cgroup': '0::/\n', '/proc/self/mountinfo': '612 590 8:1 /var/lib/docker/containers/3f2a/hostname /etc/hostname rw' }],
  ])('detects %s', (_name, files) => {
    expect(runningInContainer(probe(files))).toBe(true);
  });
  it('says no on a plain host', () => {
    expect(runningInContainer(probe({ '/proc/1/cgroup': '0::/init.scope\n', '/proc/self/mountinfo': '25 1 8:1 / / rw' }))).toBe(false);
  });
});

describe('env proxy settings', () => {
  it('reads lowercase before uppercase, as undici does, and nothing when no proxy is set', () => {
    expect(envProxySettings({ HTTPS_PROXY: 'http://a:1', https_proxy: 'http://b:2', NO_PROXY: 'x' })).toEqual({ httpProxy: undefined, httpsProxy: 'http://b:2', noProxy: 'x' });
    expect(envProxySettings({ NO_PROXY: 'x' })).toBeUndefined();
  });
  it('PROXY_REWRITE_LOCALHOST is on by default, off with false, and must be a boolean', () => {
    expect(loadConfig({}).proxyRewriteLocalhost).toBe(true);
    expect(loadConfig({ PROXY_REWRITE_LOCALHOST: 'false' }).proxyRewriteLocalhost).toBe(false);
    expect(() => loadConfig({ PROXY_REWRITE_LOCALHOST: 'sometimes' })).toThrow(ConfigError);
  });
});

describe('proxiesSeenFromContainer', () => {
  function logged() {
    const lines: string[] = [];
    const log = createLogger('info', new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(chunk.toString()), done()) }));
    return { log, lines };
  }
  const configOf = (env: Record<string, string>, proxy?: string) => {
    const config = loadConfig(env);
    config.providers.push({ id: 'corp', type: 'openai-compatible', baseUrl: 'https://corp.example/v1', ...(proxy ? { proxy } : {}) });
    return config;
  };
  const nothingListens = { inContainer: () => true, isListening: async () => false };

  it('inside a container with nothing listening locally: rewrites env and provider proxies and logs host:port only', async () => {
    const { log, lines } = logged();
    const config = configOf({ HTTPS_PROXY: 'http://user:hunter2@localhost:12334', HTTP_PROXY: 'http://proxy.corp:3128' }, 'http://127.0.0.1:9000');
    const settings = await proxiesSeenFromContainer(config, log, nothingListens);
    expect(settings).toMatchObject({ httpsProxy: 'http://user:hunter2@host.docker.internal:12334', httpProxy: 'http://proxy.corp:3128' });
    expect(config.providers.find((p) => p.id === 'corp')?.proxy).toBe('http://host.docker.internal:9000');
    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(entries.map((e) => [e.setting, e.from, e.to])).toEqual([
      ['provider corp proxy', '127.0.0.1:9000', 'host.docker.internal:9000'],
      ['HTTPS_PROXY', 'localhost:12334', 'host.docker.internal:12334'],
    ]);
    expect(lines.join('')).not.toContain('hunter2');
  });

  it('keeps a localhost proxy that answers inside the container (a sidecar)', async () => {
    const { log, lines } = logged();
    const config = configOf({ HTTPS_PROXY: 'http://localhost:12334' });
    const settings = await proxiesSeenFromContainer(config, log, { inContainer: () => true, isListening: async () => true });
    expect(settings?.httpsProxy).toBe('http://localhost:12334');
    expect(lines).toEqual([]);
  });

  it('changes nothing outside a container or with PROXY_REWRITE_LOCALHOST=false', async () => {
    const { log, lines } = logged();
    const outside = configOf({ HTTPS_PROXY: 'http://localhost:12334' }, 'http://localhost:9000');
    expect((await proxiesSeenFromContainer(outside, log, { inContainer: () => false, isListening: async () => false }))?.httpsProxy).toBe('http://localhost:12334');
    const off = configOf({ HTTPS_PROXY: 'http://localhost:12334', PROXY_REWRITE_LOCALHOST: 'false' }, 'http://localhost:9000');
    expect((await proxiesSeenFromContainer(off, log, nothingListens))?.httpsProxy).toBe('http://localhost:12334');
    expect([outside, off].map((c) => c.providers.find((p) => p.id === 'corp')?.proxy)).toEqual(['http://localhost:9000', 'http://localhost:9000']);
    expect(lines).toEqual([]);
  });
});

describe('through a real CONNECT proxy on loopback, not in a container', () => {
  let proxy: FakeProxy;
  let upstream: RecordingUpstream;
  let fake: FakeUpstream;
  beforeAll(async () => {
    [proxy, upstream, fake] = await Promise.all([startConnectProxy(), startRecordingUpstream('a'), startFakeOpenAI({ models: ['m1'] })]);
  });
  afterAll(async () => {
    await Promise.all([proxy.close(), upstream.close(), fake.close()]);
  });

  it('the dispatcher built from the resolved settings still goes through the proxy', async () => {
    const log = createLogger('silent');
    const config = loadConfig({ HTTP_PROXY: proxy.url, NO_PROXY: '' });
    const envProxy = await proxiesSeenFromContainer(config, log, { inContainer: () => false });
    const dispatcher = createDispatcher({ envProxy });
    try {
      const res = await sendUpstream({ url: `${upstream.url}/v1/models`, method: 'GET', dispatcher, provider: 'test', headersTimeoutMs: 5000 });
      expect(JSON.parse(await readText(res, 'test'))).toEqual({ served_by: 'a', path: '/v1/models' });
      expect(proxy.seen).toContainEqual(expect.objectContaining({ target: `127.0.0.1:${upstream.port}` }));
    } finally {
      await dispatcher.close();
    }
  });

  it('a gateway configured with HTTP_PROXY sends its upstream calls through it', async () => {
    const gateway = await startGateway({ env: { HTTP_PROXY: proxy.url, NO_PROXY: '', OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.baseUrl } });
    try {
      const res = await fetch(`${gateway.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'openai/m1', messages: [{ role: 'user', content: 'via proxy' }] }),
      });
      expect(res.status).toBe(200);
      expect(proxy.seen).toContainEqual({ method: 'CONNECT', target: new URL(fake.url).host });
    } finally {
      await gateway.close();
    }
  });
});
