// The spend rollups as the log writer folds them (PGlite; the Postgres server too when DATABASE_URL is set, each file
// in a database of its own): one row per UTC day, key, team, provider and model equal to the sums over the rows; a
// retried, re-sent or replayed row counted once; a refused batch leaves no rollup; two writers folding the same keys
// at once never deadlock; spendSince reads budgets' starting points from them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spendSince } from '../../src/keys/spend-rollups.js';
import { createLogger } from '../../src/logger.js';
import type { LogDatabase } from '../../src/request-log/db.js';
import { requestLogs, spendDaily } from '../../src/request-log/schema.js';
import { SpillFile } from '../../src/request-log/spill.js';
import { reason } from '../../src/request-log/store-call.js';
import { LogStore, type LogEntry } from '../../src/request-log/store.js';
import { LogWriter, type LogSink } from '../../src/request-log/writer.js';
import { freshDatabase, type FreshDatabase } from '../helpers/fresh-database.js';
import { expectRollupsMatchRows, rollupKey, rollupSums } from '../helpers/spend-sums.js';

const BACKEND = process.env.DATABASE_URL ? 'PostgreSQL server' : 'PGlite';
let fresh: FreshDatabase;
let database: LogDatabase;
const dirs: string[] = [];
const writers: LogWriter[] = [];

beforeAll(async () => {
  fresh = await freshDatabase();
  database = await fresh.open();
}, 60_000);

afterEach(async () => {
  await Promise.all(writers.splice(0).map((w) => w.close({ deadlineMs: 1_000 })));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

afterAll(async () => {
  await database?.close();
  await fresh?.drop();
});

/** The file's database with empty log tables: each test sums whole tables. */
async function emptyStore(): Promise<LogStore> {
  await database.db.delete(requestLogs);
  await database.db.delete(spendDaily);
  return new LogStore(database);
}

interface EntryShape {
  at?: string;
  keyId?: string | null;
  teamId?: string | null;
  provider?: string | null;
  model?: string | null;
  tokens?: [number, number, number?, number?];
  cost?: number | null;
}

let serial = 0;
function entry(shape: EntryShape = {}): LogEntry {
  const id = `rollup-${process.pid}-${++serial}-${crypto.randomUUID()}`;
  const createdAt = new Date(shape.at ?? '2026-03-04T10:00:00.000Z');
  const [prompt, completion, cached, reasoning] = shape.tokens ?? [100, 20];
  return {
    request: {
      id,
      createdAt,
      endpoint: '/v1/chat/completions',
      status: 200,
      latencyMs: 5,
      stream: false,
      attempts: 1,
      partial: false,
      keyId: shape.keyId === undefined ? 'key_a' : shape.keyId,
      teamId: shape.teamId === undefined ? 'team_a' : shape.teamId,
      provider: shape.provider === undefined ? 'openai' : shape.provider,
      model: shape.model === undefined ? 'gpt-4o-mini' : shape.model,
      promptTokens: prompt,
      completionTokens: completion,
      totalTokens: prompt + completion,
      cachedTokens: cached ?? null,
      reasoningTokens: reasoning ?? null,
      // Prices with eleven decimals, as the price table yields: exact sums are what the numeric columns are for.
      costUsd: shape.cost === undefined ? 0.00001234567 : shape.cost,
    },
    attempts: [{ id: `${id}#1`, requestId: id, attempt: 1, startedAt: createdAt, provider: 'openai', model: 'gpt-4o-mini', status: 200, latencyMs: 4 }],
  };
}

function writer(sink: LogSink, options: ConstructorParameters<typeof LogWriter>[2] = {}): LogWriter {
  const quiet = new Writable({ write: (_c, _e, done) => done() });
  const w = new LogWriter(sink, createLogger('error', quiet), { flushIntervalMs: 60_000, maxBackoffMs: 20, ...options });
  writers.push(w);
  return w;
}

/** A transaction on a connection of its own holding one key's rollup rows, and a way to see who waits behind it. */
async function holdRollupRow(url: string, keyId: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('begin');
  const locked = await client.query('select 1 from spend_daily where key_id = $1 for update', [keyId]);
  expect(locked.rowCount).toBeGreaterThan(0);
  return {
    async untilWaiting(sessions: number): Promise<void> {
      for (let i = 0; i < 400; i++) {
        const { rows } = await client.query<{ n: number }>(
          "select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()",
        );
        if ((rows[0]?.n ?? 0) >= sessions) return;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`fewer than ${sessions} sessions ever waited on the held rollup row`);
    },
    async release(): Promise<void> {
      await client.query('commit');
      await client.end();
    },
  };
}

function spillDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'llm-gateway-rollup-spill-'));
  dirs.push(dir);
  return dir;
}

