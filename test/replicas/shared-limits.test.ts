// Three gateway processes sharing the real Redis and Postgres, clients spread round-robin over them: a key's RPM,
// budget and parallel limit hold for the whole cluster (not N× the limit), and a revocation reaches every replica.
// Each scenario prints what it measured (`[replicas] …`), the figures the closing note asks for.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startCountingUpstream, type CountingUpstream } from '../fakes/counting-upstream.js';
import { SHARED_REDIS_URL } from '../state/redis-helpers.js';
import { Cluster, type Answer } from './cluster.js';

const REPLICAS = 3;
/** Each admitted stream: 1,000 completion tokens at $20 per million, prompt free → exactly $0.02, its reservation too. */
const STREAM_COST = 0.02;
const BUDGET = 1;

let upstream: CountingUpstream;
let cluster: Cluster;

beforeAll(async () => {
  upstream = await startCountingUpstream();
  upstream.behave('rpm-model', {});
  upstream.behave('budget-model', { chunks: 5, chunkDelayMs: 100, usage: { prompt_tokens: 5, completion_tokens: 1000, total_tokens: 1005 } });
  upstream.behave('parallel-model', { delayMs: 1_000 });
  // 50 completion tokens at $20 per million, prompt free: $0.001 a request, its reservation (max_tokens 50) too.
  upstream.behave('block-model', { usage: { prompt_tokens: 5, completion_tokens: 50, total_tokens: 55 } });
  cluster = await Cluster.start({
    label: 'limits',
    replicas: REPLICAS,
    upstream,
    // Sharing is what this file tests, so Redis must count as healthy throughout: on a loaded machine an event loop
    // stalls for hundreds of ms, and the default 200 ms would flap into local decisions (redis-faults.test.ts covers those).
    env: { REDIS_COMMAND_TIMEOUT_MS: '2000' },
    prices: { 'rpm-model': { input: 0, output: 0 }, 'budget-model': { input: 0, output: 20 }, 'parallel-model': { input: 0, output: 0 }, 'block-model': { input: 0, output: 20 } },
  });
}, 200_000);

beforeEach(({ onTestFailed }) => onTestFailed(() => cluster.keepLogs()));

afterAll(async () => {
  await cluster?.stop();
  await upstream?.close();
}, 60_000);

const ask = (model: string, extra: Record<string, unknown> = {}) => ({ model: `openai/${model}`, messages: [{ role: 'user', content: 'hi' }], ...extra });

function errorOf(answer: Answer): { code?: string; type?: string } {
  try {
    return (JSON.parse(answer.text) as { error?: { code?: string; type?: string } }).error ?? {};
  } catch {
    return {};
  }
}

function tally(answers: Answer[]): Record<number, number> {
  const by: Record<number, number> = {};
  for (const a of answers) by[a.status] = (by[a.status] ?? 0) + 1;
  return by;
}

/** Starts `total` calls `everyMs` apart, never more than `cap` unanswered at once; resolves with every answer. */
async function paced(total: number, everyMs: number, cap: number, call: () => Promise<Answer>): Promise<Answer[]> {
  const answers: Promise<Answer>[] = [];
  let open = 0;
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    const due = started + i * everyMs - performance.now();
    if (due > 0) await new Promise((r) => setTimeout(r, due));
    while (open >= cap) await new Promise((r) => setTimeout(r, 2));
    open++;
    answers.push(call().finally(() => open--));
  }
  return Promise.all(answers);
}

