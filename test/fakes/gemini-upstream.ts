// A fake Gemini API (AI Studio and Vertex paths) on 127.0.0.1 port 0: records every request and answers
// scripted JSON, SSE (`data: …\r\n\r\n`, no [DONE]) or Google error envelopes, in the real wire format.
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. `/v1beta/models/gemini-2.5-flash:generateContent`. */
  path: string;
  query: URLSearchParams;
  /** `gemini-2.5-flash` and `generateContent` for model calls. */
  model?: string;
  action?: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export type FakeReply =
  | { kind: 'json'; body: unknown; status?: number; headers?: Record<string, string> }
  /** Events written as SSE (or as a JSON array when the client did not ask for alt=sse). */
  | { kind: 'sse'; events: unknown[]; delayMs?: number; /** destroy the socket instead of ending cleanly */ cut?: boolean }
  | { kind: 'error'; status: number; grpcStatus: string; message: string; details?: unknown[] }
  | { kind: 'raw'; status: number; body: string; contentType?: string }
  /** Send headers (200, SSE) and then nothing: for abort and idle-timeout tests. */
  | { kind: 'stall' };

export function googleError(status: number, grpcStatus: string, message: string, details?: unknown[]) {
  return { error: { code: status, message, status: grpcStatus, ...(details ? { details } : {}) } };
}

