// SSRF through image_url (issue 11, defect 3): every spelling of a loopback address, names that resolve to one, a
// rebinding resolver and a redirect from an allowed host are refused before any connection; a loopback listener
// counts accepted sockets and must see none. Refusals and failures all answer the same generic 400.
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors.js';
import { createImageFetcher, type ImageFetcher } from '../../src/providers/inline-images.js';
import type { GuardOptions } from '../../src/upstream/guarded-agent.js';
import { startFakeOpenAI, type FakeUpstream } from '../fakes/openai-upstream.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

const GENERIC = 'The image URL could not be fetched: only https images on public hosts are fetched. Send the image as a data URL instead.';
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

/** A TCP listener that only counts: any accepted socket means the guard let a connection through. */
interface Trap {
  port: number;
  accepted: number;
  close(): Promise<void>;
}

async function startTrap(host: string, port = 0): Promise<Trap | undefined> {
  const sockets: Socket[] = [];
  const server: NetServer = createServer((socket) => {
    trap.accepted++;
    sockets.push(socket);
    socket.destroy();
  });
  const trap: Trap = {
    port: 0,
    accepted: 0,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const listening = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, host, () => resolve(true));
  });
  if (!listening) return undefined;
  trap.port = (server.address() as AddressInfo).port;
  return trap;
}

let trap: Trap;
/** The same port on ::1, when the machine has IPv6 loopback. */
let trap6: Trap | undefined;
let imageHost: Server;
let imagePort: number;
let closedPort: number;

beforeAll(async () => {
  trap = (await startTrap('127.0.0.1'))!;
  trap6 = await startTrap('::1', trap.port);
  // An operator's allowed image host: serves a PNG, or redirects to the trap.
  imageHost = createHttpServer((req, res) => {
    if (req.url === '/cat.png') res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
    else res.writeHead(302, { location: decodeURIComponent((req.url ?? '/').slice(1)) }).end();
  });
  await new Promise<void>((resolve) => imageHost.listen(0, '127.0.0.1', resolve));
  imagePort = (imageHost.address() as AddressInfo).port;
  const spare = (await startTrap('127.0.0.1'))!;
  closedPort = spare.port;
  await spare.close();
});

afterAll(async () => {
  await Promise.all([trap.close(), trap6?.close(), new Promise((resolve) => imageHost.close(resolve))]);
});

const connections = () => trap.accepted + (trap6?.accepted ?? 0);

async function refusal(fetcher: ImageFetcher, url: string): Promise<GatewayError> {
  const err = await fetcher(url, AbortSignal.timeout(5_000)).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GatewayError);
  return err as GatewayError;
}

const production = createImageFetcher({ provider: 'test' });

describe('the default image fetcher refuses loopback in every spelling, before connecting', () => {
  const forms = (port: number) => [
    `https://127.1:${port}/x.png`,
    `https://2130706433:${port}/x.png`,
    `https://0x7f000001:${port}/x.png`,
    `https://0177.0.0.1:${port}/x.png`,
    `https://127.0.0.1:${port}/x.png`,
    `https://[::1]:${port}/x.png`,
    `https://[::ffff:127.0.0.1]:${port}/x.png`,
    `https://[::ffff:7f00:1]:${port}/x.png`,
    `https://[::127.0.0.1]:${port}/x.png`,
    `https://localhost:${port}/x.png`,
    `https://LOCALHOST.:${port}/x.png`,
    `https://user@localhost:${port}/x.png`,
    `https://user:secret@example.com@127.0.0.1:${port}/x.png`,
  ];

  it('answers one generic 400 for each form, and the listener sees no connection', async () => {
    const before = connections();
    for (const url of forms(trap.port)) {
      const err = await refusal(production, url);
      expect(err, url).toMatchObject({ status: 400, type: 'invalid_request_error', code: 'invalid_image_url', message: GENERIC });
    }
    expect(connections() - before).toBe(0);
  });

  it('refuses plain http to loopback too (no allowHttp in production)', async () => {
    const before = connections();
    expect((await refusal(production, `http://127.0.0.1:${trap.port}/x.png`)).message).toBe(GENERIC);
    expect(connections() - before).toBe(0);
  });
});

