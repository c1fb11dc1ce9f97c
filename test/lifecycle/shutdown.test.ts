// The real process (src/main.ts through tsx, so no build is needed): SIGTERM while a stream is in flight refuses new
// connections, lets the stream finish with [DONE], flushes its log row and exits 0; streams that outlive the grace
// period end with their dialect's error event (server_shutting_down), their upstream calls cancelled and their rows
// in the database. Also: the bind rule at start.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, inject, it } from 'vitest';
import WebSocket from 'ws';
import { openLogDatabase } from '../../src/request-log/db.js';
import { requestLogs } from '../../src/request-log/schema.js';
import { LogStore } from '../../src/request-log/store.js';
import { chunkBody } from '../fakes/openai-upstream.js';

const repoRoot = new URL('../../', import.meta.url).pathname;
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const tmpDirs: string[] = [];

afterAll(() => {
  for (const dir of tmpDirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tmpDirs.push(dir);
  return dir;
}

interface Gateway {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  exited: Promise<number | null>;
}

/** node --import tsx src/main.ts in an empty folder (no stray .env is read), with only the env given. */
function spawnGateway(env: Record<string, string>): Gateway {
  const child = spawn(process.execPath, ['--import', tsxLoader, join(repoRoot, 'src/main.ts')], {
    cwd: tempDir('llm-gateway-cwd-'),
    env: { PATH: process.env.PATH ?? '', DISCOVER_LOCAL_PROVIDERS: 'false', PROBE_INTERVAL_MS: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  child.stdout!.setEncoding('utf8').on('data', (d: string) => stdout.push(d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => stderr.push(d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout, stderr, exited };
}

/** Generous: tsx compiles src/ at every start, which takes over 30 s on a machine running other suites. */
async function waitFor<T>(probe: () => T | undefined, what: string, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function logLines(gateway: Gateway): Array<Record<string, unknown>> {
  return gateway.stdout
    .join('')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Resolves 'refused' when nothing accepts a TCP connection on the port any more. */
function tryConnect(port: number): Promise<'connected' | 'refused'> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', () => resolve('refused'));
  });
}

/** The PGlite data dir (from the suite's migrated template) or the Postgres the suite runs against. */
function logDatabaseEnv(): { env: Record<string, string>; open: () => ReturnType<typeof openLogDatabase> } {
  const databaseUrl = process.env.DATABASE_URL;
  const pgliteDir = tempDir('llm-gateway-pglite-');
  // The suite's migrated template is a tarball of a PGlite data dir: unpacked, it spares the child an initdb (~5 s).
  if (!databaseUrl) execFileSync('tar', ['-xf', inject('pgliteTemplatePath'), '-C', pgliteDir], { stdio: 'ignore' });
  return { env: databaseUrl ? { DATABASE_URL: databaseUrl } : { PGLITE_DIR: pgliteDir }, open: () => openLogDatabase({ databaseUrl, pgliteDir }) };
}

interface SseEvent {
  event: string | undefined;
  data: string;
}

function sseEvents(body: string): SseEvent[] {
  return body
    .split(/\n\n/)
    .filter((frame) => frame.trim() !== '')
    .map((frame) => {
      const lines = frame.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
      const data = lines
        .filter((l) => l.startsWith('data: '))
        .map((l) => l.slice(6))
        .join('\n');
      return { event, data };
    });
}

/** Reads a streamed answer to its end in the background; `body` grows as bytes arrive. */
function readAll(res: Response): { text: () => string; done: Promise<void> } {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let body = '';
  const done = (async () => {
    try {
      for (;;) {
        const { done: ended, value } = await reader.read();
        if (ended) break;
        body += decoder.decode(value, { stream: true });
      }
    } catch {
      // A reset connection ends the body too; what arrived before it is what the test judges.
    }
  })();
  return { text: () => body, done };
}

interface TricklingUpstream {
  server: Server;
  baseUrl: string;
  /** One per chat request: whether the gateway was still running when it hung up on the upstream. */
  calls: Array<{ cancelled: boolean; whileGatewayRan: boolean }>;
}

/** An OpenAI-wire upstream whose streams never end: a word every 100 ms until the gateway hangs up. */
async function startTricklingUpstream(gatewayRunning: () => boolean): Promise<TricklingUpstream> {
  const calls: TricklingUpstream['calls'] = [];
  const server = createServer((req, res) => {
    req.resume();
    // GET /health and /v1/models, which the provider's start-up probe reads.
    if (req.method !== 'POST') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ id: 'slow', object: 'model', owned_by: 'vllm' }] }));
    const call = { cancelled: false, whileGatewayRan: false };
    calls.push(call);
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(`data: ${JSON.stringify(chunkBody({ role: 'assistant', content: '' }))}\n\n`);
    let n = 0;
    const timer = setInterval(() => res.write(`data: ${JSON.stringify(chunkBody({ content: `w${n++} ` }))}\n\n`), 100);
    res.once('close', () => {
      clearInterval(timer);
      call.cancelled = true;
      call.whileGatewayRan = gatewayRunning();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, calls };
}

describe('graceful shutdown of the real process', () => {
  it('SIGTERM with a stream in flight: new connections refused, the stream ends with [DONE], its row is logged, exit 0', async () => {
    const logDb = logDatabaseEnv();
    const gateway = spawnGateway({
      MOCK_MODE: 'true',
      // mock/echo spreads this over the words: 8 words → a chunk every ~100 ms.
      MOCK_DELAY_MS: '800',
      PORT: '0',
      HOST: '127.0.0.1',
      SHUTDOWN_GRACE_MS: '10000',
      LOG_SPILL_DIR: tempDir('llm-gateway-spill-'),
      ...logDb.env,
    });
    try {
      const address = await waitFor(() => logLines(gateway).find((l) => l.msg === 'llm-gateway ready')?.address as string | undefined, 'the gateway to start');
      const port = Number(new URL(address).port);
      const requestId = `shutdown-${Date.now()}`;
      const question = 'one two three four five six seven eight';
      const res = await fetch(`${address}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': requestId },
        body: JSON.stringify({ model: 'mock/echo', stream: true, messages: [{ role: 'user', content: question }] }),
      });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let body = '';
      let finished = false;
      const reading = (async () => {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          body += decoder.decode(value, { stream: true });
        }
        finished = true;
      })();
      await waitFor(() => (body.includes('"content":"one') ? true : undefined), 'the first token');

      gateway.child.kill('SIGTERM');
      // The listener closes at once; the stream is still going when it does.
      await waitFor(() => (logLines(gateway).some((l) => String(l.msg).startsWith('shutting down')) ? true : undefined), 'the shutdown to start');
      let refused = false;
      for (let i = 0; i < 50 && !refused; i++) {
        refused = (await tryConnect(port)) === 'refused';
        if (!refused) await new Promise((r) => setTimeout(r, 20));
      }
      expect(refused).toBe(true);
      expect(finished).toBe(false);

      await reading;
      expect(body.trimEnd().endsWith('data: [DONE]')).toBe(true);
      const text = body
        .split('\n')
        .filter((l) => l.startsWith('data: {'))
        .map((l) => (JSON.parse(l.slice(6)) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ?? '')
        .join('');
      expect(text).toBe(question);

      expect(await gateway.exited).toBe(0);
      expect(logLines(gateway).some((l) => l.msg === 'shutdown complete')).toBe(true);

      const database = await logDb.open();
      try {
        const { request, attempts } = await new LogStore(database).byId(requestId);
        expect(request).toMatchObject({ xRequestId: requestId, status: 200, stream: true, content: question, partial: false, provider: 'mock' });
        expect(attempts).toHaveLength(1);
      } finally {
        await database.close();
      }
    } finally {
      if (gateway.child.exitCode === null) gateway.child.kill('SIGKILL');
    }
  }, 120_000);

  it('streams that outlive SHUTDOWN_GRACE_MS end with their dialect\'s error event, upstream cancelled, rows in the database as 503 server_shutting_down', async () => {
    const graceMs = 1_500;
    const logDb = logDatabaseEnv();
    const spillDir = tempDir('llm-gateway-spill-');
    let gateway: Gateway | undefined;
    const upstream = await startTricklingUpstream(() => gateway?.child.exitCode === null);
    gateway = spawnGateway({
      PORT: '0',
      HOST: '127.0.0.1',
      VLLM_BASE_URL: upstream.baseUrl,
      VLLM_MODEL: 'slow',
      SHUTDOWN_GRACE_MS: String(graceMs),
      LOG_SPILL_DIR: spillDir,
      ...logDb.env,
    });
    const running = gateway;
    try {
      const address = await waitFor(() => logLines(running).find((l) => l.msg === 'llm-gateway ready')?.address as string | undefined, 'the gateway to start');
      const stamp = Date.now();
      const model = 'vllm/slow';
      const messages = [{ role: 'user', content: 'talk for a long time' }];
      const dialects = [
        { name: 'chat', path: '/v1/chat/completions', body: { model, stream: true, messages } },
        { name: 'responses', path: '/v1/responses', body: { model, stream: true, input: 'talk for a long time' } },
        { name: 'messages', path: '/v1/messages', body: { model, stream: true, max_tokens: 1000, messages } },
      ];
      const streams = await Promise.all(
        dialects.map(async (d) => {
          const requestId = `shutdown-cut-${d.name}-${stamp}`;
          const res = await fetch(`${address}${d.path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': requestId }, body: JSON.stringify(d.body) });
          expect(res.status, d.name).toBe(200);
          return { ...d, requestId, read: readAll(res) };
        }),
      );
      const sessionId = `shutdown-ws-${stamp}`;
      const socket = new WebSocket(`${address.replace('http', 'ws')}/ws/${sessionId}`);
      const wsMessages: Array<{ type: string; error?: { code?: string } }> = [];
      socket.on('message', (data) => wsMessages.push(JSON.parse(String(data)) as (typeof wsMessages)[number]));
      const wsClosed = new Promise<{ code: number; reason: string }>((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
      await new Promise<void>((resolve, reject) => socket.once('open', () => resolve()).once('error', reject));
      socket.send(JSON.stringify({ type: 'user_message', content: 'talk for a long time', model }));
      for (const s of streams) await waitFor(() => (s.read.text().includes('w1 ') ? true : undefined), `${s.name}: the first words`);
      await waitFor(() => (wsMessages.some((m) => m.type === 'assistant_delta') ? true : undefined), 'ws: the first words');

      const signalledAt = Date.now();
      running.child.kill('SIGTERM');
      await Promise.all(streams.map((s) => s.read.done));
      const code = await running.exited;
      const exitMs = Date.now() - signalledAt;
      process.stderr.write(`shutdown past the grace period: exit ${code} after ${exitMs} ms (grace ${graceMs} ms)\n`);
      expect(code).toBe(0);
      // The grace period, then the cut, the flush and the database's close: well within the 10 s after the grace
      // period at which the gateway gives up with exit 1 (a few hundred ms on a quiet machine).
      expect(exitMs).toBeGreaterThanOrEqual(graceMs);
      expect(exitMs).toBeLessThan(graceMs + 10_000);

      const [chat, responses, anthropic] = streams.map((s) => sseEvents(s.read.text()));
      // OpenAI Chat: its error envelope as the last data event, and no [DONE] (a cut answer must not look whole).
      const chatLast = chat!.at(-1)!;
      expect(JSON.parse(chatLast.data)).toMatchObject({ error: { code: 'server_shutting_down', type: 'service_unavailable' } });
      expect(chat!.some((e) => e.data === '[DONE]')).toBe(false);
      // Responses: response.failed carrying the error (its code from OpenAI's list, so the message names the reason).
      const failed = responses!.at(-1)!;
      expect(failed.event).toBe('response.failed');
      expect(JSON.parse(failed.data)).toMatchObject({ response: { status: 'failed', error: { code: 'server_error', message: expect.stringContaining('server_shutting_down') } } });
      // Anthropic Messages: `event: error` with overloaded_error (what its SDKs retry), no message_stop.
      const anthropicLast = anthropic!.at(-1)!;
      expect(anthropicLast.event).toBe('error');
      expect(JSON.parse(anthropicLast.data)).toMatchObject({ type: 'error', error: { type: 'overloaded_error', message: expect.stringContaining('server_shutting_down') } });
      expect(anthropic!.some((e) => e.event === 'message_stop')).toBe(false);
      // The WebSocket: the turn's error message, then a 1001 close naming the reason.
      expect(wsMessages.at(-1)).toMatchObject({ type: 'error', error: { code: 'server_shutting_down' } });
      expect(await wsClosed).toEqual({ code: 1001, reason: 'server_shutting_down' });

      // Every upstream call was cancelled by the gateway itself, not by its exit.
      expect(upstream.calls).toHaveLength(4);
      expect(upstream.calls.every((c) => c.cancelled && c.whileGatewayRan)).toBe(true);

      const spill = join(spillDir, 'request-log.spill.jsonl');
      expect(existsSync(spill) ? readFileSync(spill, 'utf8') : '').toBe('');
      const database = await logDb.open();
      try {
        const store = new LogStore(database);
        for (const s of streams) {
          const { request, attempts } = await store.byId(s.requestId);
          expect(request, s.name).toMatchObject({ status: 503, errorCode: 'server_shutting_down', partial: true, stream: true });
          expect(attempts[0]?.errorCode, s.name).toBe('server_shutting_down');
        }
        const wsRows = await database.db.select().from(requestLogs).where(eq(requestLogs.sessionId, sessionId));
        expect(wsRows).toMatchObject([{ endpoint: '/ws', status: 503, errorCode: 'server_shutting_down' }]);
      } finally {
        await database.close();
      }
    } finally {
      if (running.child.exitCode === null) running.child.kill('SIGKILL');
      const closed = new Promise((resolve) => upstream.server.close(resolve));
      upstream.server.closeAllConnections();
      await closed;
    }
  }, 150_000);

  it('refuses to listen on a non-loopback address without keys (exit 2, names the variable)', async () => {
    const gateway = spawnGateway({ HOST: '0.0.0.0', PORT: '0', MOCK_MODE: 'true', PGLITE_DIR: 'memory://' });
    expect(await gateway.exited).toBe(2);
    expect(gateway.stderr.join('')).toMatch(/HOST=0\.0\.0\.0 .*GATEWAY_API_KEYS/);
  }, 90_000);
});
