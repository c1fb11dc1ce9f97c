// Migration 0008 on a log database with rows from before the overview rollups (PGlite; a database of its own on the
// Postgres server when DATABASE_URL is set): applied at start, it leaves overview_rollups equal to what the rows and
// their attempts give (fallbacks and histograms included), and batches written afterwards add to it.
import { afterAll, describe, expect, it } from 'vitest';
import type { LogDb } from '../../src/request-log/db.js';
import { requestLogs, upstreamAttempts } from '../../src/request-log/schema.js';
import { LogStore } from '../../src/request-log/store.js';
import { upgradedDatabase } from '../helpers/old-migrations.js';
import { expectOverviewMatchesRows } from '../helpers/overview-sums.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const done of cleanup.splice(0).reverse()) await done();
});

describe(`overview_rollups backfill (${process.env.DATABASE_URL ? 'PostgreSQL server' : 'PGlite'})`, () => {
  it('folds the rows logged before the rollups existed, then later batches add to them', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => ({
      id: `ov-backfill-${i}`,
      createdAt: new Date(Date.UTC(2026, 2, 4, 10, 19, 30 + i)),
      endpoint: '/v1/chat/completions',
      provider: i % 9 === 0 ? null : 'openai',
      model: i % 9 === 0 ? null : i % 2 ? 'gpt-4o' : 'gpt-4o-mini',
      status: i % 9 === 0 ? 402 : i % 5 === 0 ? 429 : 200,
      errorCode: i % 9 === 0 ? 'insufficient_quota' : i % 5 === 0 ? 'rate_limit_exceeded' : null,
      promptTokens: 100 + i,
      completionTokens: 10 + i,
      totalTokens: 110 + 2 * i,
      latencyMs: 3 * i * i,
      ttftMs: i % 3 ? i * 10 : null,
      attempts: i % 4 === 1 ? 2 : 1,
      costUsd: i % 9 === 0 ? null : 0.00000123457 * i,
    }));
    // Every fourth row (from the second) answered after a failed attempt: on another deployment for half of them.
    const attempts = rows.flatMap((r, i) =>
      Array.from({ length: r.attempts }, (_, a) => ({
        id: `${r.id}#${a + 1}`, requestId: r.id, attempt: a + 1, startedAt: r.createdAt, latencyMs: 5, status: 200,
        provider: a === 0 && r.attempts > 1 && i % 8 === 1 ? 'anthropic' : (r.provider ?? 'none'), model: r.model ?? 'none',
      })),
    );
    const writeOld = async (db: LogDb) => {
      await db.insert(requestLogs).values(rows);
      await db.insert(upstreamAttempts).values(attempts);
    };
    const database = await upgradedDatabase('0007_overview_rollups', writeOld, cleanup);
    const before = await expectOverviewMatchesRows(database.db);
    const total = (width: number, pick: 'requests' | 'fallbacks' | 'retries') =>
      [...before.entries()].filter(([key]) => key.startsWith(`${width}|`)).reduce((n, [, s]) => n + s[pick], 0);
    expect([total(60, 'requests'), total(1_200, 'requests')]).toEqual([40, 40]);
    expect(total(60, 'retries')).toBe(10);
    expect(total(60, 'fallbacks')).toBeGreaterThan(0);
    await new LogStore(database).insert([
      {
        request: { id: 'ov-after-1', createdAt: new Date(Date.UTC(2026, 2, 4, 10, 19, 59)), endpoint: '/v1/chat/completions', provider: 'openai', model: 'gpt-4o', status: 200, latencyMs: 77, stream: false, attempts: 1, partial: false, totalTokens: 9, costUsd: 0.5 },
        attempts: [{ id: 'ov-after-1#1', requestId: 'ov-after-1', attempt: 1, startedAt: new Date(Date.UTC(2026, 2, 4, 10, 19, 59)), provider: 'openai', model: 'gpt-4o', status: 200, latencyMs: 77 }],
      },
    ]);
    await expectOverviewMatchesRows(database.db);
  }, 120_000);
});
