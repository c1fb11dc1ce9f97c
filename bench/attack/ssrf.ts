// The SSRF step of the attack run: image_url in every address form of issue 11, sent through a Gemini target (the
// adapter that fetches image URLs and inlines them) at a loopback listener that must see no connection, each answer
// the one generic 400. An operator-allowed host (IMAGE_FETCH_ALLOW_HOSTS) serves a PNG, which must arrive inlined at
// the fake Gemini (so the step cannot pass with a fetcher that never fetches), or redirects to the listener.
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer, type AddressInfo, type Server as NetServer } from 'node:net';
import { createImageFetcher, type ImageFetcher } from '../../src/providers/shared/images.js';

/** What every refusal and failure answers (src/providers/shared/images.ts): nothing about the target. */
const GENERIC = 'The image URL could not be fetched: only https images on public hosts are fetched. Send the image as a data URL instead.';
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

export interface SsrfTargets {
  /** The image fetcher the gateway gets: production's, with the allowed host listed and http allowed (to reach it). */
  fetchImage: ImageFetcher;
  /** Connections the listener accepted, IPv4 and IPv6 loopback together. */
  connections(): number;
  cases(): Array<{ name: string; url: string }>;
  /** The allowed host's PNG: must be fetched and inlined. */
  controlUrl: string;
  close(): Promise<void>;
}

function listen(server: NetServer | Server, host: string, port = 0): Promise<boolean> {
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, host, () => resolve(true));
  });
}

export async function startSsrfTargets(): Promise<SsrfTargets> {
  let accepted = 0;
  const trap = (): NetServer =>
    createServer((socket) => {
      accepted++;
      socket.destroy();
    });
  const trap4 = trap();
  await listen(trap4, '127.0.0.1');
  const port = (trap4.address() as AddressInfo).port;
  // The same port on ::1 when the machine has IPv6 loopback, so a guard that let [::1] through is seen too.
  const trap6 = trap();
  const has6 = await listen(trap6, '::1', port);
  const imageHost = createHttpServer((req, res) => {
    if (req.url === '/cat.png') res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
    else res.writeHead(302, { location: decodeURIComponent((req.url ?? '/').slice(1)) }).end();
  });
  await listen(imageHost, '127.0.0.1');
  const imageAt = `127.0.0.1:${(imageHost.address() as AddressInfo).port}`;
  const forms = [
    `127.1:${port}`,
    `2130706433:${port}`,
    `0x7f000001:${port}`,
    `0177.0.0.1:${port}`,
    `017700000001:${port}`,
    `127.0.0.1:${port}`,
    `0.0.0.0:${port}`,
    `[::1]:${port}`,
    `[::ffff:127.0.0.1]:${port}`,
    `[::ffff:7f00:1]:${port}`,
    `localhost:${port}`,
    `user@localhost:${port}`,
    `user:pw@example.com@127.0.0.1:${port}`,
  ];
  const redirects = [`http://127.0.0.1:${port}/x.png`, `http://localhost:${port}/x.png`, `http://[::1]:${port}/x.png`, `https://2130706433:${port}/x.png`];
  return {
    fetchImage: createImageFetcher({ provider: 'gateway', allowPdf: true, allowHttp: true, policy: { mode: 'public', allowHosts: [imageAt] } }),
    connections: () => accepted,
    cases: () => [
      ...forms.flatMap((host) => ['https', 'http'].map((scheme) => ({ name: `${scheme}://${host}`, url: `${scheme}://${host}/x.png` }))),
      ...redirects.map((target) => ({ name: `redirect to ${target}`, url: `http://${imageAt}/${encodeURIComponent(target)}` })),
    ],
    controlUrl: `http://${imageAt}/cat.png`,
    close: async () => {
      await Promise.all([trap4, ...(has6 ? [trap6] : []), imageHost].map((s) => new Promise((resolve) => s.close(resolve))));
    },
  };
}

/** The generic 400, in the OpenAI envelope, and nothing else. */
export function isGenericRefusal(status: number, text: string): boolean {
  if (status !== 400) return false;
  try {
    const { error } = JSON.parse(text) as { error?: { message?: string; code?: string } };
    return error?.message === GENERIC && error.code === 'invalid_image_url';
  } catch {
    return false;
  }
}

/** The control image arrived at the upstream inlined (base64), not as a URL. */
export const inlinedPng = (upstreamBody: unknown): boolean => JSON.stringify(upstreamBody).includes(PNG.toString('base64'));
