// The admin API end to end (PGlite, or the Postgres server when DATABASE_URL is set): admin auth, validation,
// the key lifecycle through the openai client (create → call → revoke → 401), model allow-lists, expiry,
// cursor pages, cost on JSON answers and log rows, and spend grouped by each dimension against the rows' sums.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completionBody, startFakeOpenAI, type FakeUpstream } from '../fakes/openai-upstream.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { privateDatabase, type PrivateDatabase } from '../helpers/private-database.js';

const ADMIN = 'admin-key-for-tests-0123456789';
const STATIC = 'static-key-for-tests-0123456789';
let fake: FakeUpstream;
let gateway: TestGateway;
let database: PrivateDatabase | undefined;

beforeAll(async () => {
  fake = await startFakeOpenAI({ models: ['gpt-4o-mini', 'gpt-4o'] });
  // 1000 prompt + 500 completion tokens on every answer: gpt-4o-mini costs 0.00045 USD, gpt-4o 0.0075 USD.
  fake.setDefault((req) => ({
    json: { ...completionBody({ content: 'ok', model: (req.body as { model: string }).model }), usage: { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500 } },
  }));
  // Spend is compared with every log row of a time window: on Postgres the suite's other files write to the shared
  // database at the same time (once, one more openai row, 6e-6 USD, was in the window at the second read than at the first), so this file has its own.
  if (process.env.DATABASE_URL) database = await privateDatabase(process.env.DATABASE_URL, 'admin_api');
  gateway = await startGateway({
    env: { GATEWAY_ADMIN_KEY: ADMIN, GATEWAY_API_KEYS: STATIC, OPENAI_API_KEY: 'sk-upstream-admin-test', OPENAI_BASE_URL: fake.baseUrl, DATABASE_URL: database?.url },
  });
}, 60_000);

afterAll(async () => {
  await gateway?.close();
  await fake?.close();
  await database?.drop();
});

async function admin(method: string, path: string, body?: unknown, key = ADMIN) {
  const res = await fetch(`${gateway.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

async function newTeam(extra: Record<string, unknown> = {}) {
  const { status, body } = await admin('POST', '/admin/teams', { name: 'platform', ...extra });
  expect(status).toBe(201);
  return body;
}

async function newKey(teamId: string, extra: Record<string, unknown> = {}) {
  const { status, body } = await admin('POST', '/admin/keys', { team_id: teamId, name: 'ci', ...extra });
  expect(status).toBe(201);
  return body as { id: string; key: string; key_prefix: string };
}

const clientFor = (key: string) => new OpenAI({ apiKey: key, baseURL: gateway.baseURL, maxRetries: 0 });

describe('admin auth', () => {
  it('refuses no key and a wrong key with 401, a gateway key (static or virtual) with 403', async () => {
    const none = await fetch(`${gateway.url}/admin/teams`);
    expect(none.status).toBe(401);
    expect(((await none.json()) as any).error.code).toBe('invalid_api_key');
    expect((await admin('GET', '/admin/teams', undefined, 'wrong')).status).toBe(401);
    const forbidden = await admin('GET', '/admin/teams', undefined, STATIC);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error).toMatchObject({ type: 'permission_error', code: 'admin_key_required' });
    const team = await newTeam();
    const { key } = await newKey(team.id);
    expect((await admin('GET', '/admin/keys', undefined, key)).status).toBe(403);
  });

  it('does not exist without an admin key', async () => {
    const open = await startGateway({ env: { GATEWAY_API_KEYS: STATIC } });
    try {
      const res = await fetch(`${open.url}/admin/teams`, { headers: { authorization: `Bearer ${STATIC}` } });
      expect(res.status).toBe(404);
    } finally {
      await open.close();
    }
  }, 60_000);

  it('documents the admin routes in /openapi.json', async () => {
    const doc = (await (await fetch(`${gateway.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/admin/keys', '/admin/keys/{id}', '/admin/keys/{id}/revoke', '/admin/teams', '/admin/spend']));
  });
});

