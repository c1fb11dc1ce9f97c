// The connect timeout, global and per route, against a loopback server whose accept queue is full (a child process
// listens with a backlog of 1 and then blocks its event loop, so the kernel drops further SYNs and connects hang).
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ROUTING } from '../../src/config.js';
import { ProviderRegistry } from '../../src/providers/registry.js';
import { chatRequestSchema } from '../../src/schemas/chat-request.js';
import { HealthTracker } from '../../src/routing/health.js';
import { Router, type AttemptRecord } from '../../src/routing/router.js';
import { createDispatcher, sendUpstream, withConnectTimeout } from '../../src/upstream/http.js';

const LISTENER = `
const server = require('node:net').createServer().listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
  process.stdout.write(server.address().port + '\\n');
  setTimeout(() => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20000), 20);
});`;

let child: ChildProcess;
let port: number;
const fillers: Socket[] = [];

beforeAll(async () => {
  child = spawn(process.execPath, ['-e', LISTENER], { stdio: ['ignore', 'pipe', 'inherit'] });
  port = await new Promise<number>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
  await new Promise((r) => setTimeout(r, 100)); // the child is now blocked and accepts nothing
  // Fill the accept queue (backlog + 1 completed handshakes); later connects get no SYN-ACK.
  for (let i = 0; i < 3; i++) fillers.push(connect(port, '127.0.0.1').on('error', () => undefined));
  await new Promise((r) => setTimeout(r, 100));
});

afterAll(() => {
  for (const s of fillers) s.destroy();
  child?.kill('SIGKILL');
});

async function timed(fn: () => Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const started = performance.now();
  try {
    await fn();
    return { ms: performance.now() - started, error: undefined };
  } catch (error) {
    return { ms: performance.now() - started, error };
  }
}

describe('connect timeout', () => {
  // undici runs connect timers on its coarse clock (0.5 s ticks), so a 200 ms timeout fires within about 1.5 s:
  // what is asserted is which timeout applies, with the three calls running side by side.
  it("the dispatcher's default applies unless a route scope overrides it; the router applies the route's", async () => {
    const dispatcher = createDispatcher({ connectTimeoutMs: 20_000, useEnvProxy: false });
    const registry = ProviderRegistry.fromConfigs([{ id: 'blackhole', type: 'openai-compatible', baseUrl: `http://127.0.0.1:${port}/v1` }], { dispatcher });
    const router = new Router(registry, new HealthTracker());
    const attempts: AttemptRecord[] = [];
    const plan = {
      requested: 'x',
      strategy: 'fallback' as const,
      targets: [{ provider: 'blackhole', model: 'm', weight: 1 }],
      settings: { ...DEFAULT_ROUTING, retries: 0, connect_timeout_ms: 200 },
      // What the resolver sets when an alias's routing block names connect_timeout_ms.
      connectTimeoutOverrideMs: 200,
    };
    const request = chatRequestSchema.parse({ model: 'x', messages: [{ role: 'user', content: 'hi' }] });
    const unscopedAbort = new AbortController();
    const send = (signal?: AbortSignal) => sendUpstream({ provider: 'p', method: 'GET', url: `http://127.0.0.1:${port}/v1/models`, dispatcher, headersTimeoutMs: 30_000, signal });
    try {
      let unscopedSettled = false;
      const unscoped = send(unscopedAbort.signal).finally(() => (unscopedSettled = true));
      unscoped.catch(() => undefined);
      const [scoped, routed] = await Promise.all([timed(() => withConnectTimeout(200, () => send())), timed(() => router.chat(request, plan, { signal: new AbortController().signal, attempts }))]);

      expect(scoped.error).toMatchObject({ status: 504, code: 'upstream_timeout' });
      expect(scoped.ms).toBeLessThan(2000);
      expect(routed.error).toMatchObject({ status: 504, code: 'upstream_timeout' });
      expect(routed.ms).toBeLessThan(2000);
      expect(attempts).toEqual([expect.objectContaining({ provider: 'blackhole', status: 504, errorCode: 'upstream_timeout' })]);
      // The same connect without a scope is still waiting on the 20 s default.
      expect(unscopedSettled).toBe(false);
    } finally {
      // undici applies an abort only once the connect settles; destroying the pool ends the hung socket now.
      unscopedAbort.abort();
      void dispatcher.destroy().catch(() => undefined);
    }
  });
});
