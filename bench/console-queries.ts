// The console's queries at 2,000,000 log rows: creates a Postgres database (BENCH_DATABASE_URL or DATABASE_URL names
// the server; default the local one), migrates and seeds it, then runs each page's queries 30 times (fewer when a run
// takes over 0.7 s) and prints p50/p95 and what EXPLAIN says each scans. Not a timed test: a measurement to read.
// BENCH_ROWS changes the row count; BENCH_REUSE=1 keeps an already seeded database of that size.
import pg from 'pg';
import { budgetQueries, budgets } from '../src/http/admin/console-budgets.js';
import { overview, overviewQueries, overviewWindow, type Query } from '../src/http/admin/console-overview.js';
import { anchorQuery, detailQuery, encodeCursor, filterConditions, requestPageQuery, timelineQuery } from '../src/http/admin/console-request-query.js';
import { listRequests, requestDetail } from '../src/http/admin/console-requests.js';
import type { RequestsQuery } from '../src/http/admin/console-shapes.js';
import { rollupSpendByQuery } from '../src/keys/spend-rollups.js';
import { SPEND_GROUPS, spendBy, spendByQuery } from '../src/keys/spend.js';
import { openLogDatabase, type LogDb } from '../src/request-log/db.js';
import { HealthTracker } from '../src/routing/health.js';
import { RARE_WORD, seed } from './console-seed.js';

const RUNS = 30;
/** A query slower than this per run is run fewer times (at least MIN_RUNS), so one slow page does not take an hour. */
const CASE_BUDGET_MS = 20_000;
const MIN_RUNS = 5;
const TARGET_P95_MS = 100;
const rows = Number(process.env.BENCH_ROWS ?? 2_000_000);
const server = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const name = `console_bench_${rows}`;
const log = (line: string) => process.stdout.write(`${line}\n`);