describe(`spend rollups (${BACKEND})`, () => {
  it('folds a batch into one row per UTC day, key, team, provider and model, with missing dimensions as empty', async () => {
    const store = await emptyStore();
    await store.insert([
      entry({ at: '2026-03-04T23:59:59.999Z', tokens: [10, 5, 3, 2], cost: 0.1 }),
      entry({ at: '2026-03-04T00:00:00.000Z', tokens: [1, 1], cost: 0.2 }),
      entry({ at: '2026-03-05T00:00:00.000Z', tokens: [7, 0], cost: 0.3 }),
      entry({ model: 'gpt-4o', cost: null, tokens: [4, 4] }),
      // A static key's refusal before routing: no key, team, provider, model, tokens or price.
      entry({ keyId: null, teamId: null, provider: null, model: null, cost: null, tokens: [0, 0] }),
    ]);
    const sums = await rollupSums(store.database.db);
    expect(sums.get(rollupKey('2026-03-04', 'key_a', 'team_a', 'openai', 'gpt-4o-mini'))).toEqual({
      requests: 2, promptTokens: 11, completionTokens: 6, cachedTokens: 3, reasoningTokens: 2, costUsd: 0.3,
    });
    expect(sums.get(rollupKey('2026-03-05', 'key_a', 'team_a', 'openai', 'gpt-4o-mini'))).toMatchObject({ requests: 1, promptTokens: 7, costUsd: 0.3 });
    expect(sums.get(rollupKey('2026-03-04', 'key_a', 'team_a', 'openai', 'gpt-4o'))).toMatchObject({ requests: 1, costUsd: 0 });
    expect(sums.get('2026-03-04||||')).toMatchObject({ requests: 1, promptTokens: 0, costUsd: 0 });
    expect(sums.size).toBe(4);
    await expectRollupsMatchRows(store.database.db);
  });

  it('adds each batch to the rows already there, with exact decimal sums', async () => {
    const store = await emptyStore();
    for (let i = 0; i < 5; i++) await store.insert(Array.from({ length: 7 }, () => entry({ cost: 0.00000000001 * 3 })));
    const [row] = await store.database.db.select().from(spendDaily);
    expect(row).toMatchObject({ requests: 35, promptTokens: 3_500, completionTokens: 700 });
    // 35 × 3e-11 in binary floating point is 1.0500000000000001e-9; the numeric column holds exactly 1.05e-9.
    expect(String(row!.costUsd)).toBe('1.05e-9');
  });

  it('counts a row once however it comes back: a retried batch, a part of it, a superset, the same id twice in a batch', async () => {
    const store = await emptyStore();
    const batch = Array.from({ length: 6 }, (_, i) => entry({ keyId: `key_${i % 2}`, cost: 0.01 }));
    await store.insert(batch.slice(0, 4));
    await store.insert(batch);
    await store.insert(batch.slice(2));
    await store.insert([batch[5]!, batch[5]!, entry({ keyId: 'key_0', cost: 0.01 })]);
    const sums = await expectRollupsMatchRows(store.database.db);
    expect(sums.get(rollupKey('2026-03-04', 'key_0', 'team_a', 'openai', 'gpt-4o-mini'))).toMatchObject({ requests: 4 });
    expect(sums.get(rollupKey('2026-03-04', 'key_1', 'team_a', 'openai', 'gpt-4o-mini'))).toMatchObject({ requests: 3 });
  });

  it('a batch the database refuses adds nothing to the rollups', async () => {
    const store = await emptyStore();
    await store.insert([entry({ cost: 1 })]);
    const bad = entry({ cost: 5 });
    bad.request.latencyMs = 2 ** 40; // out of the integer column's range
    await expect(store.insert([entry({ cost: 5 }), bad])).rejects.toThrow();
    const [row] = await store.database.db.select().from(spendDaily);
    expect(row).toMatchObject({ requests: 1, costUsd: 1 });
  });

  it('spill replay adds once: an outage spilled, a write that landed but timed out, a replay of rows already stored', async () => {
    const store = await emptyStore();
    let down = true;
    let landedThenFailed = 0;
    const sink: LogSink = {
      insert: async (entries) => {
        if (down) throw new Error('connect ECONNREFUSED');
        await store.insert(entries);
        // The database committed, but the answer never came back in time: the writer must try the batch again.
        if (landedThenFailed-- > 0) throw new Error('log store did not answer within 10000 ms');
      },
      ping: async () => {
        if (down) throw new Error('connect ECONNREFUSED');
      },
    };
    const dir = spillDir();
    const w = writer(sink, { spillDir: dir, spillAfterMs: 0, batchSize: 25 });
    const during = Array.from({ length: 60 }, (_, i) => entry({ keyId: `key_${i % 3}`, cost: 0.001 }));
    for (const e of during) w.enqueue(e);
    await w.flush(true);
    expect(w.stats).toMatchObject({ queued: 0, spilled: 60, degraded: true });
    down = false;
    landedThenFailed = 2;
    for (let i = 0; i < 10 && w.stats.spilled > 0; i++) await w.flush(true);
    expect(w.stats).toMatchObject({ spilled: 0, degraded: false, dropped: 0 });
    const sums = await expectRollupsMatchRows(store.database.db);
    expect([...sums.values()].reduce((n, s) => n + s.requests, 0)).toBe(60);
    const before = await rollupSums(store.database.db);

    // A crash after the commit and before the file was stepped over: the next process replays rows already stored.
    const crashDir = spillDir();
    new SpillFile(crashDir).append(during.slice(0, 30));
    const next = writer(sink, { spillDir: crashDir, batchSize: 25 });
    for (let i = 0; i < 10 && next.stats.spilled > 0; i++) await next.flush(true);
    expect(next.stats.spilled).toBe(0);
    expect(await rollupSums(store.database.db)).toEqual(before);
  });

  it('two writers folding interleaved batches of the same keys at once: no deadlock, rollups equal the rows', async () => {
    const one = await emptyStore();
    // A second pool on the server, as a second replica has; PGlite has one connection, so it is shared.
    const second = fresh.url ? await fresh.open() : undefined;
    const two = second ? new LogStore(second) : one;
    const errors: unknown[] = [];
    const counted = (store: LogStore): LogSink => ({
      insert: (entries) => store.insert(entries).catch((err: unknown) => {
        errors.push(err);
        throw err;
      }),
      ping: () => store.ping(),
    });
    // 101 keys × 2 models: each batch of 200 touches nearly every one of the 202 rollup rows, as does every batch of
    // the other writer at the same time (upserting them in any other order than the primary key's deadlocks here).
    const shapes = (i: number): EntryShape => ({
      keyId: `key_${i % 101}`,
      teamId: `team_${(i % 101) % 4}`,
      model: i % 2 ? 'gpt-4o' : 'o3',
      tokens: [i % 97, i % 13, i % 5, i % 3],
      cost: (i % 11) * 0.00000123457,
    });
    await one.insert(Array.from({ length: 202 }, (_, i) => entry(shapes(i))));
    const a = writer(counted(one), { batchSize: 200 });
    const b = writer(counted(two), { batchSize: 200 });
    for (let i = 0; i < 4_000; i++) {
      a.enqueue(entry(shapes(i)));
      b.enqueue(entry(shapes(3_999 - i)));
    }
    // On the server, a third session holds one rollup row in the middle of the key order until both writers' first
    // batches wait on a lock: each has then upserted part of its batch, so any other order than the primary key's
    // leaves each holding a row the other needs once it is released.
    const holder = fresh.url ? await holdRollupRow(fresh.url, 'key_50') : undefined;
    const flushing = Promise.all([a.flush(true), b.flush(true)]);
    if (holder) {
      await holder.untilWaiting(2);
      await holder.release();
    }
    await flushing;
    expect(errors.map(reason)).toEqual([]);
    expect(a.stats).toMatchObject({ queued: 0, written: 4_000, dropped: 0, failures: 0 });
    expect(b.stats).toMatchObject({ queued: 0, written: 4_000, dropped: 0, failures: 0 });
    await second?.close();
    const sums = await expectRollupsMatchRows(one.database.db);
    expect(sums.size).toBe(202);
    expect([...sums.values()].reduce((n, x) => n + x.requests, 0)).toBe(8_202);
  }, 120_000);
});

