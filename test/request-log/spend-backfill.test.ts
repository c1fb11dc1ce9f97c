// Migration 0005 on a log database that has rows from before the rollups (PGlite; a database of its own on the
// Postgres server when DATABASE_URL is set): applied at start like every migration, it leaves spend_daily equal to the
// sums over the rows already there, and batches written afterwards add to it.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openLogDatabase, type LogDb } from '../../src/request-log/db.js';
import { requestLogs } from '../../src/request-log/schema.js';
import { LogStore } from '../../src/request-log/store.js';
import { freshDatabase, type FreshDatabase } from '../helpers/fresh-database.js';
import { expectRollupsMatchRows } from '../helpers/spend-sums.js';

const MIGRATIONS = fileURLToPath(new URL('../../drizzle', import.meta.url));
const cleanup: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const done of cleanup.splice(0).reverse()) await done();
});

/** The committed migrations up to (not including) the one tagged `before`, as a folder of their own. */
function migrationsBefore(before: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'llm-gateway-migrations-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const journal = JSON.parse(readFileSync(join(MIGRATIONS, 'meta', '_journal.json'), 'utf8')) as { entries: Array<{ tag: string }> };
  const entries = journal.entries.slice(0, journal.entries.findIndex((e) => e.tag === before));
  expect(entries.length).toBeGreaterThan(0);
  mkdirSync(join(dir, 'meta'));
  writeFileSync(join(dir, 'meta', '_journal.json'), JSON.stringify({ ...journal, entries }));
  for (const { tag } of entries) copyFileSync(join(MIGRATIONS, `${tag}.sql`), join(dir, `${tag}.sql`));
  return dir;
}

/** A database migrated only up to `folder`, then handed to `use`. */
async function atOldVersion(fresh: FreshDatabase, folder: string, use: (db: LogDb) => Promise<void>): Promise<void> {
  if (fresh.url) {
    const { default: pg } = await import('pg');
    const { drizzle } = await import('drizzle-orm/node-postgres');
    const { migrate } = await import('drizzle-orm/node-postgres/migrator');
    const pool = new pg.Pool({ connectionString: fresh.url, max: 1 });
    try {
      const db = drizzle(pool);
      await migrate(db, { migrationsFolder: folder });
      await use(db as unknown as LogDb);
    } finally {
      await pool.end();
    }
    return;
  }
  throw new Error('PGlite databases are migrated in the test itself');
}

describe(`spend_daily backfill (${process.env.DATABASE_URL ? 'PostgreSQL server' : 'PGlite'})`, () => {
  it('folds the rows logged before the rollups existed, then later batches add to them', async () => {
    const old = migrationsBefore('0004_spend_daily');
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
    let db: LogDb;
    let store: LogStore;
    if (process.env.DATABASE_URL) {
      const fresh = await freshDatabase();
      cleanup.push(() => fresh.drop());
      await atOldVersion(fresh, old, insertOld);
      const database = await fresh.open();
      cleanup.push(() => database.close());
      db = database.db;
      store = new LogStore(database);
    } else {
      const { PGlite } = await import('@electric-sql/pglite');
      const { drizzle } = await import('drizzle-orm/pglite');
      const { migrate } = await import('drizzle-orm/pglite/migrator');
      const dir = mkdtempSync(join(tmpdir(), 'llm-gateway-backfill-pglite-'));
      cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
      const client = new PGlite(dir);
      await migrate(drizzle(client), { migrationsFolder: old });
      await insertOld(drizzle(client) as unknown as LogDb);
      await client.close();
      // The next start opens the same folder with every committed migration.
      const database = await openLogDatabase({ pgliteDir: dir });
      cleanup.push(() => database.close());
      db = database.db;
      store = new LogStore(database);
    }
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
