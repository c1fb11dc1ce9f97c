// A fake Anthropic Messages API (node:http on 127.0.0.1, port 0): records requests, answers scripted messages,
// SSE streams and errors in the real wire format (checked against @anthropic-ai/sdk in anthropic-upstream.test.ts).
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. /v1/models?limit=1. */
  url: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  /** Resolves when the client's connection for this request closes (answered or aborted). */
  closed: Promise<void>;
  /** True once the client went away before the fake finished its answer. */
  abortedByClient: boolean;
}

export type Json = Record<string, unknown>;
export interface SseFrame {
  event: string;
  data: Json | string;
}

export type FakeReply =
  /** A whole message: sent as JSON, or converted to the equivalent event sequence when the request streams. */
  | { kind: 'message'; message: Json }
  /**
   * Exactly these events after a 200; `end: 'hold'` keeps the response open afterwards, `'reset'` destroys the
   * socket after `tail` (raw text, e.g. half an event) so the client sees the body cut mid-way.
   */
  | { kind: 'stream'; events: SseFrame[]; end?: 'close' | 'hold' | 'reset'; tail?: string; delayMs?: number }
  | { kind: 'error'; status: number; type: string; message: string; headers?: Record<string, string> }
  | { kind: 'raw'; status: number; body: string; headers?: Record<string, string> }
  /** Never answers: for abort and timeout tests. */
  | { kind: 'hang' };

let counter = 0;
const nextId = (prefix: string) => `${prefix}_01Fake${String(++counter).padStart(18, '0')}`;

/** A complete Messages API response with the fields the real API always sends. */
export function anthropicMessage(fields: Partial<Json> & { content: Json[] }): Json {
  return {
    id: nextId('msg'),
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-5-20250929',
    stop_reason: 'end_turn',
    stop_sequence: null,
    ...fields,
    usage: { input_tokens: 12, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 7, service_tier: 'standard', ...(fields.usage as Json | undefined) },
  };
}

function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** The event sequence the API streams for `message` (wire doc §3.3): starts empty, deltas, cumulative usage last. */
export function messageToEvents(message: Json): SseFrame[] {
  const usage = (message.usage ?? {}) as Json;
  const content = (message.content ?? []) as Json[];
  const events: SseFrame[] = [
    { event: 'message_start', data: { type: 'message_start', message: { ...message, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } } } },
  ];
  content.forEach((block, index) => {
    const start = (content_block: Json) => events.push({ event: 'content_block_start', data: { type: 'content_block_start', index, content_block } });
    const delta = (d: Json) => events.push({ event: 'content_block_delta', data: { type: 'content_block_delta', index, delta: d } });
    if (block.type === 'text') {
      start({ type: 'text', text: '' });
      for (const text of pieces(String(block.text), 5)) delta({ type: 'text_delta', text });
    } else if (block.type === 'thinking') {
      start({ type: 'thinking', thinking: '', signature: '' });
      for (const thinking of pieces(String(block.thinking), 8)) delta({ type: 'thinking_delta', thinking });
      delta({ type: 'signature_delta', signature: String(block.signature ?? 'c2lnbmF0dXJl') });
    } else if (block.type === 'tool_use') {
      start({ type: 'tool_use', id: block.id, name: block.name, input: {} });
      delta({ type: 'input_json_delta', partial_json: '' }); // the API's first fragment is often empty
      for (const partial_json of pieces(JSON.stringify(block.input ?? {}), 7)) delta({ type: 'input_json_delta', partial_json });
    } else {
      start(block);
    }
    if (index === 0) events.push({ event: 'ping', data: { type: 'ping' } });
    events.push({ event: 'content_block_stop', data: { type: 'content_block_stop', index } });
  });
  events.push({
    event: 'message_delta',
    data: { type: 'message_delta', delta: { stop_reason: message.stop_reason, stop_sequence: message.stop_sequence ?? null }, usage: { output_tokens: usage.output_tokens } },
  });
  events.push({ event: 'message_stop', data: { type: 'message_stop' } });
  return events;
}

export const sseFrame = (frame: SseFrame) => `event: ${frame.event}\ndata: ${typeof frame.data === 'string' ? frame.data : JSON.stringify(frame.data)}\n\n`;

export interface FakeModel {
  id: string;
  display_name?: string;
  created_at?: string;
}

export interface FakeAnthropicOptions {
  apiKey?: string;
}

export class FakeAnthropic {
  readonly requests: RecordedRequest[] = [];
  /** What POST /v1/messages/count_tokens answers. */
  inputTokens = 42;
  /** How many of the next count_tokens calls answer 529 overloaded_error first. */
  countFailures = 0;
  models: FakeModel[] = [{ id: 'claude-sonnet-4-5-20250929', display_name: 'Claude Sonnet 4.5', created_at: '2025-09-29T00:00:00Z' }];
  private readonly queue: FakeReply[] = [];
  private readonly server = createServer((req, res) => void this.handle(req, res));
  /** Origin (http://127.0.0.1:port): what @anthropic-ai/sdk takes as baseURL (it appends /v1/…). */
  origin = '';

