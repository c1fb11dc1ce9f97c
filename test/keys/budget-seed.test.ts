// Budgets start from recorded spend: a replica that starts with an empty state refuses a key whose log rows already
// hold its budget; and two replicas seeding one budget on one Redis at once count the recorded spend once.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { BudgetSeeder } from '../../src/keys/budget-seed.js';
import { createEnforcer } from '../../src/keys/enforcement.js';
import { budgetKey, subjectsOf } from '../../src/keys/enforcer.js';
import { NO_LIMITS } from '../../src/keys/limits.js';
import { periodAt } from '../../src/keys/periods.js';
import { spendSince } from '../../src/keys/spend-rollups.js';
import { createLogger } from '../../src/logger.js';
import { createMemoryState } from '../../src/state/memory.js';
import { createRedisState } from '../../src/state/redis.js';
import { completionBody, startFakeOpenAI, type FakeUpstream } from '../fakes/openai-upstream.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { deletePrefix, quietLog, randomPrefix, SHARED_REDIS_URL } from '../state/redis-helpers.js';
import { ADMIN, chat, keyWith } from './enforcement-helpers.js';

const USAGE = { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500 }; // 0.00045 USD on gpt-4o-mini
let fake: FakeUpstream;
let gateway: TestGateway;
const prefix = randomPrefix('seed');

beforeAll(async () => {
  fake = await startFakeOpenAI({ models: ['gpt-4o-mini'] });
  fake.setDefault(() => ({ json: { ...completionBody({ content: 'ok', model: 'gpt-4o-mini' }), usage: USAGE } }));
  gateway = await startGateway({ env: { GATEWAY_ADMIN_KEY: ADMIN, OPENAI_API_KEY: 'sk-upstream-seed', OPENAI_BASE_URL: fake.baseUrl } });
}, 60_000);

afterAll(async () => {
  await gateway?.close();
  await fake?.close();
  await deletePrefix(prefix);
});

it('a replica starting on an empty state begins the budget at the recorded spend', async () => {
  const { key } = await keyWith(gateway, { budget_usd: 0.001, budget_period: 'total' });
  for (let i = 0; i < 2; i++) expect((await chat(gateway, key, { max_tokens: 100 })).status).toBe(200);
  await gateway.flushLogs();

  const log = createLogger('silent');
  const fresh = createMemoryState();
  const services = gateway.services;
  const { enforcer, close } = createEnforcer(services.config, fresh, services.logStore.database.db, services.metrics, log);
  const replica = buildApp({ ...services, state: fresh, enforcer }, log);
  try {
    const call = () =>
      replica.inject({ method: 'POST', url: '/v1/chat/completions', headers: { authorization: `Bearer ${key}` }, payload: { model: 'openai/gpt-4o-mini', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] } });
    // 0.0009 recorded: one more fits (its estimate is 0.00006), then 0.00135 is over. From zero, three would fit.
    expect((await call()).statusCode).toBe(200);
    const refused = await call();
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error.code).toBe('insufficient_quota');
  } finally {
    await replica.close();
    close();
    await fresh.close();
  }
});

it('two replicas seeding one budget on one Redis at the same time count the recorded spend once', async () => {
  const { key, id } = await keyWith(gateway, { budget_usd: 1, budget_period: 'month' });
  expect((await chat(gateway, key)).status).toBe(200);
  await gateway.flushLogs();
  const db = gateway.services.logStore.database.db;
  const recorded = async (_s: unknown, since: Date) => (await spendSince(db, { since, keyIds: [id] })).keys.get(id) ?? 0;
  const options = { url: SHARED_REDIS_URL, prefix, commandTimeoutMs: 1_000, connectTimeoutMs: 2_000, failureMode: 'closed' as const, replicas: 2, log: quietLog() };
  const [one, two] = await Promise.all([createRedisState(options), createRedisState(options)]);
  try {
    const subjects = subjectsOf({ keyId: id, teamId: undefined, keyLimits: { ...NO_LIMITS, budgetUsd: 1, budgetPeriod: 'month' }, teamLimits: NO_LIMITS, expiresAt: null, revoked: false });
    const now = Date.now();
    await Promise.all([new BudgetSeeder(one, recorded).ensureAll(subjects, now), new BudgetSeeder(two, recorded).ensureAll(subjects, now)]);
    const stateKey = budgetKey(subjects[0]!, 'month', periodAt('month', now));
    expect(await one.reserve(stateKey, { amount: 0, limit: 1, ttlMs: 1_000 })).toMatchObject({ used: 0.00045 });
  } finally {
    await Promise.all([one.close(), two.close()]);
  }
});
