// The console's data endpoints against rows real requests made (PGlite, or the Postgres server when DATABASE_URL is
// set): a primary that answers slowly, fails once (the fallback answers) and fails twice on another model (its
// breaker trips), and the mock provider under a second team's key. Every figure is computed from what was sent.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completionBody, openAIErrorBody, startFakeOpenAI, type FakeUpstream } from '../../fakes/openai-upstream.js';
import { requestLogs } from '../../../src/request-log/schema.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { privateDatabase, type PrivateDatabase } from '../../helpers/private-database.js';
import { writeGatewayConfig } from '../../routing/helpers.js';

const ADMIN = 'admin-key-for-console-tests-0123456789';
const PRIMARY_DELAY_MS = 300;
let primary: FakeUpstream;
let fallback: FakeUpstream;
let gateway: TestGateway;
let database: PrivateDatabase | undefined;

interface Sent {
  /** The row's id (the log's own, looked up by the x-request-id the answer carried). */
  id: string;
  xRequestId: string;
  model: string;
  key: 'k1' | 'k2';
  status: number;
  promptTokens: number;
  completionTokens: number;
  cost: number;
}
const sent: Sent[] = [];
const keys: Record<'k1' | 'k2', { id: string; key: string; team: string }> = {} as never;
let beforeMock = '';