describe(`spendSince (${BACKEND})`, () => {
  it("sums USD per key and per team over the days from since's UTC day on, for the ids asked (all when absent)", async () => {
    const store = await emptyStore();
    await store.insert([
      entry({ at: '2026-03-03T23:59:59.000Z', keyId: 'k1', teamId: 't1', cost: 100 }),
      entry({ at: '2026-03-04T00:00:00.000Z', keyId: 'k1', teamId: 't1', cost: 0.25 }),
      entry({ at: '2026-03-06T08:00:00.000Z', keyId: 'k1', teamId: 't1', model: 'gpt-4o', cost: 0.5 }),
      entry({ at: '2026-03-06T08:00:00.000Z', keyId: 'k2', teamId: 't1', cost: 1 }),
      entry({ at: '2026-03-06T08:00:00.000Z', keyId: 'k3', teamId: 't2', cost: null }),
      entry({ at: '2026-03-06T08:00:00.000Z', keyId: null, teamId: null, cost: 7 }),
    ]);
    const db = store.database.db;
    // Since 15:00 on the 4th: the whole of the 4th counts (budgets start at a UTC midnight).
    const all = await spendSince(db, { since: new Date('2026-03-04T15:00:00.000Z') });
    expect(all.keys).toEqual(new Map([['k1', 0.75], ['k2', 1], ['k3', 0]]));
    expect(all.teams).toEqual(new Map([['t1', 1.75], ['t2', 0]]));
    const some = await spendSince(db, { since: new Date('2026-03-01T00:00:00.000Z'), keyIds: ['k1', 'nobody'], teamIds: [] });
    expect(some.keys).toEqual(new Map([['k1', 100.75]]));
    expect(some.teams.size).toBe(0);
    const later = await spendSince(db, { since: new Date('2026-03-07T00:00:00.000Z'), teamIds: ['t1'] });
    expect(later).toEqual({ keys: new Map(), teams: new Map() });
  });
});
