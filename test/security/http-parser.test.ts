// What Node's HTTP parser (and Fastify's URL decoding) refuses is answered in OpenAI's error envelope, over a raw
// socket: duplicate or conflicting framing headers, bad chunks, bare CR/LF, bad escapes, oversized headers.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startGateway({ env: { MOCK_MODE: 'true', MOCK_DELAY_MS: '1' } });
}, 60_000);
afterAll(() => gateway?.close());

/** Sends raw bytes and reads until the server closes (or 5 s pass): the whole response as text. */
function raw(bytes: string): Promise<string> {
  const port = Number(new URL(gateway.url).port);
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let out = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (out += d));
    const done = () => resolve(out);
    socket.on('close', done);
    socket.on('error', done);
    socket.setTimeout(5_000, () => socket.destroy());
    socket.write(bytes, 'latin1');
  });
}

const post = (headers: string, body: string) => `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n${headers}\r\n${body}`;
const chat = '{"model":"mock/echo","messages":[{"role":"user","content":"hi"}]}';

const CASES: Array<[string, string, number]> = [
  ['duplicate Content-Length', post(`Content-Length: ${chat.length}\r\nContent-Length: 5\r\n`, chat), 400],
  ['Content-Length with Transfer-Encoding', post(`Content-Length: ${chat.length}\r\nTransfer-Encoding: chunked\r\n`, `${chat.length.toString(16)}\r\n${chat}\r\n0\r\n\r\n`), 400],
  ['a chunk size that is not hex', post('Transfer-Encoding: chunked\r\n', `zz\r\n${chat}\r\n0\r\n\r\n`), 400],
  ['a chunk longer than announced', post('Transfer-Encoding: chunked\r\n', `2\r\n${chat}\r\n0\r\n\r\n`), 400],
  ['a bare CR in a header', `GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n`, 400],
  ['a bare LF ending a header', `GET /health HTTP/1.1\r\nHost: x\nX-A: a\r\n\r\n`, 400],
  ['a space before the colon', `GET /health HTTP/1.1\r\nHost : x\r\n\r\n`, 400],
  ['a non-numeric Content-Length', post('Content-Length: abc\r\n', chat), 400],
  ['an unknown HTTP version', `GET /health HTTP/9.9\r\nHost: x\r\n\r\n`, 400],
  ['a control character in the path', `GET /he\x01alth HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 400],
  ['a bad % escape in the path', `GET /v1/models/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 400],
  ['a truncated % escape in the path', `GET /v1/models/% HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 400],
  ['headers over the limit', `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
];

describe('malformed HTTP answered in OpenAI’s envelope', () => {
  it.each(CASES)('%s', async (_name, bytes, status) => {
    const response = await raw(bytes);
    const [head = '', body = ''] = response.split('\r\n\r\n');
    expect(head.split('\r\n')[0]).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    const parsed = JSON.parse(body) as { error: { type: string; message: string; code: string } };
    expect(parsed.error.type).toBe('invalid_request_error');
    expect(parsed.error.code).toBeTruthy();
    expect(body).not.toContain('Client Error');
  });

  it('still answers a well-formed request on a fresh socket', async () => {
    const response = await raw(post(`Content-Length: ${chat.length}\r\nConnection: close\r\n`, chat));
    expect(response.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
  });
});
