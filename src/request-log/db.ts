// Opens the log database: Postgres through `pg` when DATABASE_URL is set, embedded PGlite otherwise;
// applies the committed drizzle migrations either way.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { RunPrepared } from './pglite-prepared.js';
import * as schema from './schema.js';

export type LogDb = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface LogDatabase {
  kind: 'postgres' | 'pglite';
  db: LogDb;
  /** Cheap round trip for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
  /** Runs a statement prepared once per connection (PGlite: with a generic plan, pglite-prepared.ts). */
  runPrepared: RunPrepared;
  /** PGlite only: the data dir as a tarball (to seed other instances). */
  dump?(): Promise<Blob | File>;
}

const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));

export interface OpenOptions {
  databaseUrl?: string;
  /** Folder for PGlite; `memory://` keeps it in memory (tests). */
  pgliteDir: string;
  /** A dumped, already migrated PGlite data dir to start from: skips initdb (~5 s), used by the test suite. */
  pgliteTemplate?: Blob;
}

export async function openLogDatabase(options: OpenOptions): Promise<LogDatabase> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl);
  return openPglite(options.pgliteDir, options.pgliteTemplate);
}

async function openPostgres(url: string): Promise<LogDatabase> {
  const { default: pg } = await import('pg');
  const { drizzle } = await import('drizzle-orm/node-postgres');
  const { migrate } = await import('drizzle-orm/node-postgres/migrator');
  // Short connection timeout: an outage must not stall the writer for long; it retries on its own schedule.
  const pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 3_000, idleTimeoutMillis: 30_000 });
  // Without a listener an idle client's network error would crash the process.
  pool.on('error', () => undefined);
  const db = drizzle(pool, { schema });
  await migrate(db, { migrationsFolder });
  return {
    kind: 'postgres',
    db: db as unknown as LogDb,
    // A named statement is parsed once per connection, and the server may keep a generic plan for it.
    runPrepared: async (name, query) => {
      await pool.query({ name, text: query.sql, values: query.params });
    },
    ping: async () => {
      await pool.query('select 1');
    },
    close: () => pool.end(),
  };
}

async function openPglite(dir: string, template?: Blob): Promise<LogDatabase> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  // The console's free-text search is a trigram index (drizzle/0009): PGlite ships pg_trgm but loads it only when asked.
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
  const extensions = { pg_trgm };
  const inMemory = dir === 'memory://' || dir === '';
  if (!inMemory) mkdirSync(dir, { recursive: true });
  const client = inMemory ? new PGlite(template ? { loadDataDir: template, extensions } : { extensions }) : new PGlite(dir, { extensions });
  const db = drizzle(client, { schema });
  await migrate(db, { migrationsFolder });
  const { preparedRunner } = await import('./pglite-prepared.js');
  return {
    kind: 'pglite',
    runPrepared: preparedRunner(client),
    db: db as unknown as LogDb,
    ping: async () => {
      await client.query('select 1');
    },
    close: () => client.close(),
    dump: () => client.dumpDataDir('none'),
  };
}