  constructor(private readonly options: FakeAnthropicOptions = {}) {}

  /** Everything up to the API version, as the gateway's ANTHROPIC_BASE_URL holds it. */
  get baseUrl(): string {
    return `${this.origin}/v1`;
  }

  async start(): Promise<this> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Scripts the answers to the next POST /v1/messages calls, in order; unscripted calls echo the last user text. */
  reply(...replies: FakeReply[]): this {
    this.queue.push(...replies);
    return this;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = undefined;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    const record: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, closed: once(res, 'close').then(() => undefined), abortedByClient: false };
    res.on('close', () => (record.abortedByClient = !res.writableFinished));
    this.requests.push(record);
    res.setHeader('request-id', nextId('req'));

    // The API takes the key as x-api-key (what the gateway sends) or as a Bearer token (what SDK 1.x sends).
    const key = this.options.apiKey;
    if (key !== undefined && req.headers['x-api-key'] !== key && req.headers.authorization !== `Bearer ${key}`) {
      return this.send(res, { kind: 'error', status: 401, type: 'authentication_error', message: 'invalid x-api-key' });
    }
    if (!req.headers['anthropic-version']) {
      return this.send(res, { kind: 'error', status: 400, type: 'invalid_request_error', message: 'anthropic-version: header is required' });
    }
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === '/v1/models') return this.listModels(req, res);
    if (req.method === 'POST' && path === '/v1/messages') return this.messages(body as Json | undefined, res);
    if (req.method === 'POST' && path === '/v1/messages/count_tokens') {
      if (this.countFailures > 0 && this.countFailures--) return this.send(res, { kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ input_tokens: this.inputTokens }));
      return;
    }
    return this.send(res, { kind: 'error', status: 404, type: 'not_found_error', message: `Not found: ${req.method} ${path}` });
  }

  private listModels(req: IncomingMessage, res: ServerResponse): void {
    const query = new URL(req.url ?? '', this.origin).searchParams;
    const limit = Math.min(1000, Number(query.get('limit') ?? 20));
    const after = query.get('after_id');
    const start = after ? this.models.findIndex((m) => m.id === after) + 1 : 0;
    const page = this.models.slice(start, start + limit).map((m) => ({ type: 'model', display_name: m.id, created_at: '2025-01-01T00:00:00Z', ...m }));
    const json = { data: page, has_more: start + limit < this.models.length, first_id: page[0]?.id ?? null, last_id: page.at(-1)?.id ?? null };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(json));
  }

  private messages(body: Json | undefined, res: ServerResponse): Promise<void> | void {
    // The real API's own validation of the three required fields.
    for (const field of ['model', 'max_tokens', 'messages']) {
      if (body?.[field] === undefined) return this.send(res, { kind: 'error', status: 400, type: 'invalid_request_error', message: `${field}: Field required` });
    }
    const reply = this.queue.shift() ?? { kind: 'message', message: echo(body as Json) };
    if (reply.kind === 'message' && body?.stream === true) return this.send(res, { kind: 'stream', events: messageToEvents(reply.message) });
    return this.send(res, reply);
  }

  private async send(res: ServerResponse, reply: FakeReply): Promise<void> {
    switch (reply.kind) {
      case 'message':
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(reply.message));
        return;
      case 'error': {
        const error = { type: 'error', error: { type: reply.type, message: reply.message }, request_id: nextId('req') };
        res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers }).end(JSON.stringify(error));
        return;
      }
      case 'raw':
        res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers }).end(reply.body);
        return;
      case 'hang':
        return;
      case 'stream':
        res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
        for (const frame of reply.events) {
          if (res.destroyed) return;
          res.write(sseFrame(frame));
          if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
        }
        if (reply.end === 'reset') {
          if (reply.tail) res.write(reply.tail);
          // Let the written bytes leave before the reset.
          await new Promise((r) => setTimeout(r, 5));
          res.socket?.destroy();
        } else if (reply.end !== 'hold') res.end();
    }
  }
}

/** Unscripted answer: the last user text back, so a test can tell which request was answered. */
function echo(body: Json): Json {
  const messages = (body.messages ?? []) as { role: string; content: unknown }[];
  const last = messages.filter((m) => m.role === 'user').at(-1);
  const text = typeof last?.content === 'string' ? last.content : JSON.stringify(last?.content ?? '');
  return anthropicMessage({ model: String(body.model), content: [{ type: 'text', text: `echo: ${text}` }] });
}

export async function startFakeAnthropic(options?: FakeAnthropicOptions): Promise<FakeAnthropic> {
  return new FakeAnthropic(options).start();
}
