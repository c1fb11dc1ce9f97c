// `node --import tsx bench/enforcement-ab.ts --other=<a built checkout> [--rounds 6] [--per 4000] [--concurrency 32]`
// (after `npm run build`): a virtual key's enforcement alone, this build against another, on a throwaway redis-server:
// admit → a turn of the event loop (the upstream) → release, `concurrency` at once, in interleaved rounds so that
// whatever else loads the machine weighs on both alike. Reports, per request, the gateway's CPU ms, the Redis server's
// CPU ms (on a two-core machine both come out of the same budget) and the admission's p99.
import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { readCpuMs } from './processes.js';
import { arg } from './args.js';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));


/** The part of either build's enforcer this drives: the old one took the principal, the new one its plan. */
interface AnyEnforcer {
  planOf?(p: unknown): unknown;
  admit(what: unknown, demand: { tokens: number; costUsd: number }): Promise<{ refusal?: unknown }>;
  release(admission: unknown, used: { tokens: number; costUsd: number }): void;
}

const LIMITS = { allowedModels: null, rpm: 100_000_000, tpm: 2_000_000_000, maxParallel: null, budgetUsd: 1_000_000, budgetPeriod: 'month', softThreshold: null };
const NONE = { ...LIMITS, rpm: null, tpm: null, budgetUsd: null, budgetPeriod: null };

async function load(root: string, url: string, prefix: string): Promise<{ run(n: number, c: number): Promise<number[]>; close(): Promise<void> }> {
  const dist = (p: string) => pathToFileURL(join(root, 'dist', p)).href;
  const { createRedisState } = (await import(dist('state/redis.js'))) as { createRedisState(o: object): Promise<{ close(): Promise<void> }> };
  const { BudgetSeeder } = (await import(dist('keys/budget-seed.js'))) as { BudgetSeeder: new (s: unknown, r: () => Promise<number>) => unknown };
  const { Enforcer } = (await import(dist('keys/enforcer.js'))) as { Enforcer: new (s: unknown, seeder: unknown, o: object) => AnyEnforcer };
  const log = { warn: () => {}, info: () => {} };
  const state = await createRedisState({ url, prefix, commandTimeoutMs: 2_000, connectTimeoutMs: 2_000, failureMode: 'open', replicas: 1, log });
  const enforcer = new Enforcer(state, new BudgetSeeder(state, async () => 0), { holdTtlMs: 120_000, onSoftThreshold: () => {}, onSettleError: (err: unknown) => console.error(err) });
  const principal = { keyId: 'vk_bench', teamId: 'team_bench', keyLimits: LIMITS, teamLimits: NONE, expiresAt: null, revoked: false };
  const demand = { tokens: 1_100, costUsd: 0.0011 };
  const used = { tokens: 1_020, costUsd: 0.0004 };
  async function one(latencies: number[]): Promise<void> {
    const t0 = performance.now();
    const what = enforcer.planOf ? enforcer.planOf(principal) : principal;
    const admission = await enforcer.admit(what, demand);
    latencies.push(performance.now() - t0);
    if (admission.refusal) throw new Error('refused: the limits are meant never to refuse');
    await new Promise((r) => setImmediate(r));
    enforcer.release(admission, used);
  }
  return {
    async run(n, c) {
      const latencies: number[] = [];
      let left = n;
      await Promise.all(Array.from({ length: c }, async () => {
        while (left-- > 0) await one(latencies);
      }));
      return latencies;
    },
    close: () => state.close(),
  };
}

async function redisServer(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const probe = new Redis(`redis://127.0.0.1:${port}`, { lazyConnect: true, retryStrategy: () => 20, maxRetriesPerRequest: null });
  probe.on('error', () => {});
  await probe.ping();
  probe.disconnect();
  return child;
}

const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.99)] ?? 0;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function main(): Promise<void> {
  const rounds = Number(arg('rounds', '6'));
  const per = Number(arg('per', '4000'));
  const c = Number(arg('concurrency', '32'));
  const port = 16_379 + Math.floor(Math.random() * 1000);
  const url = `redis://127.0.0.1:${port}`;
  const server = await redisServer(port);
  try {
    const builds = [
      { name: 'this', ...(await load(ROOT, url, 'ab-this:')) },
      { name: 'other', ...(await load(resolve(arg('other')), url, 'ab-other:')) },
    ];
    const seen = new Map<string, { cpu: number[]; redis: number[]; p99: number[] }>(builds.map((b) => [b.name, { cpu: [], redis: [], p99: [] }]));
    for (const b of builds) await b.run(per / 4, c);
    for (let r = 0; r < rounds; r++)
      for (const b of r % 2 ? [...builds].reverse() : builds) {
        const cpu0 = process.cpuUsage();
        const redis0 = readCpuMs(server.pid!);
        const latencies = await b.run(per, c);
        const cpu = process.cpuUsage(cpu0);
        const s = seen.get(b.name)!;
        s.cpu.push((cpu.user + cpu.system) / 1000 / per);
        s.redis.push((readCpuMs(server.pid!) - redis0) / per);
        s.p99.push(p99(latencies));
      }
    console.log(`| build | gateway CPU ms/req (median, min–max) | Redis CPU ms/req | admit p99 ms |\n|---|--:|--:|--:|`);
    for (const [name, s] of seen) {
      const f = (xs: number[]) => `${median(xs).toFixed(3)} (${Math.min(...xs).toFixed(3)}–${Math.max(...xs).toFixed(3)})`;
      console.log(`| ${name} | ${f(s.cpu)} | ${f(s.redis)} | ${f(s.p99)} |`);
    }
    await Promise.all(builds.map((b) => b.close()));
  } finally {
    server.kill('SIGKILL');
  }
}

main().catch((err: Error) => {
  console.error(`enforcement-ab: ${err.stack ?? err.message}`);
  process.exitCode = 1;
});
