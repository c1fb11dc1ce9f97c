// Remote image URLs → data URLs: the default fetcher against a loopback image server, and the message rewrite.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/errors.js';
import { createImageFetcher, inlineImageUrls, type ImageFetcher } from '../../../src/providers/shared/images.js';
import { chatRequest, closeDispatcher, dispatcher, failure } from '../openai-compatible/helpers.js';

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
let server: Server;
let base: string;
const hits: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url === '/cat.png') res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
    else if (req.url === '/octet') res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2]));
    else if (req.url === '/moved') res.writeHead(302, { location: '/cat.png' }).end();
    else if (req.url === '/loop') res.writeHead(302, { location: '/loop' }).end();
    else if (req.url === '/big') res.writeHead(200, { 'content-type': 'image/png', 'content-length': '5000' }).end(Buffer.alloc(5000));
    else if (req.url === '/big-chunked') {
      res.writeHead(200, { 'content-type': 'image/png' });
      res.write(Buffer.alloc(3000));
      res.end(Buffer.alloc(3000));
    } else if (req.url === '/page') res.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>');
    else if (req.url === '/doc') res.writeHead(200, { 'content-type': 'application/pdf' }).end('%PDF-1.7\n');
    else if (req.url === '/photo.heic' || req.url === '/blob') res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.from('ftypheic'));
    else if (req.url === '/slow') return; // never answers: abort tests
    else res.writeHead(404).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await closeDispatcher();
});

const fetcher = createImageFetcher({ provider: 'ollama', transport: dispatcher, allowHttp: true, maxBytes: 4096 });
const signal = () => AbortSignal.timeout(2000);
/** Refused, unreachable, redirected too often or not 200: one message that says nothing about the target. */
const UNFETCHABLE = 'The image URL could not be fetched: only https images on public hosts are fetched. Send the image as a data URL instead.';

describe('createImageFetcher', () => {
  it('fetches an image with its content type', async () => {
    const img = await fetcher(`${base}/cat.png`, signal());
    expect(img).toEqual({ mimeType: 'image/png', data: PNG });
  });

  it('follows redirects and sniffs images served as octet-stream', async () => {
    expect((await fetcher(`${base}/moved`, signal())).mimeType).toBe('image/png');
    expect((await fetcher(`${base}/octet`, signal())).mimeType).toBe('image/jpeg');
    expect(await failure(fetcher(`${base}/loop`, signal()))).toMatchObject({ status: 400, code: 'invalid_image_url', message: UNFETCHABLE });
  });

  it.each([
    ['/big', 'larger than 4096 bytes'],
    ['/big-chunked', 'larger than 4096 bytes'],
    ['/page', "not an image (content-type 'text/html')"],
    ['/nothing', UNFETCHABLE],
  ])('refuses %s with a 400', async (path, reason) => {
    const err = await failure(fetcher(`${base}${path}`, signal()));
    expect(err).toMatchObject({ status: 400, code: 'invalid_image_url' });
    expect(err.message).toContain(reason);
  });

  it('refuses plain http unless allowed, and unreachable hosts', async () => {
    const strict = createImageFetcher({ provider: 'ollama', transport: dispatcher });
    expect((await failure(strict(`${base}/cat.png`, signal()))).message).toBe(UNFETCHABLE);
    const closed = await failure(fetcher('http://127.0.0.1:9/cat.png', signal()));
    expect(closed).toMatchObject({ status: 400, code: 'invalid_image_url', message: UNFETCHABLE });
  });
});

describe('the fetcher Gemini, Ollama and LM Studio share', () => {
  it('takes PDFs only when allowed', async () => {
    expect((await failure(fetcher(`${base}/doc`, signal()))).message).toContain("not an image (content-type 'application/pdf')");
    const withPdf = createImageFetcher({ provider: 'gemini', transport: dispatcher, allowHttp: true, allowPdf: true });
    expect(await withPdf(`${base}/doc`, signal())).toEqual({ mimeType: 'application/pdf', data: Buffer.from('%PDF-1.7\n') });
  });

  it('falls back to the URL extension for untyped bytes it cannot sniff', async () => {
    expect((await fetcher(`${base}/photo.heic`, signal())).mimeType).toBe('image/heic');
    expect((await failure(fetcher(`${base}/blob`, signal()))).message).toContain("not an image (content-type 'application/octet-stream')");
  });

  it('keeps an abort an abort (client gone or timeout), not a 400 about the URL', async () => {
    const controller = new AbortController();
    const reason = new Error('client went away');
    setTimeout(() => controller.abort(reason), 20);
    expect(await failure(fetcher(`${base}/slow`, controller.signal))).toBe(reason);
  });
});

describe('inlineImageUrls', () => {
  it('returns the same messages when there is nothing remote', async () => {
    const { messages } = chatRequest({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] }] });
    const never: ImageFetcher = () => Promise.reject(new Error('must not fetch'));
    expect(await inlineImageUrls(messages, never, signal())).toBe(messages);
  });

  it('fetches each distinct URL once and keeps detail and other parts', async () => {
    hits.length = 0;
    const { messages } = chatRequest({
      messages: [
        { role: 'system', content: 'sys' },
        { role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'image_url', image_url: { url: `${base}/cat.png`, detail: 'low' } }] },
        { role: 'user', content: [{ type: 'image_url', image_url: { url: `${base}/cat.png` } }] },
      ],
    });
    const out = await inlineImageUrls(messages, fetcher, signal());
    // The abort test's request to /slow may reach the server only now, under load: it is not this test's.
    expect(hits.filter((h) => h !== '/slow')).toEqual(['/cat.png']);
    expect(out[0]).toBe(messages[0]);
    expect(out[1]).toEqual({ role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG.toString('base64')}`, detail: 'low' } }] });
  });

  it('names the failing part in param and lets non-400 errors through unchanged', async () => {
    const { messages } = chatRequest({ messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }, { type: 'image_url', image_url: { url: `${base}/page` } }] }] });
    expect(await failure(inlineImageUrls(messages, fetcher, signal()))).toMatchObject({ status: 400, param: 'messages[0].content[1].image_url.url' });
    const boom = new GatewayError({ status: 504, message: 'slow' });
    expect(await failure(inlineImageUrls(messages, () => Promise.reject(boom), signal()))).toBe(boom);
  });
});
