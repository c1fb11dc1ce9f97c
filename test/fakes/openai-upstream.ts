// A scriptable fake OpenAI-wire upstream (node:http on 127.0.0.1, port 0) for adapter, gateway end-to-end and fault tests.
//
// API
//   const fake = await startFakeOpenAI({ mode?: 'openai' | 'mistral' | 'ollama', models?: string[], apiKey?: string });
//   fake.url        server root, 'http://127.0.0.1:PORT'
//   fake.baseUrl    what a provider config / SDK takes: url + '/v1' (openai, mistral), url (ollama: the server root)
//   fake.mode       the mode it was started in
//   fake.requests   every request received, in order: { method, path, query, headers, body (parsed JSON or undefined),
//                   rawBody, aborted (the client went away before the reply was complete) }
//   fake.enqueue(reply, match?)  one-shot scripted reply, consumed FIFO by the first request it matches.
//                   match: { method?, path? } — path: string (equal to the path, with or without the '/v1' prefix) or RegExp.
//                   Without match, an entry matches POST requests only, so GET /models discovery never eats it.
//   fake.setDefault(reply | undefined)  reply for POSTs when no queued entry matches; undefined → the automatic answer.
//   fake.setModels(ids)   ids listed by GET /models (and /api/tags in ollama mode).
//   fake.reset()    clears queue, default, recorded requests.
//   await fake.waitForRequests(n, timeoutMs = 2000)  resolves with fake.requests once n have arrived.
//   fake.openConnections  sockets currently open (leak checks).
//   await fake.close()    destroys every socket (hanging replies included) and stops the server.
//
// Replies (a FakeReply, or a function (req) => FakeReply | Promise<FakeReply>); every kind takes status (200),
// headers, delayMs (before the status line is sent):
//   { json: value }                       JSON body (application/json).
//   { sse: [event, …], done?, eventDelayMs?, then? }
//       event: an object → written as `data: <JSON>\n\n`; a string → written verbatim (so a test controls framing:
//       '\r\n', ': keep-alive' comments, partial lines, `data: {"error":…}`). done (default true) appends
//       `data: [DONE]\n\n`. then: 'end' (default) | 'hang' (keep the socket open, idle) | 'destroy' (reset mid-body).
//   { body: string | string[], contentType?, chunkDelayMs?, then? }  raw body pieces (NDJSON, recorded .sse, bad JSON).
//   { fault: 'hang' }     never answer (until the client or close() gives up).
//   { fault: 'destroy' }  destroy the socket before any response byte (connection reset).
//
// Automatic answers: POST /chat/completions answers the last user message's text back (JSON, or a stream shaped like
// the mode's vendor: OpenAI/Ollama send a `choices: []` usage chunk when include_usage is set, Mistral puts usage on
// the finish chunk); POST /embeddings returns 3-dim vectors; GET /models, GET /models/{id}; ollama mode adds
// GET /api/tags and GET /api/version. apiKey set → any request without `Authorization: Bearer <apiKey>` gets
// OpenAI's 401. mistral mode is strict like Mistral: unknown top-level or message fields (chat and embeddings) → 422 extra_forbidden.
// ollama mode rejects non-data image URLs with 400, as Ollama does.
//
// Body builders are re-exported from openai-upstream-bodies.ts: completionBody, chunkBody, usageChunkBody, usageBody,
// textStreamChunks, embeddingsBody, modelsBody, ollamaTagsBody, openAIErrorBody, mistralExtraForbiddenBody.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  completionBody,
  embeddingsBody,
  modelsBody,
  ollamaTagsBody,
  openAIErrorBody,
  textStreamChunks,
  type FakeMode,
} from './openai-upstream-bodies.js';
import { validateMistralBody, validateMistralEmbeddingsBody, validateOllamaBody } from './openai-upstream-validation.js';

export * from './openai-upstream-bodies.js';

export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  rawBody: string;
  aborted: boolean;
}

interface ReplyBase {
  status?: number;
  headers?: Record<string, string>;
  delayMs?: number;
}
type After = 'end' | 'hang' | 'destroy';
export type FakeReply =
  | (ReplyBase & { json: unknown })
  | (ReplyBase & { sse: Array<string | object>; done?: boolean; eventDelayMs?: number; then?: After })
  | (ReplyBase & { body: string | string[]; contentType?: string; chunkDelayMs?: number; then?: After })
  | { fault: 'hang' | 'destroy'; delayMs?: number };
