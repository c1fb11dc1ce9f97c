// Two gateways sharing Redis (the shared server, a random prefix): a key revoked through one is refused by the
// other within a second, although the other had the key cached as valid (its TTL alone would keep it for 10 s).
import OpenAI from 'openai';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { virtualKeys, teams } from '../../src/keys/schema.js';
import { createRedisState } from '../../src/state/redis.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { deletePrefix, quietLog, randomPrefix, SHARED_REDIS_URL } from '../state/redis-helpers.js';

const ADMIN = 'admin-key-redis-revocation-0123456789';
const prefix = randomPrefix('keys');
let one: TestGateway;
let two: TestGateway;

const redisState = () =>
  createRedisState({ url: SHARED_REDIS_URL, prefix, commandTimeoutMs: 1_000, connectTimeoutMs: 3_000, failureMode: 'open', replicas: 2, log: quietLog() });

beforeAll(async () => {
  const env = { GATEWAY_ADMIN_KEY: ADMIN, MOCK_MODE: 'true' };
  one = await startGateway({ env, state: await redisState() });
  two = await startGateway({ env, state: await redisState() });
}, 90_000);

afterAll(async () => {
  await one?.close();
  await two?.close();
  await deletePrefix(prefix);
});

/** PGlite gives each gateway its own database; Postgres (DATABASE_URL) is already shared. Copy the rows across. */
async function shareKeyRows(): Promise<void> {
  if (process.env.DATABASE_URL) return;
  const from = one.services.logStore.database.db;
  const to = two.services.logStore.database.db;
  for (const row of await from.select().from(teams)) await to.insert(teams).values(row).onConflictDoUpdate({ target: teams.id, set: row });
  for (const row of await from.select().from(virtualKeys)) await to.insert(virtualKeys).values(row).onConflictDoUpdate({ target: virtualKeys.id, set: row });
}

async function adminPost(path: string, body?: unknown) {
  const res = await fetch(`${one.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  });
  return (await res.json()) as Record<string, any>;
}

it('a revocation on one gateway is honoured by the other within 1 s', async () => {
  const team = await adminPost('/admin/teams', { name: 'shared' });
  const created = await adminPost('/admin/keys', { team_id: team.id });
  await shareKeyRows();
  const onTwo = new OpenAI({ apiKey: created.key, baseURL: two.baseURL, maxRetries: 0 });
  // Cached as valid on the second gateway.
  await expect(onTwo.models.list()).resolves.toBeTruthy();

  await adminPost(`/admin/keys/${created.id}/revoke`);
  const revokedAt = Date.now();
  await shareKeyRows();
  let refusedAfter: number | undefined;
  while (Date.now() - revokedAt < 5_000) {
    const answer = await onTwo.models.list().then(() => 'ok', (e: unknown) => e);
    if (answer instanceof OpenAI.AuthenticationError) {
      refusedAfter = Date.now() - revokedAt;
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(refusedAfter).toBeDefined();
  expect(refusedAfter!).toBeLessThan(1_000);
}, 60_000);