describe('validation', () => {
  it('answers bad bodies and queries with a 400 naming the field, never a 500', async () => {
    const team = await newTeam();
    const cases: Array<[string, string, unknown, string]> = [
      ['POST', '/admin/teams', {}, 'name'],
      ['POST', '/admin/teams', { name: 'x', rpm: -1 }, 'rpm'],
      ['POST', '/admin/teams', { name: 'x', tpm: 2e9 * 2 }, 'tpm'],
      ['POST', '/admin/teams', { name: 'x', budget_period: 'fortnight' }, 'budget_period'],
      ['POST', '/admin/teams', { name: 'x', unknown_field: 1 }, ''],
      ['POST', '/admin/keys', { team_id: team.id, expires_at: 'tomorrow' }, 'expires_at'],
      ['POST', '/admin/keys', { team_id: team.id, allowed_models: ['a*b'] }, 'allowed_models'],
      ['GET', '/admin/keys?limit=0', undefined, 'limit'],
      ['GET', '/admin/spend?group_by=colour', undefined, 'group_by'],
    ];
    for (const [method, path, body, param] of cases) {
      const { status, body: answer } = await admin(method, path, body);
      expect(status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
      expect(answer.error.type).toBe('invalid_request_error');
      if (param) expect(answer.error.param ?? '').toContain(param);
    }
  });

  it('answers an unknown team or key with 404', async () => {
    expect((await admin('POST', '/admin/keys', { team_id: 'team_missing' })).body.error).toMatchObject({ code: 'team_not_found', param: 'team_id' });
    expect((await admin('GET', '/admin/keys/vk_missing')).status).toBe(404);
    expect((await admin('POST', '/admin/keys/vk_missing/revoke')).status).toBe(404);
    expect((await admin('PATCH', '/admin/teams/team_missing', { name: 'y' })).status).toBe(404);
  });
});

describe('key lifecycle', () => {
  it('creates a key shown once, calls with it through the openai client, revokes it, then 401', async () => {
    const team = await newTeam({ rpm: 100, budget_usd: 10, budget_period: 'month' });
    const created = await newKey(team.id, { allowed_models: ['openai/*'], metadata: { owner: 'ci' } });
    expect(created.key).toMatch(/^sk-gw-[A-Za-z0-9_-]{32,}$/);
    expect(created.key.startsWith(created.key_prefix)).toBe(true);
    const shown = await admin('GET', `/admin/keys/${created.id}`);
    expect(shown.body).toMatchObject({ id: created.id, team_id: team.id, allowed_models: ['openai/*'], metadata: { owner: 'ci' }, revoked_at: null });
    expect(JSON.stringify(shown.body)).not.toContain(created.key);

    const client = clientFor(created.key);
    const { data, response } = await client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(data.choices[0]?.message.content).toBe('ok');
    expect(response.headers.get('x-gateway-cost-usd')).toBe('0.00045');
    await gateway.flushLogs();
    const { request } = await gateway.services.logStore.byId(response.headers.get('x-request-id')!);
    expect(request).toMatchObject({ keyId: created.id, teamId: team.id, costUsd: 0.00045 });

    const revoked = await admin('POST', `/admin/keys/${created.id}/revoke`);
    expect(revoked.body.revoked_at).toEqual(expect.any(String));
    const refused = await client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(JSON.stringify(gateway.logLines)).not.toContain(created.key);
  });

  it('refuses a model outside the key or team allow-list with 403 model_not_allowed before any upstream call', async () => {
    const team = await newTeam({ allowed_models: ['openai/gpt-4o-mini', 'openai/gpt-4o'] });
    const { id, key } = await newKey(team.id, { allowed_models: ['openai/gpt-4o-mini'] });
    const client = clientFor(key);
    const before = fake.requests.length;
    const err = (await client.chat.completions.create({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(err.code).toBe('model_not_allowed');
    expect(fake.requests.length).toBe(before);
    // Widening the key's list is honoured at once (the change invalidates the cached key); the team's still binds.
    await admin('PATCH', `/admin/keys/${id}`, { allowed_models: ['openai/*'] });
    await expect(client.chat.completions.create({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'hi' }] })).resolves.toBeTruthy();
    await admin('PATCH', `/admin/teams/${team.id}`, { allowed_models: ['openai/gpt-4o-mini'] });
    await expect(client.chat.completions.create({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'hi' }] })).rejects.toBeInstanceOf(OpenAI.PermissionDeniedError);
  });

  it('refuses an expired key with 401 and keeps static keys working', async () => {
    const team = await newTeam();
    const { id, key } = await newKey(team.id, { expires_at: new Date(Date.now() + 60_000).toISOString() });
    await expect(clientFor(key).models.list()).resolves.toBeTruthy();
    await admin('PATCH', `/admin/keys/${id}`, { expires_at: new Date(Date.now() - 1000).toISOString() });
    await expect(clientFor(key).models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    await expect(clientFor('sk-gw-not-a-real-key-000000000000000000000').models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    await expect(clientFor(STATIC).chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })).resolves.toBeTruthy();
  });
});