describe('names are judged by every address they resolve to, at connect time', () => {
  const resolver = (answers: string[]): GuardOptions['lookup'] => (_host, _opts, callback) =>
    callback(null, answers.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));

  it.each([
    ['loopback', ['127.0.0.1']],
    ['a public address and a loopback one (first public, as a rebinding DNS might answer)', ['93.184.216.34', '127.0.0.1']],
    ['IPv6 loopback', ['::1']],
    ['a mapped IPv4 loopback', ['::ffff:127.0.0.1']],
    ['a private address', ['10.0.0.7']],
    ['CGNAT', ['100.64.1.1']],
    ['link-local (cloud metadata)', ['169.254.169.254']],
  ])('refuses a name resolving to %s', async (_label, answers) => {
    const fetcher = createImageFetcher({ provider: 'test', lookup: resolver(answers) });
    const before = connections();
    expect((await refusal(fetcher, `https://images.example:${trap.port}/x.png`)).message).toBe(GENERIC);
    expect(connections() - before).toBe(0);
  });
});

describe('an allowed host (IMAGE_FETCH_ALLOW_HOSTS) is fetched; where it redirects is judged again', () => {
  const allowed = () => createImageFetcher({ provider: 'test', allowHttp: true, policy: { mode: 'public', allowHosts: [`127.0.0.1:${imagePort}`] } });

  it('fetches the allowed host itself (the guard is not refusing everything)', async () => {
    expect(await allowed()(`http://127.0.0.1:${imagePort}/cat.png`, AbortSignal.timeout(5_000))).toEqual({ mimeType: 'image/png', data: PNG });
  });

  it.each([
    (port: number) => `http://127.0.0.1:${port}/x.png`,
    (port: number) => `http://localhost:${port}/x.png`,
    (port: number) => `http://[::1]:${port}/x.png`,
    (port: number) => `http://2130706433:${port}/x.png`,
  ])('refuses a redirect from it to loopback (%#), with no connection', async (target) => {
    const before = connections();
    const err = await refusal(allowed(), `http://127.0.0.1:${imagePort}/${encodeURIComponent(target(trap.port))}`);
    expect(err.message).toBe(GENERIC);
    expect(connections() - before).toBe(0);
  });

  it('says the same for a refused port, a TLS failure and a refusal: nothing maps the target', async () => {
    const refusedPort = await refusal(allowed(), `http://127.0.0.1:${closedPort}/x.png`);
    const tlsToPlainHttp = await refusal(createImageFetcher({ provider: 'test', policy: { mode: 'public', allowHosts: [`127.0.0.1:${imagePort}`] } }), `https://127.0.0.1:${imagePort}/cat.png`);
    const refused = await refusal(production, `https://127.0.0.1:${trap.port}/x.png`);
    for (const err of [refusedPort, tlsToPlainHttp, refused]) {
      expect(err.message).toBe(GENERIC);
      expect(err.message).not.toMatch(/ECONN|EPROTO|certificate|version|127\.0\.0\.1|\d{4,5}/);
    }
  });

  it('allowlist mode fetches nothing else, and off fetches nothing at all', async () => {
    const listOnly = createImageFetcher({ provider: 'test', policy: { mode: 'allowlist', allowHosts: ['cdn.example'] } });
    expect((await refusal(listOnly, 'https://images.example/x.png')).message).toBe(GENERIC);
    const off = createImageFetcher({ provider: 'test', policy: { mode: 'off', allowHosts: [] } });
    expect((await refusal(off, `https://127.0.0.1:${trap.port}/x.png`)).message).toContain('IMAGE_FETCH=off');
  });
});

describe('through the gateway', () => {
  let fake: FakeUpstream;
  let gateway: TestGateway;

  beforeAll(async () => {
    fake = await startFakeOpenAI({ models: ['vision'] });
    gateway = await startGateway({ env: { LMSTUDIO_BASE_URL: fake.baseUrl, LMSTUDIO_MODEL: 'vision' } });
  });
  afterAll(async () => {
    await gateway?.close();
    await fake?.close();
  });

  it('answers 400 naming the image part, sends nothing upstream and connects nowhere', async () => {
    const before = connections();
    const res = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'lmstudio/vision',
        messages: [{ role: 'user', content: [{ type: 'text', text: 'what is it?' }, { type: 'image_url', image_url: { url: `https://0x7f000001:${trap.port}/x.png` } }] }],
      }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { message: GENERIC, type: 'invalid_request_error', param: 'messages[0].content[1].image_url.url', code: 'invalid_image_url' } });
    expect(connections() - before).toBe(0);
    expect(fake.requests.filter((r) => r.method === 'POST')).toEqual([]);
  });
});
