// Migration 0005 on a log database that has rows from before the rollups (PGlite; a database of its own on the
// Postgres server when DATABASE_URL is set): applied at start like every migration, it leaves spend_daily equal to the
// sums over the rows already there, and batches written afterwards add to it.
import { afterAll, describe, expect, it } from 'vitest';
import type { LogDb } from '../../src/request-log/db.js';
import { requestLogs } from '../../src/request-log/schema.js';
import { LogStore } from '../../src/request-log/store.js';
import { upgradedDatabase } from '../helpers/old-migrations.js';
import { expectRollupsMatchRows } from '../helpers/spend-sums.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const done of cleanup.splice(0).reverse()) await done();
});

describe(`spend_daily backfill (${process.env.DATABASE_URL ? 'PostgreSQL server' : 'PGlite'})`, () => {
  it('folds the rows logged before the rollups existed, then later batches add to them', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => ({
      id: `backfill-${i}`,
      createdAt: new Date(Date.UTC(2026, 2, 4 + (i % 3), 23, 59, 59)),
      keyId: i % 5 === 0 ? null : `key_${i % 4}`,
      teamId: i % 5 === 0 ? null : `team_${i % 2}`,
      endpoint: '/v1/chat/completions',
      provider: i % 7 === 0 ? null : 'openai',
      model: i % 7 === 0 ? null : 'gpt-4o-mini',
      status: i % 7 === 0 ? 404 : 200,
      promptTokens: i % 7 === 0 ? null : 100 + i,
      completionTokens: i % 7 === 0 ? null : 10 + i,
      cachedTokens: i % 2 ? i : null,
      latencyMs: 5,
      costUsd: i % 7 === 0 ? null : 0.00000123457 * i,
    }));
    const insertOld = (db: LogDb) => db.insert(requestLogs).values(rows).then(() => undefined);
    const database = await upgradedDatabase('0004_spend_daily', insertOld, cleanup);
    const db = database.db;
    const store = new LogStore(database);
    const before = await expectRollupsMatchRows(db);
    expect([...before.values()].reduce((n, s) => n + s.requests, 0)).toBe(30);
    await store.insert([
      {
        request: { id: 'after-1', createdAt: new Date(Date.UTC(2026, 2, 4, 23, 59, 59)), keyId: 'key_1', teamId: 'team_1', endpoint: '/v1/chat/completions', provider: 'openai', model: 'gpt-4o-mini', status: 200, latencyMs: 5, stream: false, attempts: 0, partial: false, promptTokens: 1, completionTokens: 1, costUsd: 0.5 },
        attempts: [],
      },
    ]);
    await expectRollupsMatchRows(db);
  }, 120_000);
});