describe('pagination', () => {
  it('pages every key of a team by cursor, each once, in creation order', async () => {
    const team = await newTeam();
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await newKey(team.id)).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await admin('GET', `/admin/keys?team_id=${team.id}&limit=2${cursor ? `&after=${cursor}` : ''}`);
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.data.map((k: { id: string }) => k.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(made);
    const teams = await admin('GET', '/admin/teams?limit=1');
    expect(teams.body.data).toHaveLength(1);
    expect(teams.body.next_cursor).toEqual(expect.any(String));
  });
});

describe('spend', () => {
  it('groups by key, team, model, provider and day exactly as the log rows sum', async () => {
    const from = new Date(Date.now() - 1000).toISOString();
    const teamA = await newTeam({ name: 'a' });
    const teamB = await newTeam({ name: 'b' });
    const k1 = await newKey(teamA.id);
    const k2 = await newKey(teamB.id);
    await clientFor(k1.key).chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'one' }] });
    await clientFor(k1.key).chat.completions.create({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'two' }] });
    await clientFor(k2.key).chat.completions.create({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'three' }] });
    await gateway.flushLogs();
    const to = new Date(Date.now() + 1000).toISOString();
    const window = `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
    const db = gateway.services.logStore.database.db;
    const { requestLogs } = await import('../../src/request-log/schema.js');
    const { and, gte, lt } = await import('drizzle-orm');
    const rows = await db.select().from(requestLogs).where(and(gte(requestLogs.createdAt, new Date(from)), lt(requestLogs.createdAt, new Date(to))));
    const columns = { key: 'keyId', team: 'teamId', model: 'model', provider: 'provider' } as const;
    for (const group of ['key', 'team', 'model', 'provider', 'day'] as const) {
      const expected = new Map<string | null, number>();
      for (const row of rows) {
        const name = group === 'day' ? row.createdAt.toISOString().slice(0, 10) : row[columns[group]];
        expected.set(name, (expected.get(name) ?? 0) + (row.costUsd ?? 0));
      }
      const { body } = await admin('GET', `/admin/spend?group_by=${group}&${window}`);
      const got = new Map(body.data.map((d: { group: string | null; cost_usd: number }) => [d.group, d.cost_usd]));
      expect(got.size, group).toBe(expected.size);
      for (const [name, cost] of expected) expect(got.get(name), `${group} ${name}`).toBeCloseTo(cost, 10);
    }
    const byTeam = await admin('GET', `/admin/spend?group_by=team&${window}`);
    expect(byTeam.body.data.find((d: { group: string }) => d.group === teamA.id)).toMatchObject({ requests: 2, prompt_tokens: 2000, completion_tokens: 1000 });
    expect(byTeam.body.data.find((d: { group: string }) => d.group === teamA.id).cost_usd).toBeCloseTo(0.00045 + 0.0075, 10);
    const usage = await admin('GET', `/admin/keys/${k2.id}/usage`);
    expect(usage.body).toMatchObject({ object: 'key_usage', key_id: k2.id, requests: 1 });
    expect(usage.body.cost_usd).toBeCloseTo(0.0075, 10);
  });
});
