// Redis away under a gateway (a throwaway redis-server that the test kills and restarts): `closed` answers 503
// state_unavailable with Retry-After: 1 within the command timeout and reports not ready; `open` keeps serving at
// limit ÷ GATEWAY_REPLICAS with the degraded gauge at 1; both recover by themselves when Redis returns.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { throwawayRedis, timed, type ThrowawayRedis } from '../state/redis-helpers.js';
import { ADMIN, chat, eventually, keyWith, metric } from './enforcement-helpers.js';

let redis: ThrowawayRedis;
const opened: TestGateway[] = [];

beforeAll(async () => {
  redis = await throwawayRedis();
  await redis.start();
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((g) => g.close()));
  // A fresh server for the next case, whether or not this one left it running.
  await redis.kill();
  await redis.start();
});

afterAll(async () => {
  await redis?.stop();
});

async function gatewayIn(mode: 'open' | 'closed'): Promise<TestGateway> {
  const gateway = await startGateway({
    env: {
      GATEWAY_ADMIN_KEY: ADMIN,
      MOCK_MODE: 'true',
      REDIS_URL: redis.url,
      REDIS_PREFIX: `faults-${mode}:`,
      REDIS_FAILURE_MODE: mode,
      REDIS_COMMAND_TIMEOUT_MS: '200',
      REDIS_CONNECT_TIMEOUT_MS: '500',
      GATEWAY_REPLICAS: '2',
    },
  });
  opened.push(gateway);
  return gateway;
}

const ready = async (g: TestGateway) => {
  const res = await fetch(`${g.url}/health/ready`);
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};

const ask = (g: TestGateway, key: string) => chat(g, key, { model: 'mock/echo' });

describe('Redis away', () => {
  it('closed: 503 state_unavailable with Retry-After: 1, fast; not ready; recovers when Redis returns', async () => {
    const gateway = await gatewayIn('closed');
    const { key } = await keyWith(gateway, { rpm: 100 });
    expect((await ask(gateway, key)).status).toBe(200);
    await redis.kill();
    let refused: Awaited<ReturnType<typeof ask>> | undefined;
    const { ms } = await timed(async () => void (refused = await ask(gateway, key)));
    expect(refused?.status).toBe(503);
    expect(refused?.body.error).toMatchObject({ code: 'state_unavailable' });
    expect(refused?.headers.get('retry-after')).toBe('1');
    // Command timeout 200 ms; the rest is a loaded machine's margin, far below any hang.
    expect(ms).toBeLessThan(2_000);
    const report = await ready(gateway);
    expect(report.status).toBe(503);
    expect(report.body.state).toEqual({ backend: 'redis', degraded: true, failure_mode: 'closed' });
    expect(await metric(gateway, 'gateway_state_degraded')).toBe(1);
    expect(await metric(gateway, 'gateway_limit_refusals_total{reason="state_unavailable"}')).toBeGreaterThanOrEqual(1);

    await redis.start();
    await eventually(async () => ((await ask(gateway, key)).status === 200 ? true : undefined), 10_000);
    expect(await metric(gateway, 'gateway_state_degraded')).toBe(0);
    expect((await ready(gateway)).status).toBe(200);
  }, 60_000);

  it('closed, Redis hung (no answer, connections open): 503 within the command timeout, never a hang', async () => {
    const gateway = await gatewayIn('closed');
    const { key } = await keyWith(gateway, { rpm: 100, max_parallel: 5 });
    expect((await ask(gateway, key)).status).toBe(200);
    redis.freeze();
    try {
      let refused: Awaited<ReturnType<typeof ask>> | undefined;
      const { ms } = await timed(async () => void (refused = await ask(gateway, key)));
      expect(refused?.status).toBe(503);
      expect(refused?.body.error.code).toBe('state_unavailable');
      expect(ms).toBeLessThan(2_000);
    } finally {
      redis.thaw();
    }
    await eventually(async () => ((await ask(gateway, key)).status === 200 ? true : undefined), 10_000);
  }, 60_000);

  it('open: serves while Redis is away at limit ÷ replicas, gauge 1, ready 200; recovers when it returns', async () => {
    const gateway = await gatewayIn('open');
    const { key } = await keyWith(gateway, { rpm: 4 });
    expect((await ask(gateway, key)).status).toBe(200);
    await redis.kill();
    // The first call may be the one that finds Redis gone; from then on the local share (4 / 2 replicas) holds.
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await ask(gateway, key)).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(2);
    expect(statuses.slice(2)).toEqual([429, 429]);
    expect(await metric(gateway, 'gateway_state_degraded')).toBe(1);
    const report = await ready(gateway);
    expect(report.status).toBe(200);
    expect(report.body.state).toEqual({ backend: 'redis', degraded: true, failure_mode: 'open' });

    await redis.start();
    await eventually(async () => ((await metric(gateway, 'gateway_state_degraded')) === 0 ? true : undefined), 10_000);
    // Back on Redis, where the bucket is fresh (the throwaway server restarted empty).
    expect((await ask(gateway, key)).status).toBe(200);
    expect((await ready(gateway)).body.state.degraded).toBe(false);
  }, 60_000);
});