async function prepare(): Promise<{ url: string; fresh: boolean }> {
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  const url = new URL(server);
  url.pathname = `/${name}`;
  try {
    const exists = (await admin.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1;
    if (exists && process.env.BENCH_REUSE === '1') return { url: url.toString(), fresh: false };
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.query(`create database ${name}`);
    return { url: url.toString(), fresh: true };
  } finally {
    await admin.end();
  }
}

interface Case {
  name: string;
  /** What the endpoint runs (all its queries), timed. */
  run: () => Promise<unknown>;
  /** The SQL statements it sends, explained. */
  queries: Array<Query<unknown>>;
}

type PlanNode = { 'Node Type': string; 'Index Name'?: string; 'Relation Name'?: string; Plans?: PlanNode[] };

function scans(node: PlanNode, out: string[] = []): string[] {
  if (node['Index Name']) out.push(`${node['Node Type'].replace(' Scan', '')}:${node['Index Name']}`);
  else if (node['Node Type'] === 'Seq Scan') out.push(`Seq:${node['Relation Name']}`);
  for (const child of node.Plans ?? []) scans(child, out);
  return out;
}

async function explain(client: pg.Client, query: Query<unknown>): Promise<string> {
  const { sql, params } = query.toSQL();
  const result = await client.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(`explain (format json) ${sql}`, params);
  const plan = result.rows[0]?.['QUERY PLAN'][0]?.Plan;
  return plan ? [...new Set(scans(plan))].join(' ') || plan['Node Type'] : '?';
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;

async function measure(c: Case, client: pg.Client): Promise<{ p50: number; p95: number; runs: number; plan: string }> {
  const warm = performance.now();
  await c.run();
  const runs = Math.max(MIN_RUNS, Math.min(RUNS, Math.floor(CASE_BUDGET_MS / (performance.now() - warm))));
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await c.run();
    times.push(performance.now() - started);
  }
  times.sort((x, y) => x - y);
  const plans: string[] = [];
  for (const q of c.queries) plans.push(await explain(client, q));
  return { p50: percentile(times, 0.5), p95: percentile(times, 0.95), runs, plan: plans.join(' | ') };
}

function cases(db: LogDb, now: number, deep: { createdAt: Date; id: string }, newest: string, detailId: string): Case[] {
  const health = new HealthTracker();
  const list = (label: string, query: Partial<RequestsQuery>): Case => {
    const full: RequestsQuery = { limit: 50, ...query };
    const position = full.cursor ? { before: deep } : {};
    return { name: `requests ${label}`, run: () => listRequests(db, full), queries: [requestPageQuery(db, filterConditions(full, now), full.limit, position)] };
  };
  const out: Case[] = [];
  for (const window of ['hour', 'day', 'week'] as const) {
    const { from, to, bucketSeconds } = overviewWindow(window, now);
    out.push({ name: `overview ${window}`, run: () => overview(db, health, window, now), queries: Object.values(overviewQueries(db, from, to, bucketSeconds)) });
  }
  out.push(
    list('first page', {}),
    list('key_id', { key_id: 'vk_0150' }),
    list('team_id', { team_id: 'team_007' }),
    list('model', { model: 'deepseek-chat' }),
    list('provider', { provider: 'ollama' }),
    // A value no recent row has would scan the whole log newest first without its (column, created_at) index.
    list('model (absent)', { model: 'gpt-3.5-turbo' }),
    list('provider (absent)', { provider: 'vllm' }),
    list('status=5xx', { status: '5xx' }),
    list('status=402', { status: '402' }),
    list('endpoint', { endpoint: '/api/ask' }),
    list('session_id', { session_id: 'sess-40000' }),
    list('from/to (a day, 3 days ago)', { from: new Date(now - 4 * 86_400_000), to: new Date(now - 3 * 86_400_000) }),
    list('q common word', { q: 'kubernetes' }),
    list(`q rare word (${RARE_WORD})`, { q: RARE_WORD }),
    list('q + key_id', { q: 'invoice', key_id: 'vk_0042' }),
    list('deep cursor (1M rows in)', { cursor: encodeCursor(deep) }),
    { name: 'requests newer_than (tail poll)', run: () => listRequests(db, { limit: 50, newer_than: newest }), queries: [anchorQuery(db, newest)] },
    { name: 'request detail + timeline', run: () => requestDetail(db, detailId), queries: [detailQuery(db, detailId), timelineQuery(db, detailId)] },
  );
  // The console's spend page asks for all time; a window of whole UTC days reads the rollups too.
  const days = new Date(Math.floor(now / 86_400_000) * 86_400_000 - 7 * 86_400_000);
  for (const group of SPEND_GROUPS) {
    out.push({ name: `spend ${group} (last 7 UTC days)`, run: () => spendBy(db, group, days), queries: [rollupSpendByQuery(db, group, days)] });
  }
  out.push({ name: 'spend key (all time)', run: () => spendBy(db, 'key'), queries: [rollupSpendByQuery(db, 'key')] });
  // Not a console page: the API's answer for a window that does not fall on UTC days sums the raw rows.
  const hours = new Date(now - 7 * 86_400_000);
  out.push({ name: 'spend key (7×24 h: raw rows, API only)', run: () => spendBy(db, 'key', hours), queries: [spendByQuery(db, 'key', hours)] });
  out.push({ name: 'budgets', run: () => budgets(db, new Date(now)), queries: Object.values(budgetQueries(db, new Date(now))) });
  return out;
}

async function main(): Promise<void> {
  const { url, fresh } = await prepare();
  const database = await openLogDatabase({ databaseUrl: url, pgliteDir: '' });
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const endMs = Date.now();
  const seeded = Number((await client.query('select count(*) from request_logs')).rows[0].count);
  // A reused database that an interrupted run left part-seeded is seeded again.
  if (fresh || seeded !== rows) {
    await client.query('truncate request_logs, upstream_attempts, virtual_keys, teams, spend_daily, overview_rollups');
    const started = performance.now();
    await seed(client, rows, endMs, log);
    log(`seeded ${rows} rows in ${Math.round((performance.now() - started) / 1000)} s`);
  }
  const count = Number((await client.query('select count(*) from request_logs')).rows[0].count);
  const [last] = (await client.query<{ created_at: Date; id: string }>('select created_at, id from request_logs order by created_at desc, id desc limit 1')).rows;
  const [middle] = (await client.query<{ created_at: Date; id: string }>('select created_at, id from request_logs order by created_at desc, id desc offset $1 limit 1', [Math.floor(count / 2)])).rows;
  const [fallback] = (await client.query<{ id: string }>('select id from request_logs where attempts = 3 order by created_at desc limit 1')).rows;
  if (!last || !middle || !fallback) throw new Error('the database has no rows to query');
  const now = last.created_at.getTime() + 1;
  const load = (await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ');
  log(`\n${count} rows; ${RUNS} runs each; load average ${load}\n`);
  log(`${'query'.padEnd(38)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} runs  plan (scans per statement)`);
  let over = 0;
  // The detail's own endpoint reads a row's bodies: the middle one, with its attempts, is a typical deep click.
  for (const c of cases(database.db, now, { createdAt: middle.created_at, id: middle.id }, last.id, fallback.id)) {
    const { p50, p95, runs, plan } = await measure(c, client);
    if (p95 >= TARGET_P95_MS) over++;
    log(`${c.name.padEnd(38)} ${p50.toFixed(1).padStart(8)} ${p95.toFixed(1).padStart(8)} ${String(runs).padStart(4)}${p95 >= TARGET_P95_MS ? ' !' : '  '} ${plan}`);
  }
  log(`\n${over} queries at or over the ${TARGET_P95_MS} ms p95 target; load average now ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  await client.end();
  await database.close();
}

await main();
