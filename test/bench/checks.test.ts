// The benchmark's fake upstream and the response checks that decide whether a target "works".
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeUpstream } from '../../bench/fake-upstream.js';
import { checkJsonBody, checkStreamBody, requestBody } from '../../bench/checks.js';

const server = createFakeUpstream();
let base = '';

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function post(body: string): Promise<Response> {
  return fetch(base, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
}

describe('fake upstream', () => {
  it('answers a chat.completion that passes the JSON check', async () => {
    const res = await post(requestBody('m', false));
    expect(res.status).toBe(200);
    expect(checkJsonBody(await res.text())).toBeNull();
  });

  it('streams 20 content chunks, a finish chunk, a usage chunk and [DONE]', async () => {
    const res = await post(requestBody('m', true));
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const text = await res.text();
    expect(text.match(/^data: /gm)).toHaveLength(23);
    expect(checkStreamBody(text)).toBeNull();
  });

  it('leaves the usage chunk out unless stream_options.include_usage is set', async () => {
    const res = await post(JSON.stringify({ model: 'm', messages: [], stream: true }));
    const text = await res.text();
    expect(text).not.toContain('"usage"');
    expect(checkStreamBody(text)).toMatch(/no usage chunk/);
  });
});

describe('checkStreamBody', () => {
  const chunk = (content: string) => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;

  it('rejects a stream cut before [DONE] and an error event', () => {
    expect(checkStreamBody(chunk('tok0 '))).toMatch(/content/);
    expect(checkStreamBody(`data: {"error":{"message":"boom"}}\n\n`)).toMatch(/error event/);
    expect(checkStreamBody('data: not json\n\n')).toMatch(/non-JSON/);
  });
});