export function textResponse(text: string, usage = { promptTokenCount: 3, candidatesTokenCount: 2 }) {
  return {
    candidates: [{ content: { parts: [{ text }], role: 'model' }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { ...usage, totalTokenCount: usage.promptTokenCount + usage.candidatesTokenCount },
    modelVersion: 'gemini-fake',
    responseId: 'fake-response',
  };
}

const DEFAULT_MODELS = {
  models: [
    { name: 'models/gemini-2.5-flash', supportedGenerationMethods: ['generateContent', 'countTokens'] },
    { name: 'models/gemini-2.5-pro', supportedGenerationMethods: ['generateContent', 'countTokens'] },
    { name: 'models/text-embedding-004', supportedGenerationMethods: ['embedContent'] },
  ],
};

export interface FakeGeminiOptions {
  /** When set, requests without this `x-goog-api-key` (or `?key=`) get the real 400 API_KEY_INVALID. */
  apiKey?: string;
  /** When set, requests without `Authorization: Bearer <token>` get Google's 401 UNAUTHENTICATED. */
  bearerToken?: string;
}

export class FakeGeminiUpstream {
  readonly requests: RecordedRequest[] = [];
  private readonly queue: FakeReply[] = [];
  private readonly sockets = new Set<Socket>();
  /** Resolves when a client closes a connection mid-response (abort tests). */
  clientClosed: Promise<void>;
  private markClosed: () => void = () => {};

  private constructor(
    private readonly server: Server,
    private readonly options: FakeGeminiOptions,
  ) {
    this.clientClosed = new Promise((resolve) => (this.markClosed = resolve));
  }

  static async start(options: FakeGeminiOptions = {}): Promise<FakeGeminiUpstream> {
    let fake: FakeGeminiUpstream | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => fake?.handle(req.method ?? 'GET', req.url ?? '/', req.headers, Buffer.concat(chunks).toString('utf8'), res));
    });
    fake = new FakeGeminiUpstream(server, options);
    server.on('connection', (socket) => {
      fake?.sockets.add(socket);
      socket.on('close', () => fake?.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** What GEMINI_BASE_URL would hold: everything up to and including the API version. */
  get baseUrl(): string {
    return `${this.url}/v1beta`;
  }

  /** Replies used by the next requests, in order; afterwards each endpoint answers a default. */
  reply(...replies: FakeReply[]): this {
    this.queue.push(...replies);
    return this;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(method: string, rawUrl: string, headers: IncomingHttpHeaders, text: string, res: ServerResponse): void {
    const url = new URL(rawUrl, 'http://fake');
    const match = /\/models\/([^/:]+):(\w+)$/.exec(url.pathname);
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // kept as text: the test will see it
    }
    this.requests.push({ method, path: url.pathname, query: url.searchParams, model: match?.[1], action: match?.[2], headers, body });
    res.on('close', () => {
      if (!res.writableFinished) this.markClosed();
    });

    const auth = this.checkAuth(headers, url);
    if (auth) return this.send(res, auth, url);
    const next = this.queue.shift();
    if (next) return this.send(res, next, url);
    return this.send(res, this.defaultReply(method, url.pathname, match?.[2], body), url);
  }

  private checkAuth(headers: IncomingHttpHeaders, url: URL): FakeReply | undefined {
    const { apiKey, bearerToken } = this.options;
    if (apiKey !== undefined && headers['x-goog-api-key'] !== apiKey && url.searchParams.get('key') !== apiKey) {
      const details = [
        { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com', metadata: { service: 'generativelanguage.googleapis.com' } },
        { '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message: 'API key not valid. Please pass a valid API key.' },
      ];
      return { kind: 'error', status: 400, grpcStatus: 'INVALID_ARGUMENT', message: 'API key not valid. Please pass a valid API key.', details };
    }
    if (bearerToken !== undefined && headers.authorization !== `Bearer ${bearerToken}`) {
      const message =
        'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.';
      return { kind: 'error', status: 401, grpcStatus: 'UNAUTHENTICATED', message };
    }
    return undefined;
  }

  private defaultReply(method: string, path: string, action: string | undefined, body: unknown): FakeReply {
    if (method === 'GET' && path.endsWith('/models')) return { kind: 'json', body: DEFAULT_MODELS };
    switch (action) {
      case 'generateContent':
        return { kind: 'json', body: textResponse('Hello from the fake.') };
      case 'streamGenerateContent':
        return { kind: 'sse', events: [textResponse('Hello'), textResponse(' from the fake.')].map((e, i) => (i === 0 ? withoutFinish(e) : e)) };
      case 'countTokens':
        return { kind: 'json', body: { totalTokens: 1 } };
      case 'batchEmbedContents': {
        const requests = (body as { requests?: unknown[] } | undefined)?.requests ?? [];
        return { kind: 'json', body: { embeddings: requests.map((_, i) => ({ values: [i, 0.5, -0.5] })) } };
      }
      default:
        return { kind: 'error', status: 404, grpcStatus: 'NOT_FOUND', message: `Method not found: ${path}` };
    }
  }

  private send(res: ServerResponse, reply: FakeReply, url: URL): void {
    const json = (status: number, body: unknown, extra: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...extra });
      res.end(JSON.stringify(body, null, 2));
    };
    switch (reply.kind) {
      case 'json':
        return json(reply.status ?? 200, reply.body, reply.headers);
      case 'error':
        return json(reply.status, googleError(reply.status, reply.grpcStatus, reply.message, reply.details));
      case 'raw':
        res.writeHead(reply.status, { 'content-type': reply.contentType ?? 'text/html' });
        return void res.end(reply.body);
      case 'stall':
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        return void res.flushHeaders();
      case 'sse':
        if (url.searchParams.get('alt') !== 'sse') return json(200, reply.events); // the non-SSE stream is one JSON array
        void this.writeSse(res, reply);
    }
  }

  private async writeSse(res: ServerResponse, reply: Extract<FakeReply, { kind: 'sse' }>): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'x-content-type-options': 'nosniff' });
    for (const event of reply.events) {
      if (res.destroyed) return;
      res.write(`data: ${JSON.stringify(event)}\r\n\r\n`);
      if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    }
    if (reply.cut) {
      // Let the events reach the client first, then drop the connection without ending the response.
      await new Promise((resolve) => setTimeout(resolve, 10));
      res.socket?.destroy();
    }
    else res.end();
  }
}

function withoutFinish<T extends { candidates: Array<Record<string, unknown>> }>(event: T): T {
  return { ...event, candidates: event.candidates.map(({ finishReason: _f, ...rest }) => rest) };
}
