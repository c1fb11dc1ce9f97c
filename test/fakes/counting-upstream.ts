// An OpenAI-wire fake upstream (node:http on 127.0.0.1) that counts the calls in flight per model, the highest count
// seen, and every call received: what the multi-replica tests read to prove that a limit held across gateways.
//
// Each model answers as `behave(model, …)` says: after `delayMs`, JSON, or a stream of `chunks` content chunks
// `chunkDelayMs` apart, reporting `usage` (in the JSON body, or in the usage chunk when the gateway asks for one).
// A call counts as in flight from its request read until just before its last byte is sent, or its socket closed.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { chunkBody, completionBody, modelsBody, usageBody, usageChunkBody, type UsageBody } from './openai-upstream-bodies.js';

export interface Behaviour {
  delayMs: number;
  chunks: number;
  chunkDelayMs: number;
  usage: UsageBody;
}

export interface ModelCounts {
  /** Calls received (chat completions). */
  calls: number;
  inFlight: number;
  maxInFlight: number;
}

export interface CountingUpstream {
  /** What a provider takes as base URL: the server root + '/v1'. */
  readonly baseUrl: string;
  behave(model: string, behaviour: Partial<Behaviour>): void;
  counts(model: string): ModelCounts;
  close(): Promise<void>;
}

const DEFAULT: Behaviour = { delayMs: 0, chunks: 3, chunkDelayMs: 0, usage: usageBody(10, 3) };

async function readJson(req: AsyncIterable<Buffer>): Promise<Record<string, unknown>> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part);
  try {
    return JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** `finished` runs just before the last byte is handed to the socket: from then on the gateway may count the call as over. */
async function answer(res: ServerResponse, body: Record<string, unknown>, model: string, b: Behaviour, finished: () => void): Promise<void> {
  if (b.delayMs > 0) await sleep(b.delayMs);
  if (body.stream !== true) {
    finished();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(completionBody({ content: 'ok', model, usage: b.usage })));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const frame = (chunk: unknown) => res.write(`data: ${JSON.stringify(chunk)}\n\n`);
  const id = `chatcmpl-count-${Math.random().toString(36).slice(2)}`;
  frame(chunkBody({ role: 'assistant', content: '' }, { model, id }));
  for (let i = 0; i < b.chunks && !res.destroyed; i++) {
    if (b.chunkDelayMs > 0) await sleep(b.chunkDelayMs);
    frame(chunkBody({ content: `w${i} ` }, { model, id }));
  }
  frame(chunkBody({}, { model, id, finishReason: 'stop' }));
  const wantsUsage = (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
  if (wantsUsage) frame(usageChunkBody(b.usage, { model, id }));
  finished();
  res.end('data: [DONE]\n\n');
}

export async function startCountingUpstream(): Promise<CountingUpstream> {
  const behaviours = new Map<string, Behaviour>();
  const counts = new Map<string, ModelCounts>();
  const sockets = new Set<Socket>();
  const countsOf = (model: string) => {
    let c = counts.get(model);
    if (!c) counts.set(model, (c = { calls: 0, inFlight: 0, maxInFlight: 0 }));
    return c;
  };

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/v1/models') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(modelsBody([...behaviours.keys()])));
      return;
    }
    if (req.method !== 'POST' || path !== '/v1/chat/completions') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not here","type":"invalid_request_error","param":null,"code":null}}');
      return;
    }
    // Counted once the (small) body names the model; the count drops before the answer's end is written, so a
    // gateway that frees its lease on seeing the end can never be ahead of the count (the fake shares a busy process).
    let model = '';
    let c: ModelCounts | undefined;
    const done = () => {
      if (c) c.inFlight--;
      c = undefined;
    };
    res.once('close', done);
    void readJson(req).then((body) => {
      model = String(body.model ?? '');
      c = countsOf(model);
      c.calls++;
      c.inFlight++;
      c.maxInFlight = Math.max(c.maxInFlight, c.inFlight);
      if (res.destroyed) return done();
      return answer(res, body, model, behaviours.get(model) ?? DEFAULT, done);
    }).catch(() => res.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    behave(model, behaviour) {
      behaviours.set(model, { ...DEFAULT, ...behaviours.get(model), ...behaviour });
    },
    counts: (model) => ({ ...countsOf(model) }),
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
