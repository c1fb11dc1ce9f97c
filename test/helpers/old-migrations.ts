// A log database that an older version of the gateway migrated and wrote to, then opened by this one (every committed
// migration applied at start, as an upgrade does): PGlite in a folder of its own, or a database of its own on the
// Postgres server when DATABASE_URL is set. For the tests of the backfill migrations.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { openLogDatabase, type LogDatabase, type LogDb } from '../../src/request-log/db.js';
import { freshDatabase } from './fresh-database.js';

const MIGRATIONS = fileURLToPath(new URL('../../drizzle', import.meta.url));
type Cleanup = Array<() => Promise<void> | void>;

/** The committed migrations up to (not including) the one tagged `before`, as a folder of their own. */
function migrationsBefore(before: string, cleanup: Cleanup): string {
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

/**
 * A database migrated up to (not including) migration `before`, handed to `writeOld` at that version, then opened
 * with every migration. Whatever it made is undone by running `cleanup`.
 */
export async function upgradedDatabase(before: string, writeOld: (db: LogDb) => Promise<void>, cleanup: Cleanup): Promise<LogDatabase> {
  const old = migrationsBefore(before, cleanup);
  let database: LogDatabase;
  if (process.env.DATABASE_URL) {
    const fresh = await freshDatabase();
    cleanup.push(() => fresh.drop());
    const { default: pg } = await import('pg');
    const { drizzle } = await import('drizzle-orm/node-postgres');
    const { migrate } = await import('drizzle-orm/node-postgres/migrator');
    const pool = new pg.Pool({ connectionString: fresh.url, max: 1 });
    try {
      const db = drizzle(pool);
      await migrate(db, { migrationsFolder: old });
      await writeOld(db as unknown as LogDb);
    } finally {
      await pool.end();
    }
    database = await fresh.open();
  } else {
    const { PGlite } = await import('@electric-sql/pglite');
    const { drizzle } = await import('drizzle-orm/pglite');
    const { migrate } = await import('drizzle-orm/pglite/migrator');
    const dir = mkdtempSync(join(tmpdir(), 'llm-gateway-backfill-pglite-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const client = new PGlite(dir);
    await migrate(drizzle(client), { migrationsFolder: old });
    await writeOld(drizzle(client) as unknown as LogDb);
    await client.close();
    // The next start opens the same folder with every committed migration.
    database = await openLogDatabase({ pgliteDir: dir });
  }
  cleanup.push(() => database.close());
  return database;
}
