// The real process (src/main.ts through tsx, so no build is needed): SIGTERM while a stream is in flight refuses new
// connections, lets the stream finish with [DONE], flushes its log row and exits 0. Also: the bind rule at start.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { openLogDatabase } from '../../src/request-log/db.js';
import { LogStore } from '../../src/request-log/store.js';

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

async function waitFor<T>(probe: () => T | undefined, what: string, timeoutMs = 15_000): Promise<T> {
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

describe('graceful shutdown of the real process', () => {
  it('SIGTERM with a stream in flight: new connections refused, the stream ends with [DONE], its row is logged, exit 0', async () => {
    const databaseUrl = process.env.DATABASE_URL;
    const pgliteDir = tempDir('llm-gateway-pglite-');
    // The suite's migrated template is a tarball of a PGlite data dir: unpacked, it spares the child an initdb (~5 s).
    if (!databaseUrl) execFileSync('tar', ['-xf', inject('pgliteTemplatePath'), '-C', pgliteDir], { stdio: 'ignore' });
    const gateway = spawnGateway({
      MOCK_MODE: 'true',
      // mock/echo spreads this over the words: 8 words → a chunk every ~100 ms.
      MOCK_DELAY_MS: '800',
      PORT: '0',
      HOST: '127.0.0.1',
      SHUTDOWN_GRACE_MS: '10000',
      LOG_SPILL_DIR: tempDir('llm-gateway-spill-'),
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : { PGLITE_DIR: pgliteDir }),
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

      const database = await openLogDatabase({ databaseUrl, pgliteDir });
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
  }, 30_000);

  it('refuses to listen on a non-loopback address without keys (exit 2, names the variable)', async () => {
    const gateway = spawnGateway({ HOST: '0.0.0.0', PORT: '0', MOCK_MODE: 'true', PGLITE_DIR: 'memory://' });
    expect(await gateway.exited).toBe(2);
    expect(gateway.stderr.join('')).toMatch(/HOST=0\.0\.0\.0 .*GATEWAY_API_KEYS/);
  }, 15_000);
});
