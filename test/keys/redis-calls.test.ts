// How many Redis commands one request costs, counted by a throwaway server's own INFO commandstats: a key and team
// each with RPM, TPM, parallel and budget make 8 decisions (sent together: one round trip) and 6 settles or releases
// after the answer (again together, off the response path). A new call per request fails this on purpose.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { throwawayRedis, type ThrowawayRedis } from '../state/redis-helpers.js';
import { ADMIN, chat, keyWith } from './enforcement-helpers.js';

let redis: ThrowawayRedis;
let gateway: TestGateway;

beforeAll(async () => {
  redis = await throwawayRedis();
  await redis.start();
  gateway = await startGateway({ env: { GATEWAY_ADMIN_KEY: ADMIN, MOCK_MODE: 'true', REDIS_URL: redis.url } });
}, 60_000);

afterAll(async () => {
  await gateway?.close();
  await redis?.stop();
});

it('one request with every limit on key and team: 8 decisions, 6 settles, nothing else', async () => {
  const limits = { rpm: 1_000, tpm: 1_000_000, max_parallel: 50, budget_usd: 100, budget_period: 'day' };
  const { key } = await keyWith(gateway, limits, limits);
  // The first request seeds the budgets and loads the scripts; count the steady state after it.
  expect((await chat(gateway, key, { model: 'mock/echo' })).status).toBe(200);
  await new Promise((r) => setTimeout(r, 100));
  // MONITOR shows what clients send; commands a script runs inside Redis show as `lua` and are not round trips.
  const raw = new Redis(redis.url);
  const monitor = await raw.monitor();
  const sent: string[] = [];
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (source !== 'lua') sent.push(String(args[0]).toLowerCase());
  });
  try {
    const n = 10;
    for (let i = 0; i < n; i++) expect((await chat(gateway, key, { model: 'mock/echo' })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    const per = (name: string) => sent.filter((c) => c === name).length / n;
    expect({ evalsha: per('evalsha'), zrem: per('zrem'), total: sent.length / n }).toEqual({ evalsha: 12, zrem: 2, total: 14 });
  } finally {
    monitor.disconnect();
    raw.disconnect();
  }
});