export type FakeReplySpec = FakeReply | ((req: RecordedRequest) => FakeReply | Promise<FakeReply>);
export interface FakeMatch {
  method?: string;
  path?: string | RegExp;
}

export interface FakeOptions {
  mode?: FakeMode;
  models?: string[];
  apiKey?: string;
}

export interface FakeUpstream {
  readonly url: string;
  readonly baseUrl: string;
  readonly mode: FakeMode;
  readonly requests: RecordedRequest[];
  readonly openConnections: number;
  enqueue(reply: FakeReplySpec, match?: FakeMatch): void;
  setDefault(reply: FakeReplySpec | undefined): void;
  setModels(ids: string[]): void;
  reset(): void;
  waitForRequests(n: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  close(): Promise<void>;
}

const DEFAULT_MODELS: Record<FakeMode, string[]> = {
  openai: ['gpt-4o-mini', 'gpt-4o', 'text-embedding-3-small'],
  mistral: ['mistral-small-latest', 'magistral-medium-latest', 'mistral-embed'],
  ollama: ['llama3.2:latest', 'qwen3:8b'],
};

function matches(match: FakeMatch | undefined, req: RecordedRequest): boolean {
  if (!match) return req.method === 'POST';
  if (match.method && match.method.toUpperCase() !== req.method) return false;
  if (match.path === undefined) return true;
  if (match.path instanceof RegExp) return match.path.test(req.path);
  return req.path === match.path || req.path === `/v1${match.path}`;
}

function lastUserText(body: unknown): string {
  const messages = (body as { messages?: Array<{ role?: string; content?: unknown }> } | undefined)?.messages ?? [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m?.role !== 'user') continue;
    if (typeof m.content === 'string') return m.content;
    if (Array.isArray(m.content)) return m.content.map((p: { text?: unknown }) => (typeof p.text === 'string' ? p.text : '')).join('');
  }
  return 'Hello from the fake upstream';
}

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of req) parts.push(chunk as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

export async function startFakeOpenAI(options: FakeOptions = {}): Promise<FakeUpstream> {
  const mode = options.mode ?? 'openai';
  let models = options.models ?? DEFAULT_MODELS[mode];
  const queue: Array<{ reply: FakeReplySpec; match?: FakeMatch }> = [];
  let defaultReply: FakeReplySpec | undefined;
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const waiters: Array<() => void> = [];

  /** The built-in answer when nothing is scripted; undefined → 404. */
  function automatic(req: RecordedRequest): FakeReply | undefined {
    const route = req.path.replace(/^\/v1(?=\/)/, '');
    const body = req.body as Record<string, unknown> | undefined;
    if (options.apiKey && req.headers.authorization !== `Bearer ${options.apiKey}`) {
      return { status: 401, json: openAIErrorBody('Incorrect API key provided: fake.', 'invalid_request_error', 'invalid_api_key') };
    }
    if (req.method === 'GET') {
      if (route === '/models') return { json: modelsBody(models) };
      const one = /^\/models\/(.+)$/.exec(route);
      if (one) {
        const id = decodeURIComponent(one[1] ?? '');
        return models.includes(id)
          ? { json: { id, object: 'model', created: 1_700_000_000, owned_by: 'fake' } }
          : { status: 404, json: openAIErrorBody(`The model '${id}' does not exist`, 'invalid_request_error', 'model_not_found', 'model') };
      }
      if (mode === 'ollama' && req.path === '/api/tags') return { json: ollamaTagsBody(models) };
      if (mode === 'ollama' && req.path === '/api/version') return { json: { version: '0.12.3' } };
      return undefined;
    }
    if (req.method !== 'POST') return undefined;
    if (route === '/embeddings') {
      // Mistral's answer also carries an id (its SDK requires one).
      const list = embeddingsBody(body?.input, String(body?.model ?? 'embed'));
      return { json: mode === 'mistral' ? { id: `embd-${requests.length}`, ...list } : list };
    }
    if (route !== '/chat/completions') return undefined;
    const text = lastUserText(body);
    const model = String(body?.model ?? models[0] ?? 'fake');
    if (body?.stream === true) {
      const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
      return { sse: textStreamChunks(text, { model, mode, includeUsage }) };
    }
    const completion = completionBody({ content: text, model });
    if (mode === 'ollama') completion.system_fingerprint = 'fp_ollama';
    return { json: completion };
  }

  function validate(req: RecordedRequest): FakeReply | undefined {
    if (options.apiKey && req.headers.authorization !== `Bearer ${options.apiKey}`) return automatic(req);
    if (req.method === 'POST' && mode === 'mistral' && req.path.endsWith('/embeddings')) return validateMistralEmbeddingsBody(req.body);
    if (req.method !== 'POST' || !req.path.endsWith('/chat/completions')) return undefined;
    if (mode === 'mistral') return validateMistralBody(req.body);
    if (mode === 'ollama') return validateOllamaBody(req.body);
    return undefined;
  }

  async function pick(req: RecordedRequest): Promise<FakeReply | undefined> {
    const invalid = validate(req);
    if (invalid) return invalid;
    const index = queue.findIndex((entry) => matches(entry.match, req));
    const spec = index >= 0 ? queue.splice(index, 1)[0]?.reply : req.method === 'POST' ? defaultReply : undefined;
    if (spec === undefined) return automatic(req);
    return typeof spec === 'function' ? spec(req) : spec;
  }

  async function send(reply: FakeReply, res: ServerResponse, socket: Socket, state: { selfDestroyed: boolean; closed: boolean }): Promise<void> {
    if (reply.delayMs) await sleep(reply.delayMs);
    if (state.closed) return;
    if ('fault' in reply) {
      if (reply.fault === 'destroy') {
        state.selfDestroyed = true;
        socket.destroy();
      }
      return; // 'hang': leave the request open
    }
    const status = reply.status ?? 200;
    if ('json' in reply) {
      const payload = JSON.stringify(reply.json);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...reply.headers });
      res.end(payload);
      return;
    }
    let pieces: string[];
    let contentType: string;
    let gap: number;
    if ('sse' in reply) {
      pieces = reply.sse.map((e) => (typeof e === 'string' ? e : `data: ${JSON.stringify(e)}\n\n`));
      if (reply.done !== false) pieces.push('data: [DONE]\n\n');
      contentType = 'text/event-stream';
      gap = reply.eventDelayMs ?? 0;
    } else {
      pieces = Array.isArray(reply.body) ? reply.body : [reply.body];
      contentType = reply.contentType ?? 'text/plain';
      gap = reply.chunkDelayMs ?? 0;
    }
    res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-cache', ...reply.headers });
    res.flushHeaders();
    for (const [i, piece] of pieces.entries()) {
      if (i > 0 && gap) await sleep(gap);
      if (state.closed) return;
      res.write(piece);
    }
    const then = reply.then ?? 'end';
    if (then === 'destroy') {
      state.selfDestroyed = true;
      // Let the written bytes leave before the reset, so the client sees a body cut mid-way.
      await sleep(5);
      socket.destroy();
    } else if (then === 'end') {
      res.end();
    }
  }

  const server = createServer((req, res) => {
    void (async () => {
      const rawBody = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://fake');
      let body: unknown;
      try {
        body = rawBody ? JSON.parse(rawBody) : undefined;
      } catch {
        body = undefined;
      }
      const record: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.search, headers: req.headers, body, rawBody, aborted: false };
      requests.push(record);
      for (const wake of waiters.splice(0)) wake();
      const state = { selfDestroyed: false, closed: false };
      res.on('close', () => {
        state.closed = true;
        if (!res.writableFinished && !state.selfDestroyed) record.aborted = true;
      });
      const reply = await pick(record);
      if (!reply) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify(openAIErrorBody(`Unknown path ${req.method} ${url.pathname}`, 'invalid_request_error', 'not_found')));
        return;
      }
      await send(reply, res, req.socket, state);
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify(openAIErrorBody(`fake upstream failure: ${String(err)}`, 'api_error')));
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    baseUrl: mode === 'ollama' ? url : `${url}/v1`,
    mode,
    requests,
    get openConnections() {
      return sockets.size;
    },
    enqueue(reply, match) {
      queue.push({ reply, match });
    },
    setDefault(reply) {
      defaultReply = reply;
    },
    setModels(ids) {
      models = ids;
    },
    reset() {
      queue.length = 0;
      requests.length = 0;
      defaultReply = undefined;
    },
    async waitForRequests(n, timeoutMs = 2000) {
      const deadline = Date.now() + timeoutMs;
      while (requests.length < n) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`fake upstream: ${requests.length} of ${n} requests after ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return requests;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
