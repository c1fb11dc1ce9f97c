// GET /ws/{session_id} with a real `ws` client: turns streamed as assistant_delta then assistant_done, memory across
// turns, the three ways to present a key (and refusals), abort on close, and backpressure from a reader that stops.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startFakeOpenAI, type FakeUpstream } from '../../fakes/openai-upstream.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { writeGatewayConfig } from '../../routing/helpers.js';

let fake: FakeUpstream;
let gateway: TestGateway;
let firehose: { server: Server; url: string; written: number; total: number };
const KEY = 'gw-ws-key-0123456789abcdef';
const CHUNK = 'y'.repeat(1024);

/** An upstream that streams `total` 1 KiB deltas as fast as the gateway reads them, counting what it could write. */
async function startFirehose(total: number) {
  const state = { server: createServer(), url: '', written: 0, total };
  state.server.on('request', (req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const frame = `data: ${JSON.stringify({ id: 'f', object: 'chat.completion.chunk', created: 1, model: 'big', choices: [{ index: 0, delta: { content: CHUNK }, finish_reason: null }] })}\n\n`;
    const pump = () => {
      while (state.written < total) {
        state.written++;
        if (!res.write(frame)) return void res.once('drain', pump);
      }
      res.end(`data: ${JSON.stringify({ id: 'f', object: 'chat.completion.chunk', created: 1, model: 'big', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\ndata: [DONE]\n\n`);
    };
    pump();
  });
  await new Promise<void>((resolve) => state.server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(state.server.address() as AddressInfo).port}/v1`;
  return state;
}

beforeAll(async () => {
  fake = await startFakeOpenAI({ models: ['gpt-4o-mini'] });
  firehose = await startFirehose(20_000);
  const config = writeGatewayConfig({ providers: [{ id: 'big', type: 'openai-compatible', base_url: firehose.url, models: ['big'] }] });
  gateway = await startGateway({ env: { OPENAI_API_KEY: 'sk-ws-test', OPENAI_BASE_URL: fake.baseUrl, GATEWAY_API_KEYS: KEY, DEFAULT_MODEL: 'openai/gpt-4o-mini', GATEWAY_CONFIG: config } });
}, 60_000);

afterAll(async () => {
  await gateway?.close();
  await fake?.close();
  await new Promise((r) => firehose?.server.close(r));
});

const wsUrl = (session: string, query = '') => `${gateway.url.replace(/^http/, 'ws')}/ws/${session}${query}`;

function connect(url: string, options: { headers?: Record<string, string>; protocols?: string[] } = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, options.protocols ?? [], { headers: options.headers });
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_req, res) => reject(new Error(`status ${res.statusCode}`)));
    socket.once('error', reject);
  });
}

type Message = { type: string; content?: string; usage?: unknown; request_id?: string; error?: { message: string } };

function turn(socket: WebSocket, content: string, model?: string): Promise<Message[]> {
  return new Promise((resolve) => {
    const got: Message[] = [];
    const onMessage = (data: WebSocket.RawData) => {
      const message = JSON.parse(String(data)) as Message;
      got.push(message);
      if (message.type === 'assistant_done' || message.type === 'error') {
        socket.off('message', onMessage);
        resolve(got);
      }
    };
    socket.on('message', onMessage);
    socket.send(JSON.stringify({ type: 'user_message', content, model }));
  });
}

const auth = { headers: { authorization: `Bearer ${KEY}` } };

describe('/ws turns', () => {
  it('streams deltas then done with usage and a request id; the next turn remembers the first', async () => {
    const session = `ws-${crypto.randomUUID()}`;
    const socket = await connect(wsUrl(session), auth);
    const first = await turn(socket, 'hello there');
    const done = first.at(-1)!;
    expect(done).toMatchObject({ type: 'assistant_done', usage: { total_tokens: expect.any(Number) } });
    expect(done.request_id).toBeTruthy();
    const answer = first.filter((m) => m.type === 'assistant_delta').map((m) => m.content).join('');
    expect(answer.length).toBeGreaterThan(0);
    await turn(socket, 'and again');
    const sent = (fake.requests.filter((r) => r.method === 'POST').at(-1)?.body as { messages: Array<{ role: string; content: string }> }).messages;
    expect(sent).toEqual([
      { role: 'user', content: 'hello there' },
      { role: 'assistant', content: answer },
      { role: 'user', content: 'and again' },
    ]);
    socket.close();
    await gateway.flushLogs();
    const logged = await gateway.services.logStore.byId(done.request_id!);
    expect(logged.request).toMatchObject({ endpoint: '/ws', sessionId: session, stream: true, status: 200 });
  });

  it('answers a bad message with an error message and keeps the socket open', async () => {
    const socket = await connect(wsUrl('ws-bad'), auth);
    const [error] = await turn(socket, '');
    expect(error).toMatchObject({ type: 'error', error: { message: expect.stringContaining('content') } });
    expect((await turn(socket, 'still here')).at(-1)?.type).toBe('assistant_done');
    socket.close();
  });
});

describe('/ws auth', () => {
  it('refuses a socket without a key, or with a wrong one, before the upgrade', async () => {
    await expect(connect(wsUrl('ws-auth'))).rejects.toThrow('status 401');
    await expect(connect(wsUrl('ws-auth', '?token=wrong'))).rejects.toThrow('status 401');
  });

  it('takes the key as a token query parameter or as a subprotocol (browsers), answering `bearer`', async () => {
    const byToken = await connect(wsUrl('ws-auth', `?token=${KEY}`));
    expect((await turn(byToken, 'hi')).at(-1)?.type).toBe('assistant_done');
    byToken.close();
    const byProtocol = await connect(wsUrl('ws-auth'), { protocols: ['bearer', KEY] });
    expect(byProtocol.protocol).toBe('bearer');
    expect((await turn(byProtocol, 'hi')).at(-1)?.type).toBe('assistant_done');
    byProtocol.close();
  });
});

describe('/ws streaming control', () => {
  it('a closed socket aborts the upstream call', async () => {
    fake.enqueue({ sse: [{ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: 'first' }, finish_reason: null }] }], done: false, then: 'hang' });
    const socket = await connect(wsUrl('ws-abort'), auth);
    const firstDelta = new Promise((resolve) => socket.once('message', resolve));
    socket.send(JSON.stringify({ type: 'user_message', content: 'long one' }));
    await firstDelta;
    const upstream = fake.requests.filter((r) => r.method === 'POST').at(-1)!;
    expect(upstream.aborted).toBe(false);
    socket.close();
    await expect.poll(() => upstream.aborted, { timeout: 10_000 }).toBe(true);
  });

  it('a reader that stops reading pauses the upstream; it resumes and completes when reading resumes', async () => {
    const socket = await connect(wsUrl('ws-slow'), auth);
    let deltas = 0;
    let done = false;
    socket.on('message', (data) => {
      const type = (JSON.parse(String(data)) as Message).type;
      if (type === 'assistant_delta') deltas++;
      if (type === 'assistant_done') done = true;
    });
    socket.pause();
    socket.send(JSON.stringify({ type: 'user_message', content: 'flood me', model: 'big/big' }));
    // Let buffers fill until the upstream can write no more, then check it stalled far from the end.
    let last = -1;
    await expect
      .poll(
        () => {
          const stalled = firehose.written === last && firehose.written > 0;
          last = firehose.written;
          return stalled;
        },
        { timeout: 30_000, interval: 500 },
      )
      .toBe(true);
    // 20 MiB upstream; what sits in kernel buffers, undici and the 64 KiB socket high-water mark is far less.
    expect(firehose.written).toBeLessThan(firehose.total / 2);
    socket.resume();
    await expect.poll(() => done, { timeout: 60_000, interval: 200 }).toBe(true);
    expect(deltas).toBe(firehose.total);
    expect(firehose.written).toBe(firehose.total);
    socket.close();
  }, 120_000);
});
