// The governance scenario's set-up: the env of a gateway that enforces limits through Redis, the team and virtual key
// made through its admin API (limits high enough never to refuse), and the removal of its Redis keys afterwards.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface Governed {
  env: Record<string, string>;
  adminKey: string;
  staticKey: string;
  prefix: string;
}

/** Fresh names per run, so two benchmarks (or a test suite) sharing the Redis never see each other's counters. */
export function governedEnv(): Governed {
  const tag = randomBytes(6).toString('hex');
  const adminKey = `sk-bench-admin-${tag}`;
  const staticKey = `sk-bench-static-${tag}`;
  const prefix = `llmgw-bench-${tag}:`;
  return { env: { REDIS_URL, REDIS_PREFIX: prefix, GATEWAY_ADMIN_KEY: adminKey, GATEWAY_API_KEYS: staticKey }, adminKey, staticKey, prefix };
}

async function admin(origin: string, adminKey: string, path: string, body: object): Promise<Record<string, unknown>> {
  const res = await fetch(`${origin}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`admin API ${path}: HTTP ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as Record<string, unknown>;
}

// Every limit is checked on every request but none can refuse during a run: ~25k req/s at most on this machine is
// 1.5M a minute, ~50M tokens a minute, and a few dollars at the bench prices. The columns are 32-bit integers
// (a larger TPM passes the admin API's validation but fails the insert with a 500).
const NEVER_REFUSING = { rpm: 100_000_000, tpm: 2_000_000_000, budget_usd: 1_000_000, budget_period: 'month' } as const;

/** Creates a team and a key with RPM, TPM and a budget; returns the key (shown once). */
export async function createVirtualKey(origin: string, adminKey: string): Promise<string> {
  const team = await admin(origin, adminKey, '/admin/teams', { name: 'bench' });
  const key = await admin(origin, adminKey, '/admin/keys', { team_id: team.id, name: 'bench', ...NEVER_REFUSING });
  if (typeof key.key !== 'string' || !key.key.startsWith('sk-gw-')) throw new Error(`admin API answered no key: ${JSON.stringify(key).slice(0, 200)}`);
  return key.key;
}

/** Deletes what the gateway left under the run's prefix (counters carry TTLs, but a benchmark should not litter). */
export async function removeRedisKeys(prefix: string): Promise<number> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 2000, commandTimeout: 5000, maxRetriesPerRequest: 0 });
  try {
    await redis.connect();
    let removed = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) removed += await redis.del(...keys);
    } while (cursor !== '0');
    return removed;
  } finally {
    redis.disconnect();
  }
}
