// /admin/spend and key usage answered from the daily rollups after traffic through a gateway (PGlite, or a database of
// its own on the Postgres server when DATABASE_URL is set): every grouping, open or over whole UTC days, equals the
// sums over the request_logs rows (cost within 1e-9 USD, counts and tokens exactly).
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestLogs } from '../../src/request-log/schema.js';
import { completionBody, startFakeOpenAI, type FakeUpstream } from '../fakes/openai-upstream.js';
import { freshDatabase, type FreshDatabase } from '../helpers/fresh-database.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { expectRollupsMatchRows } from '../helpers/spend-sums.js';

const ADMIN = 'admin-key-for-rollup-tests-0123456789';
const STATIC = 'static-key-for-rollup-tests-0123456789';
let fake: FakeUpstream;
let fresh: FreshDatabase;
let gateway: TestGateway;

beforeAll(async () => {
  fake = await startFakeOpenAI({ models: ['gpt-4o-mini', 'gpt-4o'] });
  // Token counts vary per call, so a sum that dropped or doubled a row cannot match by accident.
  let call = 0;
  fake.setDefault((req) => {
    call++;
    const usage = { prompt_tokens: 1000 + call, completion_tokens: 500 + 7 * call, total_tokens: 1500 + 8 * call, prompt_tokens_details: { cached_tokens: call }, completion_tokens_details: { reasoning_tokens: 2 * call } };
    return { json: { ...completionBody({ content: 'ok', model: (req.body as { model: string }).model }), usage } };
  });
  fresh = await freshDatabase();
  gateway = await startGateway({
    env: { GATEWAY_ADMIN_KEY: ADMIN, GATEWAY_API_KEYS: STATIC, OPENAI_API_KEY: 'sk-upstream-rollup-test', OPENAI_BASE_URL: fake.baseUrl, DATABASE_URL: fresh.url },
  });
}, 60_000);

afterAll(async () => {
  await gateway?.close();
  await fake?.close();
  await fresh?.drop();
});

