// Server timeouts: a client too slow with its headers or body is cut off (408), while a response that streams for
// longer than either timeout is never cut.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { serverTimeouts } from '../../../src/http/plugins/timeouts.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';

let gateway: TestGateway;
let port: number;

beforeAll(async () => {
  gateway = await startGateway({
    // mock/echo spreads 900 ms over the words: the stream outlasts both timeouts below.
    env: { MOCK_MODE: 'true', MOCK_DELAY_MS: '900' },
    configure: (c) => {
      c.headersTimeoutMs = 150;
      c.requestTimeoutMs = 300;
    },
  });
  port = Number(new URL(gateway.url).port);
});
afterAll(() => gateway?.close());

/** Writes the given bytes, then goes quiet; resolves with what the server sent and how long until it closed. */
function stall(bytes: string): Promise<{ reply: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let reply = '';
    socket.setEncoding('utf8').on('data', (d: string) => (reply += d));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve({ reply, closedAfterMs: Date.now() - started }));
    setTimeout(() => {
      socket.destroy();
      reject(new Error('the server kept a stalled connection open'));
    }, 3_000);
  });
}

describe('server timeouts', () => {
  it('cuts a client that never finishes its headers', async () => {
    const { reply, closedAfterMs } = await stall('POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: applic');
    expect(reply).toMatch(/^HTTP\/1\.1 408/);
    expect(closedAfterMs).toBeLessThan(1_500);
  });

  it('cuts a client that never finishes its body', async () => {
    const { reply, closedAfterMs } = await stall(
      'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"model":"mock/echo",',
    );
    expect(reply).toMatch(/^HTTP\/1\.1 408/);
    expect(closedAfterMs).toBeGreaterThanOrEqual(250);
    expect(closedAfterMs).toBeLessThan(2_000);
  });

  it('lets a stream run longer than both timeouts', async () => {
    const started = Date.now();
    const res = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock/echo', stream: true, messages: [{ role: 'user', content: 'one two three four five six' }] }),
    });
    const text = await res.text();
    expect(Date.now() - started).toBeGreaterThan(600);
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });

  it('defaults: 20 s for headers, idle sockets reaped after the longest upstream wait plus a margin, keep-alive 65 s', () => {
    const config = loadConfig({ DISCOVER_LOCAL_PROVIDERS: 'false' });
    const t = serverTimeouts(config);
    expect(t.http.headersTimeout).toBe(20_000);
    expect(t.requestTimeout).toBeGreaterThanOrEqual(60_000);
    expect(t.connectionTimeout).toBeGreaterThan(config.routing.timeout_ms);
    expect(t.keepAliveTimeout).toBe(65_000);
    // What the running server actually got.
    expect(gateway.app.server.headersTimeout).toBe(150);
    expect(gateway.app.server.keepAliveTimeout).toBe(65_000);
    expect(gateway.app.server.timeout).toBe(serverTimeouts(gateway.config).connectionTimeout);
  });
});