async function admin(path: string, key = ADMIN) {
  const res = await fetch(`${gateway.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

async function post(path: string, body: unknown) {
  const res = await fetch(`${gateway.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(201);
  return (await res.json()) as Record<string, any>;
}

async function ask(who: 'k1' | 'k2', model: string, question: string, session?: string) {
  const client = new OpenAI({ apiKey: keys[who].key, baseURL: gateway.baseURL, maxRetries: 0 });
  const headers = session ? { 'x-session-id': session } : {};
  try {
    const { data, response } = await client.chat.completions.create({ model, messages: [{ role: 'user', content: question }] }, { headers }).withResponse();
    sent.push({
      id: '',
      xRequestId: response.headers.get('x-request-id')!,
      model,
      key: who,
      status: 200,
      promptTokens: data.usage!.prompt_tokens,
      completionTokens: data.usage!.completion_tokens,
      cost: Number(response.headers.get('x-gateway-cost-usd') ?? 0),
    });
  } catch (err) {
    const failure = err as InstanceType<typeof OpenAI.APIError>;
    sent.push({ id: '', xRequestId: failure.headers?.get('x-request-id') ?? '', model, key: who, status: failure.status ?? 0, promptTokens: 0, completionTokens: 0, cost: 0 });
  }
}

/** Flushes the log and learns each sent request's row id. */
async function flushed(): Promise<void> {
  await gateway.flushLogs();
  const rows = await gateway.services.logStore.database.db.select({ id: requestLogs.id, x: requestLogs.xRequestId }).from(requestLogs);
  const byX = new Map(rows.map((row) => [row.x, row.id]));
  for (const s of sent) s.id = byX.get(s.xRequestId) ?? '';
}

beforeAll(async () => {
  [primary, fallback] = await Promise.all([startFakeOpenAI({ models: ['p-model', 's-model'] }), startFakeOpenAI({ models: ['f-model'] })]);
  primary.setDefault((req) => ({ delayMs: PRIMARY_DELAY_MS, json: { ...completionBody({ content: 'primary', model: (req.body as { model: string }).model }), usage: { prompt_tokens: 100, completion_tokens: 50, total_tokens: 150 } } }));
  fallback.setDefault({ json: { ...completionBody({ content: 'fallback', model: 'f-model' }), usage: { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500 } } });
  const config = writeGatewayConfig({
    providers: [
      { id: 'primary', type: 'openai-compatible', base_url: primary.baseUrl, models: ['p-model', 's-model'] },
      { id: 'fallback', type: 'openai-compatible', base_url: fallback.baseUrl, models: ['f-model'] },
      { id: 'mock', type: 'mock' },
    ],
    models: [
      { name: 'main', targets: ['primary/p-model', 'fallback/f-model'] },
      { name: 'solo', targets: ['primary/s-model'] },
    ],
    routing: { retries: 0, timeout_ms: 5000, first_token_timeout_ms: 4000, idle_timeout_ms: 4000 },
    breaker: { failure_threshold: 2, min_requests: 1000, cooldown_ms: 600_000 },
    prices: { 'primary/*': { input: 2, output: 4 }, 'fallback/f-model': { input: 1, output: 2 } },
  });
  // The figures below count every row of the window: on Postgres this file gets a database of its own.
  if (process.env.DATABASE_URL) database = await privateDatabase(process.env.DATABASE_URL, 'console_data');
  gateway = await startGateway({ env: { GATEWAY_CONFIG: config, GATEWAY_ADMIN_KEY: ADMIN, DATABASE_URL: database?.url } });
  const team1 = await post('/admin/teams', { name: 'search', budget_usd: 10, budget_period: 'month' });
  const team2 = await post('/admin/teams', { name: 'labs' });
  const k1 = await post('/admin/keys', { team_id: team1.id, name: 'k1', budget_usd: 5, budget_period: 'day' });
  const k2 = await post('/admin/keys', { team_id: team2.id, name: 'k2' });
  keys.k1 = { id: k1.id, key: k1.key, team: team1.id };
  keys.k2 = { id: k2.id, key: k2.key, team: team2.id };

  for (let i = 0; i < 6; i++) await ask('k1', 'main', `alpha question ${i}`, 'sess-A');
  primary.enqueue({ status: 500, json: openAIErrorBody('primary broke', 'server_error') });
  await ask('k1', 'main', 'Where is the NEEDLE in the haystack?');
  primary.enqueue({ status: 500, json: openAIErrorBody('down 1', 'server_error') });
  primary.enqueue({ status: 500, json: openAIErrorBody('down 2', 'server_error') });
  await ask('k1', 'solo', 'solo one');
  await ask('k1', 'solo', 'solo two');
  await flushed();
  beforeMock = new Date().toISOString();
  for (let i = 0; i < 4; i++) await ask('k2', 'mock/echo', `mock question ${i} 100%`);
  await flushed();
}, 90_000);

afterAll(async () => {
  await gateway?.close();
  await primary?.close();
  await fallback?.close();
  await database?.drop();
});

const sum = (rows: Sent[], pick: (s: Sent) => number) => rows.reduce((total, s) => total + pick(s), 0);

describe(`console data (${process.env.DATABASE_URL ? 'PostgreSQL server' : 'PGlite'})`, () => {
  it('sent what the figures below are computed from', () => {
    expect(sent.map((s) => s.status >= 500)).toEqual([false, false, false, false, false, false, false, true, true, false, false, false, false]);
    expect(sent.every((s) => s.id.length > 0)).toBe(true);
  });

  it('overview: totals, series and per-model figures over the last hour', async () => {
    const { status, body } = await admin('/admin/overview?window=hour');
    expect(status).toBe(200);
    expect(body).toMatchObject({ object: 'overview', window: 'hour', bucket_seconds: 60 });
    expect(body.series).toHaveLength(60);
    const t = body.totals;
    expect(t).toMatchObject({ requests: sent.length, errors: 2, fallbacks: 1, retries: 1, rate_limited: 0, budget_refused: 0, breaker_trips: 1 });
    expect(t.error_rate).toBeCloseTo(2 / sent.length, 6);
    expect(t.prompt_tokens).toBe(sum(sent, (s) => s.promptTokens));
    expect(t.completion_tokens).toBe(sum(sent, (s) => s.completionTokens));
    expect(t.cost_usd).toBeCloseTo(sum(sent, (s) => s.cost), 9);
    expect(t.cost_usd).toBeCloseTo(6 * (100 * 2 + 50 * 4) / 1e6 + (1000 * 1 + 500 * 2) / 1e6, 9);
    // Six of thirteen rows took the primary's 300 ms; the p99 is one of them, the p50 a fast one.
    expect(t.p99_ms).toBeGreaterThanOrEqual(PRIMARY_DELAY_MS);
    expect(body.series.reduce((n: number, p: { requests: number }) => n + p.requests, 0)).toBe(sent.length);
    expect(body.series.reduce((n: number, p: { errors: number }) => n + p.errors, 0)).toBe(2);
    const p = body.by_model.find((m: { provider: string; model: string }) => m.provider === 'primary' && m.model === 'p-model');
    expect(p).toMatchObject({ requests: 6, errors: 0, tokens: 6 * 150 });
    expect(p.p50_ms).toBeGreaterThanOrEqual(PRIMARY_DELAY_MS);
    expect(p.p50_ms).toBeLessThan(PRIMARY_DELAY_MS + 1500);
    const mock = body.by_model.find((m: { provider: string }) => m.provider === 'mock');
    expect(mock).toMatchObject({ model: 'echo', requests: 4 });
    expect(mock.p50_ms).toBeLessThan(PRIMARY_DELAY_MS);
    expect((await admin('/admin/overview?window=month')).status).toBe(400);
    expect((await admin('/admin/overview?window=week')).body.totals.requests).toBe(sent.length);
  });

  it('requests: pages cover every row once, newest first', async () => {
    const seen: Array<{ id: string; created_at: string }> = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const { status, body }: { status: number; body: Record<string, any> } = await admin(`/admin/requests?limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      expect(status).toBe(200);
      seen.push(...body.data);
      cursor = body.next_cursor;
      expect(body.has_more).toBe(cursor !== null);
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(Math.ceil(sent.length / 4));
    expect(seen.map((r) => r.id).sort()).toEqual(sent.map((s) => s.id).sort());
    expect(seen.map((r) => r.id)).toEqual([...sent].reverse().map((s) => s.id));
    expect((await admin('/admin/requests?cursor=bm9wZQ')).body.error).toMatchObject({ code: 'invalid_cursor', param: 'cursor' });
  });

  it('requests: each filter narrows the list to the rows it names', async () => {
    const ids = async (query: string) => {
      const { status, body } = await admin(`/admin/requests?limit=200&${query}`);
      expect(status, query).toBe(200);
      return (body.data as Array<{ id: string }>).map((r) => r.id).sort();
    };
    const idsOf = (rows: Sent[]) => rows.map((s) => s.id).sort();
    expect(await ids(`key_id=${keys.k2.id}`)).toEqual(idsOf(sent.filter((s) => s.key === 'k2')));
    expect(await ids(`team_id=${keys.k1.team}`)).toEqual(idsOf(sent.filter((s) => s.key === 'k1')));
    expect(await ids('provider=mock')).toEqual(idsOf(sent.filter((s) => s.model === 'mock/echo')));
    expect(await ids('model=f-model')).toEqual([sent[6]!.id]);
    expect(await ids('status=5xx')).toEqual(idsOf(sent.filter((s) => s.status >= 500)));
    expect(await ids('status=error')).toEqual(idsOf(sent.filter((s) => s.status >= 400)));
    expect(await ids('status=200')).toEqual(idsOf(sent.filter((s) => s.status === 200)));
    expect(await ids('status=2xx')).toEqual(idsOf(sent.filter((s) => s.status === 200)));
    expect(await ids('endpoint=/v1/chat/completions')).toHaveLength(sent.length);
    expect(await ids('endpoint=/v1/embeddings')).toEqual([]);
    expect(await ids('session_id=sess-A')).toEqual(idsOf(sent.slice(0, 6)));
    expect(await ids('q=needle')).toEqual([sent[6]!.id]);
    expect(await ids('q=100%25')).toEqual(idsOf(sent.slice(9)));
    expect(await ids('q=_')).toEqual([]);
    expect(await ids(`from=${encodeURIComponent(beforeMock)}`)).toEqual(idsOf(sent.slice(9)));
    expect(await ids(`to=${encodeURIComponent(beforeMock)}`)).toEqual(idsOf(sent.slice(0, 9)));
    expect(await ids(`key_id=${keys.k1.id}&status=2xx&session_id=sess-A`)).toEqual(idsOf(sent.slice(0, 6)));
    const bad = await admin('/admin/requests?status=2yy');
    expect(bad.status).toBe(400);
    expect(bad.body.error.type).toBe('invalid_request_error');
  });

  it('requests: a row shows its summary fields, and newer_than returns only later rows', async () => {
    const { body } = await admin('/admin/requests?limit=1');
    const newest = body.data[0];
    expect(newest).toMatchObject({ id: sent.at(-1)!.id, endpoint: '/v1/chat/completions', key_id: keys.k2.id, team_id: keys.k2.team, provider: 'mock', model: 'echo', status: 200, stream: false, attempts: 1, question: 'mock question 3 100%' });
    expect((await admin(`/admin/requests?newer_than=${newest.id}`)).body.data).toEqual([]);
    await ask('k2', 'mock/echo', 'live tail');
    await flushed();
    const tail = await admin(`/admin/requests?newer_than=${newest.id}`);
    expect(tail.body.data.map((r: { id: string }) => r.id)).toEqual([sent.at(-1)!.id]);
    expect(tail.body.data[0].question).toBe('live tail');
    expect((await admin('/admin/requests?newer_than=nope')).status).toBe(404);
  });

  it('requests: the live tail anchors on head_cursor (no row needed), and says when more than a page arrived', async () => {
    const { body } = await admin('/admin/requests?limit=1');
    expect(body.head_cursor).toEqual(expect.any(String));
    const anchor = encodeURIComponent(body.head_cursor);
    expect((await admin(`/admin/requests?newer_than_cursor=${anchor}`)).body).toMatchObject({ data: [], has_more: false, head_cursor: null });
    await ask('k2', 'mock/echo', 'tail one');
    await ask('k2', 'mock/echo', 'tail two');
    await ask('k2', 'mock/echo', 'tail three');
    await flushed();
    const burst = await admin(`/admin/requests?newer_than_cursor=${anchor}&limit=2`);
    expect(burst.body.data.map((r: { question: string }) => r.question)).toEqual(['tail three', 'tail two']);
    expect(burst.body.has_more).toBe(true);
    const rest = await admin(`/admin/requests?newer_than_cursor=${anchor}&cursor=${encodeURIComponent(burst.body.next_cursor)}`);
    expect(rest.body.data.map((r: { question: string }) => r.question)).toEqual(['tail one']);
    const bad = await admin('/admin/requests?newer_than_cursor=bm9wZQ');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ param: 'newer_than_cursor', code: 'invalid_cursor' });
  });

  it('detail: bodies, usage and the attempts timeline in order; 404 when unknown', async () => {
    const { status, body } = await admin(`/admin/requests/${sent[6]!.id}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ provider: 'fallback', model: 'f-model', attempts: 2, content: 'fallback', finish_reason: 'stop', prompt_tokens: 1000, completion_tokens: 500 });
    expect(JSON.stringify(body.request_body)).toContain('NEEDLE');
    expect(body.timeline.map((a: { attempt: number; provider: string; status: number }) => [a.attempt, a.provider, a.status])).toEqual([
      [1, 'primary', 500],
      [2, 'fallback', 200],
    ]);
    expect(body.timeline[0].error).toContain('primary broke');
    expect(Date.parse(body.timeline[0].started_at)).toBeLessThanOrEqual(Date.parse(body.timeline[1].started_at));
    const missing = await admin('/admin/requests/no-such-row');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
  });

  it('providers: circuits per model, the last probes, host only', async () => {
    for (let i = 0; i < 3; i++) await gateway.services.prober.runOnce();
    const { status, body } = await admin('/admin/providers');
    expect(status).toBe(200);
    const byId = Object.fromEntries(body.data.map((p: { id: string }) => [p.id, p]));
    expect(byId.primary).toMatchObject({ kind: 'openai-compatible', base_url_host: new URL(primary.baseUrl).host, healthy: false });
    expect(byId.primary.models).toEqual(expect.arrayContaining([expect.objectContaining({ model: 's-model', circuit: 'open' }), expect.objectContaining({ model: 'p-model', circuit: 'closed' })]));
    expect(byId.primary.models.find((m: { model: string }) => m.model === 's-model').last_error).toContain('down 2');
    expect(byId.primary.probes).toHaveLength(3);
    expect(byId.primary.probes.every((p: { ok: boolean }) => p.ok)).toBe(true);
    expect(byId.fallback).toMatchObject({ healthy: true });
    expect(byId.mock).toMatchObject({ kind: 'mock', base_url_host: null });
    expect(byId.mock.capabilities).toEqual(expect.arrayContaining(['vision', 'embeddings']));
    expect(JSON.stringify(body)).not.toContain(primary.baseUrl);
  });

  it('budgets: the current period spend of each budgeted team and key', async () => {
    const { status, body } = await admin('/admin/budgets');
    expect(status).toBe(200);
    const k1Spend = sum(sent.filter((s) => s.key === 'k1'), (s) => s.cost);
    expect(body.data).toHaveLength(2);
    const team = body.data.find((b: { subject: string }) => b.subject === 'team');
    const key = body.data.find((b: { subject: string }) => b.subject === 'key');
    expect(team).toMatchObject({ id: keys.k1.team, name: 'search', budget_usd: 10, budget_period: 'month' });
    expect(team.used_usd).toBeCloseTo(k1Spend, 9);
    expect(key).toMatchObject({ id: keys.k1.id, name: 'k1', budget_usd: 5, budget_period: 'day' });
    expect(key.used_usd).toBeCloseTo(k1Spend, 9);
    const now = new Date();
    expect(key.period_start).toBe(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())).toISOString());
    expect(team.period_start).toBe(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString());
  });

  it('needs the admin key and is documented in /openapi.json', async () => {
    expect((await admin('/admin/overview', keys.k1.key)).status).toBe(403);
    expect((await fetch(`${gateway.url}/admin/requests`)).status).toBe(401);
    const doc = (await (await fetch(`${gateway.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/admin/overview', '/admin/requests', '/admin/requests/{id}', '/admin/providers', '/admin/budgets']));
  });
});
