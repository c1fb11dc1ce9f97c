// BODY_LIMIT_BYTES: a body over the limit is refused with 413 and an OpenAI error body, announced or chunked.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startGateway({ env: { MOCK_MODE: 'true', MOCK_DELAY_MS: '1', BODY_LIMIT_BYTES: '2048' } });
});
afterAll(() => gateway?.close());

const bodyOfSize = (bytes: number) => {
  const base = JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: '' }] });
  return JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'x'.repeat(bytes - base.length) }] });
};

/** Sends the body in pieces without Content-Length (Transfer-Encoding: chunked). */
function postChunked(url: string, pieces: string[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    for (const piece of pieces) req.write(piece);
    req.end();
  });
}

describe('request body limit', () => {
  it('accepts a body at the limit', async () => {
    const body = bodyOfSize(2048);
    expect(Buffer.byteLength(body)).toBe(2048);
    const res = await fetch(`${gateway.baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(200);
  });

  it('refuses a body over the limit with 413 and an OpenAI error', async () => {
    const res = await fetch(`${gateway.baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bodyOfSize(2049) });
    expect(res.status).toBe(413);
    const body = (await res.json()) as { error: { message: string; type: string; code: string; param: unknown } };
    expect(body.error).toMatchObject({ type: 'invalid_request_error', code: 'request_too_large', param: null });
    expect(body.error.message).toMatch(/\S/);
  });

  it('refuses a chunked body once it grows past the limit', async () => {
    const body = bodyOfSize(4096);
    const res = await postChunked(`${gateway.baseURL}/chat/completions`, [body.slice(0, 1500), body.slice(1500, 3000), body.slice(3000)]);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'request_too_large' } });
  });
});
