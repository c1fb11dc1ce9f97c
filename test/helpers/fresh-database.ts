// A log database of the test's own: on the Postgres server of DATABASE_URL a new database (created here, dropped by
// drop()), so whole-table sums are not disturbed by other test files writing at the same time; PGlite otherwise.
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import { openLogDatabase, type LogDatabase } from '../../src/request-log/db.js';

export interface FreshDatabase {
  /** The new database's URL; undefined on PGlite. */
  url: string | undefined;
  /** Opens (and migrates) a connection to it; on PGlite a new in-memory database from the migrated template. */
  open(): Promise<LogDatabase>;
  drop(): Promise<void>;
}

async function admin<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

export async function freshDatabase(): Promise<FreshDatabase> {
  const server = process.env.DATABASE_URL;
  if (!server) {
    const template = new Blob([await readFile(inject('pgliteTemplatePath'))]);
    return { url: undefined, open: () => openLogDatabase({ pgliteDir: 'memory://', pgliteTemplate: template }), drop: async () => undefined };
  }
  const url = new URL(server);
  const name = `${url.pathname.slice(1) || 'postgres'}_t${crypto.randomUUID().replaceAll('-', '').slice(0, 12)}`.slice(0, 63);
  await admin(server, (c) => c.query(`CREATE DATABASE "${name}"`));
  url.pathname = `/${name}`;
  const own = url.toString();
  return {
    url: own,
    open: () => openLogDatabase({ databaseUrl: own, pgliteDir: '' }),
    drop: () => admin(server, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}

/** A fresh database opened before the file's tests and dropped after them; call at the top of a test file. */
export function fileDatabase(): () => LogDatabase {
  let fresh: FreshDatabase | undefined;
  let database: LogDatabase | undefined;
  beforeAll(async () => {
    fresh = await freshDatabase();
    database = await fresh.open();
  }, 60_000);
  afterAll(async () => {
    await database?.close();
    await fresh?.drop();
  });
  return () => {
    if (!database) throw new Error('the file database is opened in beforeAll');
    return database;
  };
}