async function admin(method: string, path: string, body?: unknown) {
  const res = await fetch(`${gateway.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(res.status, `${method} ${path}`).toBeLessThan(300);
  return (await res.json()) as Record<string, any>;
}

interface Totals {
  cost_usd: number;
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
}
type Row = typeof requestLogs.$inferSelect;
const GROUP_OF: Record<'key' | 'team' | 'model' | 'provider' | 'day', (r: Row) => string | null> = {
  key: (r) => r.keyId,
  team: (r) => r.teamId,
  model: (r) => r.model,
  provider: (r) => r.provider,
  day: (r) => r.createdAt.toISOString().slice(0, 10),
};

function sumRows(rows: Row[], group: (r: Row) => string | null): Map<string | null, Totals> {
  const sums = new Map<string | null, Totals>();
  for (const r of rows) {
    const t = sums.get(group(r)) ?? { cost_usd: 0, requests: 0, prompt_tokens: 0, completion_tokens: 0 };
    t.cost_usd += r.costUsd ?? 0;
    t.requests++;
    t.prompt_tokens += r.promptTokens ?? 0;
    t.completion_tokens += r.completionTokens ?? 0;
    sums.set(group(r), t);
  }
  return sums;
}

function expectTotals(got: Totals | undefined, want: Totals, label: string): void {
  expect(got, label).toBeDefined();
  const { cost_usd, ...counts } = got!;
  const { cost_usd: wantCost, ...wantCounts } = want;
  expect(counts, label).toEqual(wantCounts);
  expect(Math.abs(cost_usd - wantCost), `${label}: ${cost_usd} vs ${wantCost}`).toBeLessThan(1e-9);
}

describe('spend from the rollups', () => {
  it('every grouping, open and over whole UTC days, equals the sums over the log rows; key usage too', async () => {
    const teams = [await admin('POST', '/admin/teams', { name: 'a' }), await admin('POST', '/admin/teams', { name: 'b' })];
    const keys = [
      await admin('POST', '/admin/keys', { team_id: teams[0]!.id, name: 'a1' }),
      await admin('POST', '/admin/keys', { team_id: teams[0]!.id, name: 'a2' }),
      await admin('POST', '/admin/keys', { team_id: teams[1]!.id, name: 'b1' }),
    ];
    const calls: Array<[string, string]> = [
      [keys[0]!.key, 'openai/gpt-4o-mini'],
      [keys[0]!.key, 'openai/gpt-4o'],
      [keys[1]!.key, 'openai/gpt-4o'],
      [keys[2]!.key, 'openai/gpt-4o-mini'],
      [keys[2]!.key, 'openai/gpt-4o-mini'],
      [STATIC, 'openai/gpt-4o'],
    ];
    await Promise.all(calls.map(([key, model]) => new OpenAI({ apiKey: key, baseURL: gateway.baseURL, maxRetries: 0 }).chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] })));
    // A request no provider serves: a row without provider, model or cost.
    await expect(new OpenAI({ apiKey: keys[1]!.key, baseURL: gateway.baseURL, maxRetries: 0 }).chat.completions.create({ model: 'nobody/none', messages: [{ role: 'user', content: 'hi' }] })).rejects.toThrow();
    await gateway.flushLogs();

    const db = gateway.services.logStore.database.db;
    const rows = await db.select().from(requestLogs);
    expect(rows.length).toBe(calls.length + 1);
    expect(rows.some((r) => r.provider === null)).toBe(true);
    expect(rows.filter((r) => (r.costUsd ?? 0) > 0).length).toBe(calls.length);
    await expectRollupsMatchRows(db);

    // The UTC days the rows fall on (two if the test ran across midnight), as a window of whole days.
    const first = new Date(`${rows.map((r) => r.createdAt.toISOString().slice(0, 10)).sort()[0]}T00:00:00.000Z`);
    const after = new Date(`${rows.map((r) => r.createdAt.toISOString().slice(0, 10)).sort().at(-1)}T00:00:00.000Z`).getTime() + 86_400_000;
    const wholeDays = `from=${encodeURIComponent(first.toISOString())}&to=${encodeURIComponent(new Date(after).toISOString())}`;
    for (const [group, of] of Object.entries(GROUP_OF)) {
      const want = sumRows(rows, of);
      for (const window of ['', `&${wholeDays}`]) {
        const body = await admin('GET', `/admin/spend?group_by=${group}${window}`);
        const got = new Map<string | null, Totals>(body.data.map(({ group: name, ...t }: Totals & { group: string | null }) => [name, t]));
        expect([...got.keys()].sort(), `${group}${window}`).toEqual([...want.keys()].sort());
        for (const [name, totals] of want) expectTotals(got.get(name), totals, `${group}${window} ${name}`);
      }
    }
    const later = await admin('GET', `/admin/spend?group_by=key&from=${encodeURIComponent(new Date(after).toISOString())}`);
    expect(later.data).toEqual([]);

    for (const key of keys) {
      const want = sumRows(rows.filter((r) => r.keyId === key.id), () => key.id).get(key.id)!;
      const { object, key_id, ...usage } = await admin('GET', `/admin/keys/${key.id}/usage`);
      expect({ object, key_id }).toEqual({ object: 'key_usage', key_id: key.id });
      expectTotals(usage as Totals, want, `usage ${key.id}`);
    }

    // Which path answered: rows deleted afterwards (a forgotten session) leave the rollups' spend as it was, while a
    // window that is not whole days still sums the rows that are left.
    await db.delete(requestLogs);
    const open = await admin('GET', '/admin/spend?group_by=team');
    expect(open.data.reduce((n: number, d: Totals) => n + d.requests, 0)).toBe(rows.length);
    const sinceAnHourAgo = await admin('GET', `/admin/spend?group_by=team&from=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}`);
    expect(sinceAnHourAgo.data).toEqual([]);
  });
});
