// How many Redis commands one request costs, as a throwaway server's MONITOR sees them: a key and team each with RPM,
// TPM, parallel and budget are one admission script (8 holds, one round trip) and one script ending the 6 holds that
// end (off the response path). A new call per request fails this on purpose. Without a parallel limit, requests are
// admitted from blocks: far fewer commands than requests. And the scripts survive a SCRIPT FLUSH.
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
  // A loaded machine stalls for more than the default 200 ms: Redis would count as away, and the probe and re-seeding
  // on its return would be counted as the request's commands.
  gateway = await startGateway({ env: { GATEWAY_ADMIN_KEY: ADMIN, MOCK_MODE: 'true', REDIS_URL: redis.url, REDIS_COMMAND_TIMEOUT_MS: '2000' } });
}, 60_000);

afterAll(async () => {
  await gateway?.close();
  await redis?.stop();
});

/** Every command clients send while `run` runs (commands a script runs inside Redis show as `lua`: not round trips). */
async function sentDuring(run: () => Promise<void>): Promise<string[]> {
  const raw = new Redis(redis.url);
  const monitor = await raw.monitor();
  const sent: string[] = [];
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (source !== 'lua') sent.push(String(args[0]).toLowerCase());
  });
  try {
    await run();
    await new Promise((r) => setTimeout(r, 300));
    return sent;
  } finally {
    monitor.disconnect();
    raw.disconnect();
  }
}

it('one request with every limit on key and team: one admission script, one script ending the holds, nothing else', async () => {
  const limits = { rpm: 1_000, tpm: 1_000_000, max_parallel: 50, budget_usd: 100, budget_period: 'day' };
  const { key } = await keyWith(gateway, limits, limits);
  // The first request seeds the budgets and loads the scripts; count the steady state after it.
  expect((await chat(gateway, key, { model: 'mock/echo' })).status).toBe(200);
  await new Promise((r) => setTimeout(r, 100));
  const n = 10;
  const sent = await sentDuring(async () => {
    for (let i = 0; i < n; i++) expect((await chat(gateway, key, { model: 'mock/echo' })).status).toBe(200);
  });
  const per = (name: string) => sent.filter((c) => c === name).length / n;
  expect({ evalsha: per('evalsha'), total: sent.length / n }).toEqual({ evalsha: 2, total: 2 });
});

it('limits large enough for blocks (no parallel limit): requests are admitted locally, a block at a time', async () => {
  const limits = { rpm: 100_000, tpm: 100_000_000, budget_usd: 1_000, budget_period: 'day' };
  const { key } = await keyWith(gateway, limits, limits);
  expect((await chat(gateway, key, { model: 'mock/echo' })).status).toBe(200);
  const n = 48;
  const sent = await sentDuring(async () => {
    for (let wave = 0; wave < n / 8; wave++) {
      const statuses = await Promise.all(Array.from({ length: 8 }, async () => (await chat(gateway, key, { model: 'mock/echo' })).status));
      expect(statuses).toEqual(new Array(8).fill(200));
    }
  });
  // Per block: one admission and one end (and now and then a correction of estimates); a block serves up to 16
  // requests at first, or 200 ms of them.
  // (`eval`: a script's first use on the connection, e.g. the first correction.)
  expect(sent.filter((c) => c !== 'evalsha' && c !== 'eval')).toEqual([]);
  expect(sent.length / n).toBeLessThan(0.5);
  expect(sent.length).toBeGreaterThan(0);
});

it('after SCRIPT FLUSH the scripts are loaded again (NOSCRIPT → EVAL) and the limits still hold', async () => {
  const { key } = await keyWith(gateway, { rpm: 3, tpm: 1_000_000, max_parallel: 5, budget_usd: 100, budget_period: 'day' });
  expect((await chat(gateway, key, { model: 'mock/echo' })).status).toBe(200);
  const flusher = new Redis(redis.url);
  try {
    expect(await flusher.script('FLUSH')).toBe('OK');
  } finally {
    flusher.disconnect();
  }
  const statuses: number[] = [];
  const sent = await sentDuring(async () => {
    for (let i = 0; i < 3; i++) statuses.push((await chat(gateway, key, { model: 'mock/echo' })).status);
  });
  // Two more fit the RPM of 3; the third is refused by the reloaded script, so it still counts the first request.
  expect(statuses).toEqual([200, 200, 429]);
  expect(sent).toContain('eval');
  const ready = (await (await fetch(`${gateway.url}/health/ready`)).json()) as { state: { degraded: boolean } };
  expect(ready.state.degraded).toBe(false);
});
