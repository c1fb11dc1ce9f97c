// Redis for the state tests: the shared server (REDIS_URL or 127.0.0.1:6379) under a random prefix that is deleted
// afterwards, and throwaway `redis-server` processes on free ports that a test may kill, freeze and restart.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import type { StateLog } from '../../src/state/hub.js';

export const SHARED_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export function randomPrefix(label: string): string {
  return `test:${label}:${randomBytes(5).toString('hex')}:`;
}

export function quietLog(): StateLog & { lines: string[] } {
  const lines: string[] = [];
  return { lines, warn: (_obj, msg) => void lines.push(`warn ${msg}`), info: (_obj, msg) => void lines.push(`info ${msg}`) };
}

/** Deletes every key under `prefix` on the shared server. */
export async function deletePrefix(prefix: string): Promise<number> {
  const redis = new Redis(SHARED_REDIS_URL);
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

export function redisServerAvailable(): boolean {
  return spawnSync('redis-server', ['--version']).status === 0;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== 'object' || !address) throw new Error('no port');
  return address.port;
}

export interface ThrowawayRedis {
  url: string;
  start(): Promise<void>;
  /** SIGKILL: a crash, nothing flushed, every connection reset. */
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT: connections stay open and nothing answers (a hung server). */
  freeze(): void;
  thaw(): void;
  stop(): Promise<void>;
}

export async function throwawayRedis(): Promise<ThrowawayRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const exited = (proc: ChildProcess) => new Promise<void>((resolve) => (proc.exitCode !== null || proc.signalCode !== null ? resolve() : proc.once('exit', () => resolve())));
  const server: ThrowawayRedis = {
    url,
    async start() {
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => 20, maxRetriesPerRequest: null });
      probe.on('error', () => {});
      try {
        await probe.ping();
      } finally {
        probe.disconnect();
      }
    },
    async kill() {
      if (!child) return;
      const proc = child;
      child = undefined;
      proc.kill('SIGCONT');
      proc.kill('SIGKILL');
      await exited(proc);
    },
    freeze: () => void child?.kill('SIGSTOP'),
    thaw: () => void child?.kill('SIGCONT'),
    stop: () => server.kill(),
  };
  return server;
}

/** Resolves with how long `call` took, in ms, whether it resolved or threw. */
export async function timed(call: () => Promise<unknown>): Promise<{ ms: number; error?: unknown }> {
  const started = performance.now();
  try {
    await call();
    return { ms: performance.now() - started };
  } catch (error) {
    return { ms: performance.now() - started, error };
  }
}