/** Settled spend the cluster holds in Redis for one key: the `s` field of its budget reservations (contract key names). */
async function settledInRedis(keyId: string): Promise<number> {
  const redis = new Redis(SHARED_REDIS_URL);
  try {
    let total = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${cluster.prefix}{key:${keyId}}:budget*`, 'COUNT', 500);
      cursor = next;
      for (const key of keys) {
        if ((await redis.type(key)) !== 'hash') continue;
        const settled = await redis.hget(key, 's');
        if (settled !== null) total += Number(settled);
      }
    } while (cursor !== '0');
    return total;
  } finally {
    redis.disconnect();
  }
}

/** The RPM lease members the cluster holds in Redis for one key (contract key names). */
async function rpmLeases(keyId: string): Promise<string[]> {
  const redis = new Redis(SHARED_REDIS_URL);
  try {
    return await redis.zrange(`${cluster.prefix}{key:${keyId}}:rpm:l`, '0', '-1');
  } finally {
    redis.disconnect();
  }
}

describe(`${REPLICAS} replicas sharing Redis and Postgres`, () => {
  it('a key with 100 RPM admits at most 101 of 2,000 attempts in 10 s', async () => {
    const { id, key } = await cluster.createKey({ rpm: 100 });
    const started = performance.now();
    const answers = await paced(2_000, 5, 64, () => cluster.chat(key, ask('rpm-model')));
    const seconds = (performance.now() - started) / 1000;
    const admitted = answers.filter((a) => a.status === 200).length;
    console.info(`[replicas] rpm: ${admitted} of ${answers.length} admitted in ${seconds.toFixed(1)} s over ${REPLICAS} replicas (limit 100/min)`, tally(answers));

    expect(new Set(answers.map((a) => a.replica)).size).toBe(REPLICAS);
    expect(answers.filter((a) => a.status !== 200 && a.status !== 429).map((a) => `${a.status} ${a.text}`)).toEqual([]);
    expect(await cluster.degradedDecisions(), 'Redis counted as away during the run: decisions were local').toBe(0);
    // 101 when the attempts take the 10 s asked for; a loaded machine that needs longer earns the refill of the extra time.
    expect(admitted).toBeLessThanOrEqual(101 + Math.floor((100 / 60) * Math.max(0, seconds - 10)));
    // Any limiter of 100 per minute admits its steady rate over 10 s; one that refuses everything is broken too.
    expect(admitted).toBeGreaterThanOrEqual(16);
    // Refused before the upstream: it saw exactly the admitted calls.
    expect(upstream.counts('rpm-model').calls).toBe(admitted);
    for (const a of answers) {
      expect(a.headers.get('x-ratelimit-limit-requests')).toBe('100');
      if (a.status !== 429) continue;
      expect(errorOf(a)).toMatchObject({ code: 'rate_limit_exceeded', type: 'requests' });
      expect(Number(a.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    const rows = await cluster.rowsOf(id, answers.length);
    expect(rows.filter((r) => r.status === 429).every((r) => r.error_code === 'rate_limit_exceeded')).toBe(true);
  }, 90_000);

  it('a $1.00 budget under 200 concurrent streams: overspend within the reservations in flight, spend equal to the log rows', async () => {
    const { id, key } = await cluster.createKey({ budget_usd: BUDGET, budget_period: 'total' });
    const answers = await Promise.all(Array.from({ length: 200 }, () => cluster.chat(key, ask('budget-model', { stream: true, max_tokens: 1000 }))));
    const admitted = answers.filter((a) => a.status === 200);
    const rows = await cluster.rowsOf(id, answers.length);
    const spend = rows.reduce((sum, r) => sum + (r.cost_usd ?? 0), 0);
    const overspend = Math.max(0, spend - BUDGET);
    // Every admitted stream held one reservation of its full price until it settled: the most that can overshoot.
    const settled = await settledInRedis(id);
    console.info(
      `[replicas] budget: ${admitted.length} of 200 streams admitted, spend $${spend.toFixed(4)} (log rows), $${settled.toFixed(4)} settled in Redis, overspend $${overspend.toFixed(4)} (one reservation: $${STREAM_COST})`,
      tally(answers),
    );

    expect(answers.filter((a) => a.status !== 200 && a.status !== 429).map((a) => `${a.status} ${a.text}`)).toEqual([]);
    expect(await cluster.degradedDecisions(), 'Redis counted as away during the run: decisions were local').toBe(0);
    for (const a of admitted) expect(a.text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    for (const a of answers.filter((x) => x.status === 429)) expect(errorOf(a)).toMatchObject({ code: 'insufficient_quota', type: 'insufficient_quota' });
    expect(upstream.counts('budget-model').calls).toBe(admitted.length);
    // 50 fit; the reservation equals the price, so at most one more can pass a ≤ versus < comparison at the edge.
    expect(admitted.length).toBeLessThanOrEqual(51);
    expect(admitted.length).toBeGreaterThanOrEqual(45);
    expect(overspend).toBeLessThanOrEqual(STREAM_COST + 1e-9);
    expect(rows).toHaveLength(200);
    for (const r of rows) expect(r.cost_usd).toBeCloseTo(r.status === 200 ? STREAM_COST : 0, 9);
    expect(settled).toBeGreaterThan(0);
    expect(Math.abs(settled - spend)).toBeLessThanOrEqual(spend * 0.01);
  }, 90_000);

  // Limits large enough that each replica admits from blocks (admission-blocks.ts: 1 % of a limit, here 20 requests'
  // worth) instead of asking Redis per request: the limits must hold exactly as on the per-request path.
  it('blocks: 2,600 quick calls against 2,400 RPM and a $2.00 budget at $0.001 a call: at most 2,000 admitted, spend equal to the log rows', async () => {
    const { id, key } = await cluster.createKey({ rpm: 2_400, tpm: 10_000_000, budget_usd: 2, budget_period: 'day' });
    const answers = await paced(2_600, 0, 48, () => cluster.chat(key, ask('block-model', { max_tokens: 50 })));
    const admitted = answers.filter((a) => a.status === 200).length;
    const rows = await cluster.rowsOf(id, answers.length);
    const spend = rows.reduce((sum, r) => sum + (r.cost_usd ?? 0), 0);
    // Blocks end within 200 ms of their last use, and what their requests used beyond the estimate follows 200 ms later.
    await new Promise((r) => setTimeout(r, 600));
    const settled = await settledInRedis(id);
    console.info(`[replicas] blocks: ${admitted} of ${answers.length} admitted (budget fits 2,000), spend $${spend.toFixed(4)} (log rows), $${settled.toFixed(4)} settled in Redis`, tally(answers));

    expect(answers.filter((a) => a.status !== 200 && a.status !== 429).map((a) => `${a.status} ${a.text}`)).toEqual([]);
    expect(await cluster.degradedDecisions(), 'Redis counted as away during the run: decisions were local').toBe(0);
    expect(admitted).toBeLessThanOrEqual(2_000);
    // Unused block capacity is held for at most 200 ms per replica: the budget is not left stranded at the end.
    expect(admitted).toBeGreaterThanOrEqual(1_900);
    expect(upstream.counts('block-model').calls).toBe(admitted);
    for (const a of answers) expect(a.headers.get('x-ratelimit-limit-requests')).toBe('2400');
    for (const a of answers.filter((x) => x.status === 429)) expect(errorOf(a)).toMatchObject({ code: 'insufficient_quota' });
    expect(spend).toBeLessThanOrEqual(2 + 1e-9);
    expect(Math.abs(settled - spend)).toBeLessThanOrEqual(spend * 0.01);
    // The calls were admitted from blocks: a block's leases are named `<id>#<k>` (state/ids.ts), a single one `<id>`;
    // the used ones stay a minute, one per admitted call.
    const leases = await rpmLeases(id);
    expect(leases).toHaveLength(admitted);
    expect(leases.filter((m) => m.includes('#')).length).toBeGreaterThan(admitted / 2);
  }, 90_000);

  it('max parallel 5: never more than 5 upstream calls in flight for the key across the replicas', async () => {
    const { key } = await cluster.createKey({ max_parallel: 5 });
    const wave = (n: number) => Promise.all(Array.from({ length: n }, () => cluster.chat(key, ask('parallel-model'))));
    const first = await wave(60);
    // Leases are released when the calls end: a second wave is admitted again.
    const second = await wave(10);
    const { maxInFlight, calls } = upstream.counts('parallel-model');
    const admitted = [...first, ...second].filter((a) => a.status === 200).length;
    console.info(`[replicas] parallel: max ${maxInFlight} upstream calls in flight (limit 5), ${admitted} of 70 admitted`, tally(first), tally(second));

    expect(await cluster.degradedDecisions(), 'Redis counted as away during the run: decisions were local').toBe(0);
    expect(maxInFlight).toBeLessThanOrEqual(5);
    expect(maxInFlight).toBeGreaterThanOrEqual(2);
    expect(calls).toBe(admitted);
    expect(first.filter((a) => a.status === 200).length).toBeGreaterThanOrEqual(5);
    expect(second.filter((a) => a.status === 200).length).toBeGreaterThanOrEqual(5);
    for (const a of [...first, ...second].filter((x) => x.status !== 200)) {
      expect(a.status).toBe(429);
      expect(errorOf(a)).toMatchObject({ code: 'rate_limit_exceeded', type: 'requests' });
      expect(Number(a.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
  }, 60_000);

  it('a key revoked on one replica is refused by the other two within 1 s', async () => {
    const { id, key } = await cluster.createKey({});
    const models = (replica: number) => fetch(`${cluster.replicas[replica]!.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.status);
    // Each replica has the key cached as valid before it is revoked elsewhere.
    for (let replica = 0; replica < REPLICAS; replica++) expect(await models(replica)).toBe(200);

    const revokedAt = performance.now();
    const revoked = await cluster.admin('POST', `/admin/keys/${id}/revoke`, undefined, 0);
    expect(revoked.status).toBe(200);
    const refusedAfter = await Promise.all(
      [1, 2].map(async (replica) => {
        while (performance.now() - revokedAt < 5_000) {
          if ((await models(replica)) === 401) return performance.now() - revokedAt;
          await new Promise((r) => setTimeout(r, 10));
        }
        return Number.POSITIVE_INFINITY;
      }),
    );
    console.info(`[replicas] revocation: refused by replica 1 after ${refusedAfter[0]!.toFixed(0)} ms, by replica 2 after ${refusedAfter[1]!.toFixed(0)} ms (from sending the revoke)`);
    expect(await models(0)).toBe(401);
    for (const ms of refusedAfter) expect(ms).toBeLessThan(1_000);
  }, 30_000);
});
